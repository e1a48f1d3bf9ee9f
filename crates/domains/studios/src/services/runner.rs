//! The runner protocol. A service token claims pending executions (each goes to RUNNING under
//! a lease held by the token's account), heartbeats to extend the lease, and reports the
//! outcome through the state machine. A running execution whose lease ran out goes back to
//! PENDING as a retry, or to FAILED once the spec's retries are used up.
//!
//! Claims are one UPDATE over a sub-select: `FOR UPDATE SKIP LOCKED` on PostgreSQL, so
//! concurrent claimers take disjoint rows without waiting; on SQLite the single statement is
//! atomic by itself (one writer at a time). Expiry is swept by a background task of `serve`
//! (every replica may run it: the UPDATE re-checks the lease, so each expiry happens once).

use chrono::{DateTime, FixedOffset};
use sea_orm::sea_query::{Expr, LockBehavior, LockType, Query, SimpleExpr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait,
};
use serde_json::json;
use studiogate_entities_studios::{studios, workflow_executions as executions};
use studiogate_graph::{GraphError, Topic};
use uuid::Uuid;

use super::now;
use crate::context::StudiosCtx;
use crate::enums::{BusinessArea, ExecutionStatus};
use crate::events::{publish, StudiosEvent};
use crate::rules::execution::MAX_RETRIES;

/// Most executions one claim may take.
pub const MAX_CLAIM: i32 = 100;

/// `logs` with one more entry, computed in the database so one statement serves many rows.
fn append_log(backend: DbBackend, at: DateTime<FixedOffset>, message: &str) -> SimpleExpr {
    let entry = json!({ "at": at, "level": "info", "message": message }).to_string();
    match backend {
        DbBackend::Postgres => {
            Expr::cust_with_values("logs || jsonb_build_array($1::jsonb)", [entry])
        }
        _ => Expr::cust_with_values("json_insert(logs, '$[#]', json(?))", [entry]),
    }
}

pub(crate) fn lease_until(ctx: &StudiosCtx, at: DateTime<FixedOffset>) -> DateTime<FixedOffset> {
    at + chrono::Duration::from_std(ctx.lease).unwrap_or(chrono::Duration::seconds(60))
}

fn lease_lost() -> GraphError {
    GraphError::new(
        studiogate_graph::ErrorCode::Conflict,
        "This runner no longer holds the execution (its lease expired or it was reassigned)",
    )
    .with_field("id")
    .with_reason("LEASE_LOST")
}

/// Moves up to `limit` pending executions the token's account can see to RUNNING, oldest
/// first, and returns them. No execution is ever handed to two claims.
pub async fn claim(
    ctx: &StudiosCtx,
    limit: i32,
    business_area: Option<BusinessArea>,
) -> Result<Vec<executions::Model>, GraphError> {
    if !(1..=MAX_CLAIM).contains(&limit) {
        return Err(GraphError::bad_input(
            "limit",
            format!("`limit` must be 1..{MAX_CLAIM}"),
        ));
    }
    let account = ctx.account_id()?;
    let mut candidates = ctx
        .scope()
        .await?
        .executions()
        .select_only()
        .column(executions::Column::Id)
        .filter(executions::Column::Status.eq(ExecutionStatus::Pending.as_db()))
        .order_by_asc(executions::Column::CreatedAt)
        .order_by_asc(executions::Column::Id)
        .limit(limit as u64);
    if let Some(area) = business_area {
        let in_area = Query::select()
            .column(studios::Column::Id)
            .from(studios::Entity)
            .and_where(studios::Column::BusinessArea.eq(area.as_db()))
            .to_owned();
        candidates = candidates.filter(executions::Column::StudioId.in_subquery(in_area));
    }
    let mut candidates = candidates.into_query();
    // SQLite's query builder leaves the lock clause out.
    candidates.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    let at = now();
    let rows = executions::Entity::update_many()
        .col_expr(
            executions::Column::Status,
            Expr::value(ExecutionStatus::Running.as_db()),
        )
        .col_expr(executions::Column::StartedAt, Expr::value(at))
        .col_expr(
            executions::Column::LeaseExpiresAt,
            Expr::value(lease_until(ctx, at)),
        )
        .col_expr(executions::Column::ClaimedBy, Expr::value(account))
        .col_expr(
            executions::Column::Logs,
            append_log(
                ctx.db.get_database_backend(),
                at,
                "pending -> running (claimed by a runner)",
            ),
        )
        .filter(executions::Column::Id.in_subquery(candidates))
        .filter(executions::Column::Status.eq(ExecutionStatus::Pending.as_db()));
    let mut rows = returning(&ctx.db, rows).await?;
    rows.sort_by_key(|r| (r.created_at, r.id));
    let events: Vec<_> = rows.iter().map(StudiosEvent::execution).collect();
    publish(&ctx.events, events).await;
    Ok(rows)
}

/// Runs an UPDATE and returns the rows it changed (`RETURNING *`, SQLite 3.35+ and
/// PostgreSQL), in one statement.
async fn returning<C: ConnectionTrait>(
    db: &C,
    update: sea_orm::UpdateMany<executions::Entity>,
) -> Result<Vec<executions::Model>, DbErr> {
    let mut statement = update.into_query();
    statement.returning_all();
    executions::Entity::find()
        .from_raw_sql(db.get_database_backend().build(&statement))
        .all(db)
        .await
}

/// The execution, if this runner holds it (RUNNING or PAUSED under its claim).
async fn held(ctx: &StudiosCtx, id: Uuid) -> Result<executions::Model, GraphError> {
    let account = ctx.account_id()?;
    let row = ctx
        .scope()
        .await?
        .executions()
        .filter(executions::Column::Id.eq(id))
        .one(&ctx.db)
        .await?
        .ok_or_else(|| GraphError::not_found("WorkflowExecution"))?;
    let status = ExecutionStatus::from_db(&row.status)?;
    if row.claimed_by != Some(account)
        || !matches!(status, ExecutionStatus::Running | ExecutionStatus::Paused)
    {
        return Err(lease_lost());
    }
    Ok(row)
}

/// Extends the lease of a running execution this runner holds.
pub async fn heartbeat(ctx: &StudiosCtx, id: Uuid) -> Result<executions::Model, GraphError> {
    let row = held(ctx, id).await?;
    let result = executions::Entity::update_many()
        .col_expr(
            executions::Column::LeaseExpiresAt,
            Expr::value(lease_until(ctx, now())),
        )
        .filter(executions::Column::Id.eq(row.id))
        .filter(executions::Column::Status.eq(ExecutionStatus::Running.as_db()))
        .filter(executions::Column::ClaimedBy.eq(row.claimed_by))
        .exec(&ctx.db)
        .await?;
    if result.rows_affected != 1 {
        return Err(lease_lost());
    }
    executions::Entity::find_by_id(row.id)
        .one(&ctx.db)
        .await?
        .ok_or_else(|| GraphError::not_found("WorkflowExecution"))
}

/// A runner's outcome for an execution it holds, through the state machine.
pub async fn report(
    ctx: &StudiosCtx,
    id: Uuid,
    to: ExecutionStatus,
    report: super::executions::Report,
) -> Result<executions::Model, GraphError> {
    let row = held(ctx, id).await?;
    super::executions::change_status(ctx, row.id, to, report, row.claimed_by).await
}

/// Puts every running execution whose lease ran out back to PENDING as a retry (FAILED once
/// the retries are used up) and announces each. Returns how many it moved.
pub async fn expire_leases(db: &DatabaseConnection, events: &Topic) -> Result<usize, DbErr> {
    let at = now();
    let backend = db.get_database_backend();
    let expired = || {
        executions::Entity::update_many()
            .col_expr(
                executions::Column::LeaseExpiresAt,
                Expr::value(None::<DateTime<FixedOffset>>),
            )
            .col_expr(executions::Column::ClaimedBy, Expr::value(None::<Uuid>))
            .filter(executions::Column::Status.eq(ExecutionStatus::Running.as_db()))
            .filter(executions::Column::LeaseExpiresAt.lt(at))
    };
    let retried = expired()
        .col_expr(
            executions::Column::Status,
            Expr::value(ExecutionStatus::Pending.as_db()),
        )
        .col_expr(
            executions::Column::RetryCount,
            Expr::col(executions::Column::RetryCount).add(1),
        )
        .col_expr(
            executions::Column::StartedAt,
            Expr::value(None::<DateTime<FixedOffset>>),
        )
        .col_expr(
            executions::Column::Logs,
            append_log(backend, at, "lease expired: running -> pending (a retry)"),
        )
        .filter(executions::Column::RetryCount.lt(MAX_RETRIES));
    let retried = returning(db, retried).await?;
    let failed = expired()
        .col_expr(
            executions::Column::Status,
            Expr::value(ExecutionStatus::Failed.as_db()),
        )
        .col_expr(executions::Column::CompletedAt, Expr::value(at))
        .col_expr(
            executions::Column::ErrorMessage,
            Expr::value("The runner's lease expired and the retry limit is reached"),
        )
        .col_expr(
            executions::Column::Logs,
            append_log(
                backend,
                at,
                "lease expired: running -> failed (no retries left)",
            ),
        )
        .filter(executions::Column::RetryCount.gte(MAX_RETRIES));
    let failed = returning(db, failed).await?;
    let moved = retried.len() + failed.len();
    let changed: Vec<_> = retried
        .iter()
        .chain(failed.iter())
        .map(StudiosEvent::execution)
        .collect();
    publish(events, changed).await;
    Ok(moved)
}
