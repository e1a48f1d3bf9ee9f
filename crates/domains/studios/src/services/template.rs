//! The catalog of workflow templates, run by platform admins (the policy registry lets no one
//! else reach these writes). The catalog is shared by every company, so it is read whole,
//! inactive entries included, through `scope::templates(true)`.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, QueryFilter, Set};
use serde_json::Value;
use studiogate_entities_studios::{scope, workflow_templates as templates};
use studiogate_graph::GraphError;
use uuid::Uuid;

use super::{fresh, now};
use crate::context::StudiosCtx;
use crate::enums::{BusinessArea, ComplexityLevel};
use crate::error::{Named, StudiosError};
use crate::rules::template as rules;

/// The fields of a new catalog entry.
pub struct NewTemplate {
    pub name: String,
    pub description: String,
    pub business_area: BusinessArea,
    pub activepieces_flow_id: Uuid,
    pub input_schema: Value,
    pub output_schema: Option<Value>,
    pub estimated_duration_minutes: i32,
    pub complexity_level: ComplexityLevel,
    pub tags: Vec<String>,
    pub version: String,
    pub is_active: bool,
}

/// Changes to a catalog entry; fields left out stay as they are.
#[derive(Default)]
pub struct TemplateChanges {
    pub name: Option<String>,
    pub description: Option<String>,
    pub business_area: Option<BusinessArea>,
    pub activepieces_flow_id: Option<Uuid>,
    pub input_schema: Option<Value>,
    /// `Some(None)` removes the output schema.
    pub output_schema: Option<Option<Value>>,
    pub estimated_duration_minutes: Option<i32>,
    pub complexity_level: Option<ComplexityLevel>,
    pub tags: Option<Vec<String>>,
    pub version: Option<String>,
    pub is_active: Option<bool>,
}

fn validated(new: &NewTemplate) -> Result<(), GraphError> {
    rules::name(&new.name)?;
    rules::description(&new.description)?;
    rules::version(&new.version)?;
    rules::duration(new.estimated_duration_minutes)?;
    rules::json_schema("inputSchema", &new.input_schema)?;
    if let Some(out) = &new.output_schema {
        rules::json_schema("outputSchema", out)?;
    }
    rules::tags(&new.tags)
}

/// Adds a template to the catalog.
pub async fn create(ctx: &StudiosCtx, new: NewTemplate) -> Result<templates::Model, StudiosError> {
    validated(&new)?;
    let at = now();
    templates::ActiveModel {
        id: Set(Uuid::new_v4()),
        name: Set(new.name.trim().to_owned()),
        description: Set(new.description.trim().to_owned()),
        business_area: Set(new.business_area.as_db().to_owned()),
        activepieces_flow_id: Set(new.activepieces_flow_id),
        input_schema: Set(new.input_schema),
        output_schema: Set(new.output_schema),
        estimated_duration_minutes: Set(new.estimated_duration_minutes),
        complexity_level: Set(new.complexity_level.as_db().to_owned()),
        tags: Set(serde_json::json!(new.tags)),
        version: Set(new.version),
        is_active: Set(new.is_active),
        created_at: Set(at),
        updated_at: Set(at),
    }
    .insert(&ctx.db)
    .await
    .map_err(StudiosError::taken(Named::Template))
}

/// A catalog entry, active or not.
async fn entry(db: &DatabaseConnection, id: Uuid) -> Result<templates::Model, GraphError> {
    scope::templates(true)
        .filter(templates::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or_else(|| GraphError::not_found("WorkflowTemplate"))
}

/// The entry with `changes` applied, each checked by its rule.
fn changed(
    current: &templates::Model,
    changes: TemplateChanges,
) -> Result<templates::ActiveModel, GraphError> {
    let mut row: templates::ActiveModel = current.clone().into();
    if let Some(name) = &changes.name {
        rules::name(name)?;
        row.name = Set(name.trim().to_owned());
    }
    if let Some(description) = &changes.description {
        rules::description(description)?;
        row.description = Set(description.trim().to_owned());
    }
    if let Some(area) = changes.business_area {
        row.business_area = Set(area.as_db().to_owned());
    }
    if let Some(flow) = changes.activepieces_flow_id {
        row.activepieces_flow_id = Set(flow);
    }
    if let Some(schema) = changes.input_schema {
        rules::json_schema("inputSchema", &schema)?;
        row.input_schema = Set(schema);
    }
    if let Some(schema) = changes.output_schema {
        if let Some(schema) = &schema {
            rules::json_schema("outputSchema", schema)?;
        }
        row.output_schema = Set(schema);
    }
    if let Some(level) = changes.complexity_level {
        row.complexity_level = Set(level.as_db().to_owned());
    }
    if let Some(minutes) = changes.estimated_duration_minutes {
        rules::duration(minutes)?;
        row.estimated_duration_minutes = Set(minutes);
    }
    if let Some(tags) = changes.tags {
        rules::tags(&tags)?;
        row.tags = Set(serde_json::json!(tags));
    }
    if let Some(version) = changes.version {
        rules::version(&version)?;
        row.version = Set(version);
    }
    if let Some(active) = changes.is_active {
        row.is_active = Set(active);
    }
    row.updated_at = Set(now());
    Ok(row)
}

/// Changes a catalog entry if nobody changed it since `seen` (and since we read it).
pub async fn update(
    ctx: &StudiosCtx,
    id: Uuid,
    seen: Option<DateTime<Utc>>,
    changes: TemplateChanges,
) -> Result<templates::Model, StudiosError> {
    let current = entry(&ctx.db, id).await?;
    fresh(seen, current.updated_at, "WorkflowTemplate")?;
    let row = changed(&current, changes)?;
    // The WHERE on updated_at makes a concurrent change lose cleanly instead of silently.
    let updated = scope::update_templates()
        .set(row)
        .filter(templates::Column::Id.eq(current.id))
        .filter(templates::Column::UpdatedAt.eq(current.updated_at))
        .exec(&ctx.db)
        .await
        .map_err(StudiosError::taken(Named::Template))?;
    if updated.rows_affected != 1 {
        return Err(StudiosError::Stale {
            entity: "WorkflowTemplate",
        });
    }
    Ok(entry(&ctx.db, current.id).await?)
}
