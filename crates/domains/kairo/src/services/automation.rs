//! Automations: a client writes its company's, the staff anyone's; the flow is checked for
//! shape and the status moves as `rules::automation` allows.

use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, QueryFilter, Set};
use studiogate_entities_kairo::kairo_automations as automations;
use studiogate_graph::{BeginWrite, GraphError};
use uuid::Uuid;

use super::now;
use crate::context::KairoCtx;
use crate::enums::KairoAutomationStatus;
use crate::error::KairoError;
use crate::rules::{automation as rules, text};

pub struct NewAutomation {
    pub title: String,
    pub description: Option<String>,
    pub flow: serde_json::Value,
    /// Staff choose the company (or none, for the studio's own); a client's is its own.
    pub company_id: Option<Uuid>,
}

/// The company a new automation belongs to: the client's own, or the one staff name.
async fn company_for(k: &KairoCtx, asked: Option<Uuid>) -> Result<Option<Uuid>, KairoError> {
    let scope = k.signed_in_scope().await?;
    if scope.is_staff() {
        if let Some(id) = asked {
            use studiogate_entities_kairo::kairo_companies as companies;
            let found = scope
                .companies()
                .filter(companies::Column::Id.eq(id))
                .one(&k.db)
                .await?;
            if found.is_none() {
                return Err(GraphError::not_found("KairoCompany")
                    .with_field("companyId")
                    .into());
            }
        }
        return Ok(asked);
    }
    super::live_own_company(k, &scope).await?;
    match (scope.company(), asked) {
        (Some(own), None) => Ok(Some(own)),
        (Some(own), Some(id)) if id == own => Ok(Some(own)),
        // Another company's id answers as a missing one.
        (Some(_), Some(_)) => Err(GraphError::not_found("KairoCompany")
            .with_field("companyId")
            .into()),
        (None, _) => Err(GraphError::new(
            studiogate_graph::ErrorCode::Forbidden,
            "A client without a company cannot create automations",
        )
        .into()),
    }
}

pub async fn create(k: &KairoCtx, input: NewAutomation) -> Result<automations::Model, KairoError> {
    let owner = k.account_id()?;
    let company_id = company_for(k, input.company_id).await?;
    if k.profile().await?.is_none() {
        return Err(GraphError::new(
            studiogate_graph::ErrorCode::Forbidden,
            "Your account has no KAIRO profile",
        )
        .into());
    }
    rules::flow(&input.flow)?;
    let at = now();
    Ok(automations::ActiveModel {
        id: Set(Uuid::new_v4()),
        user_id: Set(owner),
        company_id: Set(company_id),
        title: Set(text::required("title", &input.title, 200)?),
        description: Set(text::optional(
            "description",
            input.description.as_deref(),
            5000,
        )?),
        flow: Set(input.flow),
        status: Set(KairoAutomationStatus::Draft.as_db().to_owned()),
        execution_count: Set(0),
        last_executed_at: Set(None),
        created_at: Set(at),
        updated_at: Set(at),
        deleted_at: Set(None),
    }
    .insert(&k.db)
    .await?)
}

#[derive(Default)]
pub struct AutomationChanges {
    pub title: Option<String>,
    pub description: Option<String>,
    pub flow: Option<serde_json::Value>,
}

pub async fn update(
    k: &KairoCtx,
    id: Uuid,
    changes: AutomationChanges,
) -> Result<automations::Model, KairoError> {
    let scope = k.signed_in_scope().await?;
    let mut update = scope
        .update_automations()
        .filter(automations::Column::Id.eq(id))
        .col_expr(automations::Column::UpdatedAt, Expr::value(now()));
    if let Some(title) = changes.title {
        let title = text::required("title", &title, 200)?;
        update = update.col_expr(automations::Column::Title, Expr::value(title));
    }
    if let Some(description) = changes.description {
        let description = text::optional("description", Some(&description), 5000)?;
        update = update.col_expr(automations::Column::Description, Expr::value(description));
    }
    if let Some(flow) = changes.flow {
        rules::flow(&flow)?;
        update = update.col_expr(automations::Column::Flow, Expr::value(flow));
    }
    let txn = k.db.begin_write().await?;
    let mut rows = studiogate_platform::jobs::returning(&txn, update).await?;
    let automation = rows
        .pop()
        .ok_or_else(|| GraphError::not_found("KairoAutomation"))?;
    txn.commit().await?;
    Ok(automation)
}

/// Moves an automation's status; the UPDATE re-checks the status it read.
pub async fn set_status(
    k: &KairoCtx,
    id: Uuid,
    to: KairoAutomationStatus,
) -> Result<automations::Model, KairoError> {
    let scope = k.signed_in_scope().await?;
    let txn = k.db.begin_write().await?;
    let automation = scope
        .automations()
        .filter(automations::Column::Id.eq(id))
        .one(&txn)
        .await?
        .ok_or_else(|| GraphError::not_found("KairoAutomation"))?;
    let from = KairoAutomationStatus::from_db(&automation.status)?;
    rules::transition(from, to)?;
    let update = scope
        .update_automations()
        .col_expr(automations::Column::Status, Expr::value(to.as_db()))
        .col_expr(automations::Column::UpdatedAt, Expr::value(now()))
        .filter(automations::Column::Id.eq(id))
        .filter(automations::Column::Status.eq(from.as_db()));
    let mut rows = studiogate_platform::jobs::returning(&txn, update).await?;
    let Some(updated) = rows.pop() else {
        return Err(KairoError::ChangedMeanwhile {
            what: "The automation",
        });
    };
    txn.commit().await?;
    Ok(updated)
}

/// Soft delete.
pub async fn delete(k: &KairoCtx, id: Uuid) -> Result<Uuid, KairoError> {
    let scope = k.signed_in_scope().await?;
    let done = scope
        .update_automations()
        .col_expr(automations::Column::DeletedAt, Expr::value(now()))
        .filter(automations::Column::Id.eq(id))
        .exec(&k.db)
        .await?;
    if done.rows_affected == 0 {
        return Err(GraphError::not_found("KairoAutomation").into());
    }
    Ok(id)
}
