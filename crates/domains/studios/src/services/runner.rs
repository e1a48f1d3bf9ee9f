//! The runner protocol. A service token claims pending executions (each goes to RUNNING under
//! a lease held by the token's account), heartbeats to extend the lease, and reports the
//! outcome through the state machine. A running execution whose lease ran out goes back to
//! PENDING as a retry, or to FAILED once the spec's retries are used up.
//!
//! Claims are one UPDATE over a sub-select: `FOR UPDATE SKIP LOCKED` on PostgreSQL, so
//! concurrent claimers take disjoint rows without waiting; on SQLite the single statement is
//! atomic by itself (one writer at a time). Expiry is swept by a background task of `serve`
//! (every replica may run it: the UPDATE re-checks the lease, so each expiry happens once).

use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, QueryFilter};
use studiogate_entities_studios::{studios, workflow_executions as executions};
use studiogate_graph::loader::visible_row;
use studiogate_graph::{GraphError, Topic};
use uuid::Uuid;

use super::lease::table;
use crate::context::StudiosCtx;
use crate::enums::{BusinessArea, ExecutionStatus};
use crate::error::StudiosError;
use crate::events::{publish, StudiosEvent};
use crate::rules::execution::{edge, Actor};

/// Most executions one claim may take.
pub const MAX_CLAIM: i32 = 100;

/// Moves up to `limit` pending executions the token's account can see to RUNNING, oldest
/// first, and returns them. No execution is ever handed to two claims.
pub async fn claim(
    ctx: &StudiosCtx,
    limit: i32,
    business_area: Option<BusinessArea>,
) -> Result<Vec<executions::Model>, StudiosError> {
    if !(1..=MAX_CLAIM).contains(&limit) {
        return Err(
            GraphError::bad_input("limit", format!("`limit` must be 1..{MAX_CLAIM}")).into(),
        );
    }
    let account = ctx.account_id()?;
    let mut candidates = ctx.scope().await?.executions();
    if let Some(area) = business_area {
        let in_area = Query::select()
            .column(studios::Column::Id)
            .from(studios::Entity)
            .and_where(studios::Column::BusinessArea.eq(area.as_db()))
            .to_owned();
        candidates = candidates.filter(executions::Column::StudioId.in_subquery(in_area));
    }
    let mut rows = table()
        .claim(&ctx.db, candidates, limit as u64, account, ctx.lease)
        .await?;
    rows.sort_by_key(|r| (r.created_at, r.id));
    let events: Vec<_> = rows.iter().map(StudiosEvent::execution).collect();
    publish(&ctx.events, events).await;
    Ok(rows)
}

/// The execution, if this runner holds it (RUNNING under its claim). One a person paused or
/// cancelled is no longer held: only a person resumes it, under a new lease.
async fn held(ctx: &StudiosCtx, id: Uuid) -> Result<executions::Model, StudiosError> {
    let account = ctx.account_id()?;
    let row = visible_row::<executions::Entity, _>(ctx, id, "WorkflowExecution").await?;
    let status = ExecutionStatus::from_db(&row.status)?;
    if row.claimed_by != Some(account) || status != ExecutionStatus::Running {
        return Err(StudiosError::LeaseLost);
    }
    Ok(row)
}

/// Extends the lease of a running execution this runner holds.
pub async fn heartbeat(ctx: &StudiosCtx, id: Uuid) -> Result<executions::Model, StudiosError> {
    let row = held(ctx, id).await?;
    let account = ctx.account_id()?;
    if !table()
        .heartbeat(&ctx.db, row.id, account, ctx.lease)
        .await?
    {
        return Err(StudiosError::LeaseLost);
    }
    Ok(visible_row::<executions::Entity, _>(ctx, row.id, "WorkflowExecution").await?)
}

/// A runner's outcome for an execution it holds, through the state machine. A move that is a
/// person's (pause, resume, retry) is FORBIDDEN whether or not the runner holds the execution;
/// any other is LEASE_LOST once the runner no longer holds it.
pub async fn report(
    ctx: &StudiosCtx,
    id: Uuid,
    to: ExecutionStatus,
    report: super::execution::Report,
) -> Result<executions::Model, StudiosError> {
    let row = visible_row::<executions::Entity, _>(ctx, id, "WorkflowExecution").await?;
    let from = ExecutionStatus::from_db(&row.status)?;
    if let Err(err @ StudiosError::TransitionNotYours { .. }) = edge(from, to, Actor::Runner) {
        return Err(err);
    }
    let row = held(ctx, row.id).await?;
    super::execution::change_status(ctx, row.id, to, report, row.claimed_by).await
}

/// Puts every running execution whose lease ran out back to PENDING as a retry (FAILED once
/// the retries are used up) and announces each. Returns how many it moved.
pub async fn expire_leases(db: &DatabaseConnection, events: &Topic) -> Result<usize, DbErr> {
    let moved = table().expire(db).await?;
    let changed: Vec<_> = moved.iter().map(StudiosEvent::execution).collect();
    publish(events, changed).await;
    Ok(moved.len())
}
