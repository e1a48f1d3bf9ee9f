//! Workflows: platform admins assign them to a client from a template (the template's config
//! and type become the workflow's) and change them.

use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, Set};
use studiogate_entities_masstock::{
    masstock_clients as clients, masstock_workflow_templates as templates,
    masstock_workflows as workflows,
};
use studiogate_graph::loader::visible_row;
use uuid::Uuid;

use super::{admin_scope, by_id, now, updated_one};
use crate::context::MasstockCtx;
use crate::enums::{Status, WorkflowStatus};
use crate::error::MasstockError;
use crate::rules::input;

pub struct Assignment {
    pub template_id: Uuid,
    pub client_id: Uuid,
    pub name: Option<String>,
    pub description: Option<String>,
}

/// The workflow's config: the template's, with its `workflow_type`.
fn config_of(template: &templates::Model) -> serde_json::Value {
    let mut config = template.config.clone();
    if let Some(map) = config.as_object_mut() {
        map.entry("workflow_type")
            .or_insert_with(|| serde_json::Value::String(template.workflow_type.clone()));
    }
    config
}

pub async fn assign(ctx: &MasstockCtx, a: Assignment) -> Result<workflows::Model, MasstockError> {
    admin_scope(ctx)?;
    let template =
        visible_row::<templates::Entity, _>(ctx, a.template_id, "MasstockWorkflowTemplate")
            .await
            .map_err(|e| e.with_field("templateId"))?;
    if !template.is_active {
        return Err(MasstockError::invalid(
            "templateId",
            "TEMPLATE_INACTIVE",
            "An inactive template cannot be assigned",
        ));
    }
    let client = visible_row::<clients::Entity, _>(ctx, a.client_id, "MasstockClient")
        .await
        .map_err(|e| e.with_field("clientId"))?;
    if client.status != Status::Active.as_db() {
        return Err(MasstockError::invalid(
            "clientId",
            "CLIENT_NOT_ACTIVE",
            "Workflows are assigned to active clients only",
        ));
    }
    let name = match a.name.as_deref() {
        Some(name) => input::text("name", name, 200)?,
        None => format!("{} - {}", client.name, template.name),
    };
    let description = match a.description.as_deref() {
        Some(text) => input::optional("description", Some(text), 2_000)?,
        None => template.description.clone(),
    };
    let at = now();
    let row = workflows::ActiveModel {
        id: Set(Uuid::new_v4()),
        name: Set(name),
        description: Set(description),
        status: Set(WorkflowStatus::Active.as_db().to_owned()),
        config: Set(config_of(&template)),
        client_id: Set(Some(client.id)),
        template_id: Set(Some(template.id)),
        created_at: Set(at),
        updated_at: Set(at),
    };
    Ok(row.insert(&ctx.db).await?)
}

#[derive(Default)]
pub struct WorkflowChange {
    pub name: Option<String>,
    pub description: Option<String>,
    pub status: Option<WorkflowStatus>,
    pub config: Option<serde_json::Value>,
}

pub async fn update(
    ctx: &MasstockCtx,
    id: Uuid,
    change: WorkflowChange,
) -> Result<workflows::Model, MasstockError> {
    use workflows::Column as C;
    let scope = admin_scope(ctx)?;
    let mut update =
        by_id(scope.update_workflows(), C::Id, id).col_expr(C::UpdatedAt, Expr::value(now()));
    if let Some(name) = &change.name {
        update = update.col_expr(C::Name, Expr::value(input::text("name", name, 200)?));
    }
    if let Some(text) = &change.description {
        let value = input::optional("description", Some(text), 2_000)?;
        update = update.col_expr(C::Description, Expr::value(value));
    }
    if let Some(status) = change.status {
        update = update.col_expr(C::Status, Expr::value(status.as_db()));
    }
    if let Some(config) = change.config {
        if !config.is_object() {
            return Err(MasstockError::invalid(
                "config",
                "NOT_AN_OBJECT",
                "`config` must be a JSON object",
            ));
        }
        update = update.col_expr(C::Config, Expr::value(config));
    }
    updated_one(&ctx.db, update, "MasstockWorkflow").await
}
