//! Workflow requests: a client's owners make them about one of the client's workflows; a
//! platform admin decides them once (`PENDING -> APPROVED | REJECTED`).

use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, QueryFilter, Set};
use studiogate_entities_masstock::{
    masstock_workflow_requests as requests, masstock_workflows as workflows,
};
use studiogate_graph::loader::visible_row;
use studiogate_graph::GraphError;
use uuid::Uuid;

use super::{admin_scope, by_id, changed_meanwhile, now, owner_of, updated_one};
use crate::context::MasstockCtx;
use crate::enums::RequestStatus;
use crate::error::MasstockError;
use crate::rules::{input, transition};

pub async fn create(
    ctx: &MasstockCtx,
    workflow_id: Uuid,
    notes: Option<String>,
) -> Result<requests::Model, MasstockError> {
    let scope = ctx.member_scope().await?;
    let workflow = scope
        .workflows()
        .filter(workflows::Column::Id.eq(workflow_id))
        .one(&ctx.db)
        .await?
        .ok_or_else(|| GraphError::not_found("MasstockWorkflow").with_field("workflowId"))?;
    let client_id = workflow
        .client_id
        .ok_or_else(|| GraphError::not_found("MasstockWorkflow"))?;
    owner_of(ctx, client_id).await?;
    let at = now();
    let row = requests::ActiveModel {
        id: Set(Uuid::new_v4()),
        client_id: Set(client_id),
        workflow_id: Set(workflow.id),
        status: Set(RequestStatus::Pending.as_db().to_owned()),
        notes: Set(input::optional("notes", notes.as_deref(), 2_000)?),
        created_at: Set(at),
        updated_at: Set(at),
    };
    Ok(row.insert(&ctx.db).await?)
}

pub async fn decide(
    ctx: &MasstockCtx,
    id: Uuid,
    to: RequestStatus,
) -> Result<requests::Model, MasstockError> {
    use requests::Column as C;
    let scope = admin_scope(ctx)?;
    let row = visible_row::<requests::Entity, _>(ctx, id, "MasstockWorkflowRequest").await?;
    let from = RequestStatus::from_db(&row.status)?;
    transition::request(from, to)?;
    let update = by_id(scope.update_requests(), C::Id, id)
        .filter(C::Status.eq(from.as_db()))
        .col_expr(C::Status, Expr::value(to.as_db()))
        .col_expr(C::UpdatedAt, Expr::value(now()));
    updated_one(&ctx.db, update, "MasstockWorkflowRequest")
        .await
        .map_err(changed_meanwhile("The workflow request"))
}
