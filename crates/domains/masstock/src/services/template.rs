//! The template catalog, the platform admins' alone.

use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, Set};
use studiogate_entities_masstock::masstock_workflow_templates as templates;
use uuid::Uuid;

use super::{admin_scope, by_id, now, updated_one};
use crate::context::MasstockCtx;
use crate::error::MasstockError;
use crate::rules::input;

#[derive(Default)]
pub struct TemplateFields {
    pub name: Option<String>,
    pub description: Option<String>,
    pub icon: Option<String>,
    pub workflow_type: Option<String>,
    pub config: Option<serde_json::Value>,
    pub cost_per_execution: Option<f64>,
    pub revenue_per_execution: Option<f64>,
    pub is_active: Option<bool>,
}

fn config(value: serde_json::Value) -> Result<serde_json::Value, MasstockError> {
    if !value.is_object() {
        return Err(MasstockError::invalid(
            "config",
            "NOT_AN_OBJECT",
            "`config` must be a JSON object",
        ));
    }
    Ok(value)
}

pub async fn create(
    ctx: &MasstockCtx,
    fields: TemplateFields,
) -> Result<templates::Model, MasstockError> {
    admin_scope(ctx)?;
    let at = now();
    let row = templates::ActiveModel {
        id: Set(Uuid::new_v4()),
        name: Set(input::text(
            "name",
            fields.name.as_deref().unwrap_or_default(),
            200,
        )?),
        description: Set(input::optional(
            "description",
            fields.description.as_deref(),
            2_000,
        )?),
        icon: Set(
            input::optional("icon", fields.icon.as_deref(), 50)?.unwrap_or_else(|| "zap".into())
        ),
        workflow_type: Set(input::text(
            "workflowType",
            fields.workflow_type.as_deref().unwrap_or_default(),
            50,
        )?),
        config: Set(config(
            fields.config.unwrap_or_else(|| serde_json::json!({})),
        )?),
        cost_per_execution_mills: Set(input::mills(
            "costPerExecution",
            fields.cost_per_execution.unwrap_or(0.0),
        )?),
        revenue_per_execution_mills: Set(input::mills(
            "revenuePerExecution",
            fields.revenue_per_execution.unwrap_or(0.0),
        )?),
        is_active: Set(fields.is_active.unwrap_or(true)),
        created_at: Set(at),
        updated_at: Set(at),
    };
    Ok(row.insert(&ctx.db).await?)
}

pub async fn update(
    ctx: &MasstockCtx,
    id: Uuid,
    fields: TemplateFields,
) -> Result<templates::Model, MasstockError> {
    use templates::Column as C;
    let scope = admin_scope(ctx)?;
    let mut update =
        by_id(scope.update_templates(), C::Id, id).col_expr(C::UpdatedAt, Expr::value(now()));
    if let Some(name) = &fields.name {
        update = update.col_expr(C::Name, Expr::value(input::text("name", name, 200)?));
    }
    if let Some(text) = &fields.description {
        let value = input::optional("description", Some(text), 2_000)?;
        update = update.col_expr(C::Description, Expr::value(value));
    }
    if let Some(icon) = &fields.icon {
        update = update.col_expr(C::Icon, Expr::value(input::text("icon", icon, 50)?));
    }
    if let Some(kind) = &fields.workflow_type {
        let value = input::text("workflowType", kind, 50)?;
        update = update.col_expr(C::WorkflowType, Expr::value(value));
    }
    if let Some(value) = fields.config {
        update = update.col_expr(C::Config, Expr::value(config(value)?));
    }
    if let Some(cost) = fields.cost_per_execution {
        let value = input::mills("costPerExecution", cost)?;
        update = update.col_expr(C::CostPerExecutionMills, Expr::value(value));
    }
    if let Some(revenue) = fields.revenue_per_execution {
        let value = input::mills("revenuePerExecution", revenue)?;
        update = update.col_expr(C::RevenuePerExecutionMills, Expr::value(value));
    }
    if let Some(active) = fields.is_active {
        update = update.col_expr(C::IsActive, Expr::value(active));
    }
    updated_one(&ctx.db, update, "MasstockWorkflowTemplate").await
}
