//! The runner protocol over the platform's job engine: a service token whose account is a
//! member of a client claims that client's pending executions (each moves to PROCESSING under
//! a lease), heartbeats, reports each batch result (`PENDING -> PROCESSING -> COMPLETED |
//! FAILED`, with the generated image), and the execution finishes when its last result does.
//! A lease that runs out puts the execution back to PENDING (FAILED once the retries are used
//! up), swept by a background job.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, QueryFilter, QueryOrder};
use studiogate_entities_masstock::{
    masstock_workflow_batch_results as batch_results, masstock_workflow_executions as executions,
    ClientScope,
};
use studiogate_graph::{BeginWrite, GraphError, Topic};
use uuid::Uuid;

use super::lease::table;
use super::{by_id, changed_meanwhile, now, updated_one};
use crate::context::MasstockCtx;
use crate::enums::RunStatus;
use crate::error::MasstockError;
use crate::events::{publish, MasstockEvent};
use crate::rules::transition;
use crate::storage::{extension, read_image, RESULTS};

/// Most executions one claim may take.
pub const MAX_CLAIM: i32 = 50;

/// A claimed execution and its API key, opened for the runner that holds it.
pub struct Claimed {
    pub execution: executions::Model,
    pub api_key: Option<String>,
}

/// Moves up to `limit` pending executions of the runner's clients to PROCESSING, oldest
/// first, and hands them over with their API keys.
pub async fn claim(ctx: &MasstockCtx, limit: i32) -> Result<Vec<Claimed>, MasstockError> {
    if !(1..=MAX_CLAIM).contains(&limit) {
        return Err(MasstockError::invalid(
            "limit",
            "OUT_OF_RANGE",
            format!("`limit` must be 1..{MAX_CLAIM}"),
        ));
    }
    let account = ctx.account_id()?;
    let candidates = ctx.member_scope().await?.executions();
    let mut rows = table()
        .claim(&ctx.db, candidates, limit as u64, account, ctx.lease)
        .await?;
    rows.sort_by_key(|r| (r.created_at, r.id));
    publish(&ctx.events, rows.iter().map(MasstockEvent::execution)).await;
    Ok(rows
        .into_iter()
        .map(|execution| {
            let api_key = execution.api_key_ciphertext.as_deref().and_then(|sealed| {
                ctx.keys
                    .open(sealed, execution.id)
                    .map_err(|err| {
                        // The error names a key id, never the key or the plaintext.
                        tracing::warn!(execution = %execution.id, %err, "an API key did not open");
                    })
                    .ok()
            });
            Claimed { execution, api_key }
        })
        .collect())
}

/// The execution, if this runner holds it (PROCESSING under its claim).
async fn held(
    ctx: &MasstockCtx,
    scope: &ClientScope,
    id: Uuid,
) -> Result<executions::Model, MasstockError> {
    let account = ctx.account_id()?;
    let row = scope
        .executions()
        .filter(executions::Column::Id.eq(id))
        .one(&ctx.db)
        .await?
        .ok_or_else(|| {
            GraphError::not_found("MasstockWorkflowExecution").with_field("executionId")
        })?;
    if row.claimed_by != Some(account) || row.status != RunStatus::Processing.as_db() {
        return Err(MasstockError::LeaseLost);
    }
    Ok(row)
}

/// Extends the lease of an execution this runner holds.
pub async fn heartbeat(ctx: &MasstockCtx, id: Uuid) -> Result<executions::Model, MasstockError> {
    let scope = ctx.member_scope().await?;
    held(ctx, &scope, id).await?;
    if !table()
        .heartbeat(&ctx.db, id, ctx.account_id()?, ctx.lease)
        .await?
    {
        return Err(MasstockError::LeaseLost);
    }
    held(ctx, &scope, id).await
}

pub use crate::storage::Image;

pub struct BatchReport {
    pub execution_id: Uuid,
    pub batch_index: i32,
    pub status: RunStatus,
    pub error_message: Option<String>,
    pub processing_time_ms: Option<i32>,
    pub image: Option<Image>,
}

fn error_text(field: &'static str, text: Option<String>) -> Result<Option<String>, MasstockError> {
    crate::rules::input::optional(field, text.as_deref(), 2_000)
}

/// A runner's report on one batch result of an execution it holds; the execution finishes
/// with its last result.
pub async fn report_batch(
    ctx: &MasstockCtx,
    report: BatchReport,
) -> Result<(batch_results::Model, executions::Model), MasstockError> {
    use batch_results::Column as B;
    let scope = ctx.member_scope().await?;
    let execution = held(ctx, &scope, report.execution_id).await?;
    let result = scope
        .batch_results()
        .filter(B::ExecutionId.eq(execution.id))
        .filter(B::BatchIndex.eq(report.batch_index))
        .one(&ctx.db)
        .await?
        .ok_or_else(|| GraphError::not_found("MasstockBatchResult").with_field("batchIndex"))?;
    let from = RunStatus::from_db(&result.status)?;
    transition::run("A batch result", from, report.status)?;
    let error_message = error_text("errorMessage", report.error_message)?;
    if report.image.is_some() && report.status != RunStatus::Completed {
        return Err(MasstockError::invalid(
            "image",
            "IMAGE_ONLY_WHEN_COMPLETED",
            "An image comes with a COMPLETED result only",
        ));
    }
    if report.processing_time_ms.is_some_and(|ms| ms < 0) {
        return Err(MasstockError::invalid(
            "processingTimeMs",
            "OUT_OF_RANGE",
            "`processingTimeMs` must not be negative",
        ));
    }
    let at = now();
    let stored = match report.image {
        Some(image) => {
            let (bytes, mime) = read_image(&RESULTS, image).await?;
            let name = format!(
                "{}_{}.{}",
                report.batch_index,
                at.timestamp(),
                extension(mime)
            );
            let path = RESULTS.path(&[&execution.id, &name]);
            ctx.files.put(&path, bytes).await?;
            Some(path)
        }
        None => None,
    };
    let mut update = by_id(scope.update_batch_results(), B::Id, result.id)
        .filter(B::Status.eq(from.as_db()))
        .col_expr(B::Status, Expr::value(report.status.as_db()));
    if report.status != RunStatus::Processing {
        update = update
            .col_expr(B::CompletedAt, Expr::value(at))
            .col_expr(B::ErrorMessage, Expr::value(error_message))
            .col_expr(B::ProcessingTimeMs, Expr::value(report.processing_time_ms))
            .col_expr(B::ResultStoragePath, Expr::value(stored.clone()));
    }
    let txn = ctx.db.begin_write().await?;
    let written = updated_one(&txn, update, "MasstockBatchResult").await;
    let row = match written.map_err(changed_meanwhile("The batch result")) {
        Ok(row) => row,
        Err(err) => {
            if let Some(path) = &stored {
                let _ = ctx.files.delete(path).await;
            }
            return Err(err);
        }
    };
    let execution = finish_if_done(&txn, &scope, execution).await?;
    txn.commit().await?;
    let event = MasstockEvent::BatchResult {
        id: row.id,
        execution_id: execution.id,
        client_id: execution.client_id,
    };
    publish(&ctx.events, [event, MasstockEvent::execution(&execution)]).await;
    Ok((row, execution))
}

/// Once every result of `execution` is COMPLETED or FAILED, the execution finishes:
/// COMPLETED when any result completed, else FAILED; its API key is erased.
async fn finish_if_done<C: ConnectionTrait>(
    db: &C,
    scope: &ClientScope,
    execution: executions::Model,
) -> Result<executions::Model, MasstockError> {
    let results = scope
        .batch_results()
        .filter(batch_results::Column::ExecutionId.eq(execution.id))
        .order_by_asc(batch_results::Column::BatchIndex)
        .all(db)
        .await?;
    let done = |s: &str| s == RunStatus::Completed.as_db() || s == RunStatus::Failed.as_db();
    if !results.iter().all(|r| done(&r.status)) {
        return Ok(execution);
    }
    let ok = results
        .iter()
        .filter(|r| r.status == RunStatus::Completed.as_db())
        .count() as i64;
    let total = results.len() as i64;
    let to = if ok > 0 {
        RunStatus::Completed
    } else {
        RunStatus::Failed
    };
    let message = (to == RunStatus::Failed).then(|| "Every prompt of the batch failed".to_owned());
    finish(db, scope, &execution, to, message, (ok, total - ok, total)).await
}

/// Moves a PROCESSING execution to `to` with its figures; erases its API key and lease.
async fn finish<C: ConnectionTrait>(
    db: &C,
    scope: &ClientScope,
    execution: &executions::Model,
    to: RunStatus,
    error_message: Option<String>,
    (ok, failed, total): (i64, i64, i64),
) -> Result<executions::Model, MasstockError> {
    use executions::Column as E;
    transition::run("An execution", RunStatus::from_db(&execution.status)?, to)?;
    let at = now();
    let duration = execution
        .started_at
        .map(|started| (at - started).num_seconds().max(0) as i32);
    let output = serde_json::json!({ "successful": ok, "failed": failed, "total": total });
    let update = by_id(scope.update_executions(), E::Id, execution.id)
        .filter(E::Status.eq(RunStatus::Processing.as_db()))
        .col_expr(E::Status, Expr::value(to.as_db()))
        .col_expr(E::OutputData, Expr::value(output))
        .col_expr(E::CompletedAt, Expr::value(at))
        .col_expr(E::DurationSeconds, Expr::value(duration))
        .col_expr(E::ErrorMessage, Expr::value(error_message))
        .col_expr(E::ApiKeyCiphertext, Expr::value(None::<String>))
        .col_expr(
            E::LeaseExpiresAt,
            Expr::value(None::<chrono::DateTime<chrono::FixedOffset>>),
        )
        .col_expr(E::ClaimedBy, Expr::value(None::<Uuid>));
    updated_one(db, update, "MasstockWorkflowExecution")
        .await
        .map_err(changed_meanwhile("The execution"))
}

/// The runner gives up on an execution it holds: its unfinished results fail with it.
pub async fn fail(
    ctx: &MasstockCtx,
    id: Uuid,
    error_message: String,
) -> Result<executions::Model, MasstockError> {
    use batch_results::Column as B;
    let scope = ctx.member_scope().await?;
    let execution = held(ctx, &scope, id).await?;
    let message = crate::rules::input::text("errorMessage", &error_message, 2_000)?;
    let txn = ctx.db.begin_write().await?;
    scope
        .update_batch_results()
        .filter(B::ExecutionId.eq(execution.id))
        .filter(B::Status.is_in([RunStatus::Pending.as_db(), RunStatus::Processing.as_db()]))
        .col_expr(B::Status, Expr::value(RunStatus::Failed.as_db()))
        .col_expr(B::ErrorMessage, Expr::value(message.clone()))
        .col_expr(B::CompletedAt, Expr::value(now()))
        .exec(&txn)
        .await?;
    let results = scope
        .batch_results()
        .filter(B::ExecutionId.eq(execution.id))
        .all(&txn)
        .await?;
    let ok = results
        .iter()
        .filter(|r| r.status == RunStatus::Completed.as_db())
        .count() as i64;
    let total = results.len() as i64;
    let row = finish(
        &txn,
        &scope,
        &execution,
        RunStatus::Failed,
        Some(message),
        (ok, total - ok, total),
    )
    .await?;
    txn.commit().await?;
    publish(&ctx.events, [MasstockEvent::execution(&row)]).await;
    Ok(row)
}

/// Puts every execution whose lease ran out back to PENDING (FAILED once the retries are
/// used up) and announces each. Returns how many it moved.
pub async fn expire_leases(db: &DatabaseConnection, events: &Topic) -> Result<usize, DbErr> {
    use batch_results::Column as B;
    let moved = table().expire(db).await?;
    // The sweeper serves every client: it acts for no viewer.
    let system = ClientScope {
        account_id: Uuid::nil(),
        clients: studiogate_entities_masstock::Clients::All,
    };
    let (failed, retried): (Vec<_>, Vec<_>) = moved
        .iter()
        .partition(|e| e.status == RunStatus::Failed.as_db());
    let ids = |rows: &[&executions::Model]| rows.iter().map(|e| e.id).collect::<Vec<_>>();
    if !failed.is_empty() {
        system
            .update_executions()
            .filter(executions::Column::Id.is_in(ids(&failed)))
            .col_expr(
                executions::Column::ApiKeyCiphertext,
                Expr::value(None::<String>),
            )
            .exec(db)
            .await?;
    }
    // A retried execution's unfinished results start over; a failed one's fail with it.
    for (rows, to) in [(&failed, RunStatus::Failed), (&retried, RunStatus::Pending)] {
        if rows.is_empty() {
            continue;
        }
        system
            .update_batch_results()
            .filter(B::ExecutionId.is_in(ids(rows)))
            .filter(B::Status.is_in([RunStatus::Pending.as_db(), RunStatus::Processing.as_db()]))
            .col_expr(B::Status, Expr::value(to.as_db()))
            .exec(db)
            .await?;
    }
    publish(events, moved.iter().map(MasstockEvent::execution)).await;
    Ok(moved.len())
}

/// The sweeper of `serve`: expired leases every `every`.
pub async fn sweep(db: DatabaseConnection, events: Topic, every: std::time::Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match expire_leases(&db, &events).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(executions = n, "masstock runner leases expired"),
            Err(err) => tracing::warn!(%err, "sweeping masstock runner leases"),
        }
    }
}
