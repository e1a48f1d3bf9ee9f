//! The catalog of workflow templates, managed by platform admins.

use async_graphql::{Context, InputObject, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, QueryFilter, Set, SqlErr};
use studiogate_entities_studios::{scope, workflow_templates as templates};
use studiogate_graph::error::GraphResult;
use studiogate_graph::GraphError;
use uuid::Uuid;

use crate::context::writer;
use crate::enums::{BusinessArea, ComplexityLevel};
use crate::objects::WorkflowTemplate;
use crate::rules::template as rules;

#[derive(Default)]
pub struct TemplateMutation;

/// A new catalog entry.
#[derive(InputObject)]
pub struct CreateWorkflowTemplateInput {
    /// 3-200 characters, unique in the catalog.
    pub name: String,
    /// 10-1000 characters.
    pub description: String,
    pub business_area: BusinessArea,
    /// The ActivePieces flow that implements the template.
    pub activepieces_flow_id: Uuid,
    /// A JSON Schema every execution's input must satisfy.
    pub input_schema: Json<serde_json::Value>,
    /// A JSON Schema of the output, if declared.
    pub output_schema: Option<Json<serde_json::Value>>,
    /// 1-1440.
    pub estimated_duration_minutes: i32,
    pub complexity_level: ComplexityLevel,
    #[graphql(default)]
    pub tags: Vec<String>,
    /// Semantic version, e.g. `1.0.0`.
    pub version: String,
    #[graphql(default = true)]
    pub is_active: bool,
}

/// Changes to a catalog entry; fields left out stay as they are.
#[derive(InputObject)]
pub struct UpdateWorkflowTemplateInput {
    pub id: Uuid,
    /// The `updatedAt` the client last saw; a newer row answers CONFLICT (`STALE_OBJECT`).
    pub updated_at: Option<DateTime<Utc>>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub input_schema: Option<Json<serde_json::Value>>,
    pub estimated_duration_minutes: Option<i32>,
    pub tags: Option<Vec<String>>,
    pub version: Option<String>,
    /// Inactive templates are hidden from members and cannot start new executions.
    pub is_active: Option<bool>,
}

/// The template as it now is.
#[derive(SimpleObject)]
pub struct WorkflowTemplatePayload {
    pub workflow_template: WorkflowTemplate,
}

fn unique_name(err: sea_orm::DbErr) -> GraphError {
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => {
            GraphError::conflict("name", "A template with this name already exists")
        }
        _ => err.into(),
    }
}

#[Object]
impl TemplateMutation {
    /// Adds a template to the catalog (platform admins only).
    async fn create_workflow_template(
        &self,
        ctx: &Context<'_>,
        input: CreateWorkflowTemplateInput,
    ) -> GraphResult<WorkflowTemplatePayload> {
        rules::name(&input.name)?;
        rules::description(&input.description)?;
        rules::version(&input.version)?;
        rules::duration(input.estimated_duration_minutes)?;
        rules::json_schema("inputSchema", &input.input_schema)?;
        if let Some(out) = &input.output_schema {
            rules::json_schema("outputSchema", out)?;
        }
        rules::tags(&input.tags)?;
        let now = Utc::now().fixed_offset();
        let row = templates::ActiveModel {
            id: Set(Uuid::new_v4()),
            name: Set(input.name.trim().to_owned()),
            description: Set(input.description.trim().to_owned()),
            business_area: Set(input.business_area.as_db().to_owned()),
            activepieces_flow_id: Set(input.activepieces_flow_id),
            input_schema: Set(input.input_schema.0),
            output_schema: Set(input.output_schema.map(|j| j.0)),
            estimated_duration_minutes: Set(input.estimated_duration_minutes),
            complexity_level: Set(input.complexity_level.as_db().to_owned()),
            tags: Set(serde_json::json!(input.tags)),
            version: Set(input.version),
            is_active: Set(input.is_active),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&writer(ctx).db)
        .await
        .map_err(unique_name)?;
        Ok(WorkflowTemplatePayload {
            workflow_template: WorkflowTemplate(row),
        })
    }

    /// Changes a template (platform admins only).
    async fn update_workflow_template(
        &self,
        ctx: &Context<'_>,
        input: UpdateWorkflowTemplateInput,
    ) -> GraphResult<WorkflowTemplatePayload> {
        let db = &writer(ctx).db;
        let current = scope::templates(true)
            .filter(templates::Column::Id.eq(input.id))
            .one(db)
            .await
            .map_err(GraphError::from)?
            .ok_or_else(|| GraphError::not_found("WorkflowTemplate"))?;
        if input
            .updated_at
            .is_some_and(|seen| seen != current.updated_at.to_utc())
        {
            return Err(GraphError::stale("WorkflowTemplate").into());
        }
        let mut row: templates::ActiveModel = current.clone().into();
        if let Some(name) = &input.name {
            rules::name(name)?;
            row.name = Set(name.trim().to_owned());
        }
        if let Some(description) = &input.description {
            rules::description(description)?;
            row.description = Set(description.trim().to_owned());
        }
        if let Some(schema) = input.input_schema {
            rules::json_schema("inputSchema", &schema)?;
            row.input_schema = Set(schema.0);
        }
        if let Some(minutes) = input.estimated_duration_minutes {
            rules::duration(minutes)?;
            row.estimated_duration_minutes = Set(minutes);
        }
        if let Some(tags) = input.tags {
            rules::tags(&tags)?;
            row.tags = Set(serde_json::json!(tags));
        }
        if let Some(version) = input.version {
            rules::version(&version)?;
            row.version = Set(version);
        }
        if let Some(active) = input.is_active {
            row.is_active = Set(active);
        }
        row.updated_at = Set(Utc::now().fixed_offset());
        // The WHERE on updated_at makes a concurrent change lose cleanly instead of silently.
        let updated = scope::update_templates()
            .set(row)
            .filter(templates::Column::Id.eq(current.id))
            .filter(templates::Column::UpdatedAt.eq(current.updated_at))
            .exec(db)
            .await
            .map_err(unique_name)?;
        if updated.rows_affected != 1 {
            return Err(GraphError::stale("WorkflowTemplate").into());
        }
        let row = scope::templates(true)
            .filter(templates::Column::Id.eq(current.id))
            .one(db)
            .await
            .map_err(GraphError::from)?
            .ok_or_else(|| GraphError::not_found("WorkflowTemplate"))?;
        Ok(WorkflowTemplatePayload {
            workflow_template: WorkflowTemplate(row),
        })
    }
}
