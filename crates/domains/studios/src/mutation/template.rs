//! The catalog of workflow templates, managed by platform admins through the template service.

use async_graphql::{Context, InputObject, Json, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, Utc};
use studiogate_graph::error::GraphResult;
use studiogate_graph::GraphError;
use uuid::Uuid;

use crate::context::writer;
use crate::enums::{BusinessArea, ComplexityLevel};
use crate::objects::WorkflowTemplate;
use crate::services::template::{self, NewTemplate, TemplateChanges};

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
    pub business_area: Option<BusinessArea>,
    /// The ActivePieces flow that implements the template.
    pub activepieces_flow_id: Option<Uuid>,
    pub input_schema: Option<Json<serde_json::Value>>,
    /// A JSON Schema of the output; `null` removes it (output is then not checked).
    pub output_schema: MaybeUndefined<Json<serde_json::Value>>,
    pub estimated_duration_minutes: Option<i32>,
    pub complexity_level: Option<ComplexityLevel>,
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

impl From<CreateWorkflowTemplateInput> for NewTemplate {
    fn from(i: CreateWorkflowTemplateInput) -> Self {
        Self {
            name: i.name,
            description: i.description,
            business_area: i.business_area,
            activepieces_flow_id: i.activepieces_flow_id,
            input_schema: i.input_schema.0,
            output_schema: i.output_schema.map(|j| j.0),
            estimated_duration_minutes: i.estimated_duration_minutes,
            complexity_level: i.complexity_level,
            tags: i.tags,
            version: i.version,
            is_active: i.is_active,
        }
    }
}

impl From<UpdateWorkflowTemplateInput> for TemplateChanges {
    fn from(i: UpdateWorkflowTemplateInput) -> Self {
        Self {
            name: i.name,
            description: i.description,
            business_area: i.business_area,
            activepieces_flow_id: i.activepieces_flow_id,
            input_schema: i.input_schema.map(|j| j.0),
            output_schema: match i.output_schema {
                MaybeUndefined::Undefined => None,
                MaybeUndefined::Null => Some(None),
                MaybeUndefined::Value(j) => Some(Some(j.0)),
            },
            estimated_duration_minutes: i.estimated_duration_minutes,
            complexity_level: i.complexity_level,
            tags: i.tags,
            version: i.version,
            is_active: i.is_active,
        }
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
        let row = template::create(writer(ctx), input.into())
            .await
            .map_err(GraphError::from)?;
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
        let (id, seen) = (input.id, input.updated_at);
        let row = template::update(writer(ctx), id, seen, input.into())
            .await
            .map_err(GraphError::from)?;
        Ok(WorkflowTemplatePayload {
            workflow_template: WorkflowTemplate(row),
        })
    }
}
