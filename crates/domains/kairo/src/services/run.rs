//! Automation runs on the shared job engine (`studiogate_platform::jobs`): a run starts
//! RUNNING under a lease held by the account that started it (the client's runner, say),
//! which heartbeats while it works and reports SUCCESS or FAILED; a run whose lease runs out
//! fails (no retries: a run is one attempt, the next is a new run). The automation's
//! `execution_count` and `last_executed_at` change in the same transaction as the run's insert,
//! so they always match its runs.

use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, QueryFilter, Set};
use std::time::Duration;
use studiogate_entities_kairo::{kairo_automation_runs as runs, kairo_automations as automations};
use studiogate_graph::{BeginWrite, GraphError, Topic};
use studiogate_platform::jobs::{lease_until, returning};
use studiogate_platform::{JobColumns, JobTable, Statuses};
use uuid::Uuid;

use super::now;
use crate::context::KairoCtx;
use crate::enums::{KairoAutomationStatus, KairoRunStatus};
use crate::error::KairoError;
use crate::events::{publish, KairoEvent};
use crate::rules::automation as rules;

/// The runs table as the job engine sees it. Runs are never pending: they start running.
fn table() -> JobTable<runs::Entity> {
    use runs::Column as R;
    JobTable {
        columns: JobColumns {
            id: R::Id,
            status: R::Status,
            created_at: R::StartedAt,
            started_at: R::StartedAt,
            completed_at: R::CompletedAt,
            lease_expires_at: R::LeaseExpiresAt,
            claimed_by: R::ClaimedBy,
            retry_count: R::RetryCount,
            error_message: R::Error,
            logs: None,
        },
        statuses: Statuses {
            pending: KairoRunStatus::Running.as_db(),
            running: KairoRunStatus::Running.as_db(),
            failed: KairoRunStatus::Failed.as_db(),
        },
        max_retries: 0,
    }
}

fn event(run: &runs::Model) -> KairoEvent {
    KairoEvent::Run {
        id: run.id,
        automation_id: run.automation_id,
    }
}

/// Starts a run of an ACTIVE automation the viewer sees.
pub async fn start(k: &KairoCtx, automation_id: Uuid) -> Result<runs::Model, KairoError> {
    let account = k.account_id()?;
    let scope = k.signed_in_scope().await?;
    let txn = k.db.begin_write().await?;
    let automation = scope
        .automations()
        .filter(automations::Column::Id.eq(automation_id))
        .one(&txn)
        .await?
        .ok_or_else(|| GraphError::not_found("KairoAutomation"))?;
    rules::can_run(KairoAutomationStatus::from_db(&automation.status)?)?;
    let at = now();
    let counted = scope
        .update_automations()
        .col_expr(
            automations::Column::ExecutionCount,
            Expr::col(automations::Column::ExecutionCount).add(1),
        )
        .col_expr(automations::Column::LastExecutedAt, Expr::value(at))
        .filter(automations::Column::Id.eq(automation_id))
        .filter(automations::Column::Status.eq(KairoAutomationStatus::Active.as_db()))
        .exec(&txn)
        .await?;
    if counted.rows_affected != 1 {
        return Err(KairoError::ChangedMeanwhile {
            what: "The automation",
        });
    }
    let run = runs::ActiveModel {
        id: Set(Uuid::new_v4()),
        automation_id: Set(automation_id),
        status: Set(KairoRunStatus::Running.as_db().to_owned()),
        started_at: Set(at),
        completed_at: Set(None),
        duration_ms: Set(None),
        logs: Set(Some(serde_json::json!([]))),
        error: Set(None),
        lease_expires_at: Set(Some(lease_until(at, k.client.lease))),
        claimed_by: Set(Some(account)),
        retry_count: Set(0),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    publish(&k.events, [event(&run)]).await;
    Ok(run)
}

/// Extends the lease of a running run the viewer holds.
pub async fn heartbeat(k: &KairoCtx, id: Uuid) -> Result<runs::Model, KairoError> {
    let account = k.account_id()?;
    let run = visible(k, id).await?;
    let held = table()
        .heartbeat(&k.db, run.id, account, k.client.lease)
        .await?;
    if !held {
        return Err(lost());
    }
    visible(k, id).await
}

fn lost() -> KairoError {
    KairoError::invalid(
        "id",
        "LEASE_LOST",
        "This run is not running under your lease (it finished, expired, or another holds it)",
    )
}

async fn visible(k: &KairoCtx, id: Uuid) -> Result<runs::Model, KairoError> {
    let scope = k.signed_in_scope().await?;
    Ok(scope
        .runs()
        .filter(runs::Column::Id.eq(id))
        .one(&k.db)
        .await?
        .ok_or_else(|| GraphError::not_found("KairoAutomationRun"))?)
}

pub struct RunReport {
    pub status: KairoRunStatus,
    pub logs: Option<serde_json::Value>,
    pub error: Option<String>,
}

/// Reports a run's end (by its holder): SUCCESS or FAILED, with its logs; the duration is
/// the database's clock from start to now.
pub async fn finish(k: &KairoCtx, id: Uuid, report: RunReport) -> Result<runs::Model, KairoError> {
    let account = k.account_id()?;
    let run = visible(k, id).await?;
    rules::finish(KairoRunStatus::from_db(&run.status)?, report.status)?;
    if report.logs.as_ref().is_some_and(|l| !l.is_array()) {
        return Err(KairoError::invalid(
            "logs",
            "INVALID_LOGS",
            "Logs are a list of entries",
        ));
    }
    let error = crate::rules::text::optional("error", report.error.as_deref(), 5000)?;
    if report.status == KairoRunStatus::Success && error.is_some() {
        return Err(KairoError::invalid(
            "error",
            "ERROR_ON_SUCCESS",
            "A successful run has no error",
        ));
    }
    let at = now();
    let duration = (at - run.started_at)
        .num_milliseconds()
        .clamp(0, i64::from(i32::MAX));
    let scope = k.signed_in_scope().await?;
    let mut update = scope
        .update_runs()
        .col_expr(runs::Column::Status, Expr::value(report.status.as_db()))
        .col_expr(runs::Column::CompletedAt, Expr::value(at))
        .col_expr(runs::Column::DurationMs, Expr::value(duration as i32))
        .col_expr(runs::Column::Error, Expr::value(error))
        .col_expr(
            runs::Column::LeaseExpiresAt,
            Expr::value(None::<chrono::DateTime<chrono::FixedOffset>>),
        )
        .filter(runs::Column::Id.eq(id))
        .filter(runs::Column::Status.eq(KairoRunStatus::Running.as_db()))
        .filter(runs::Column::ClaimedBy.eq(account));
    if let Some(logs) = report.logs {
        update = update.col_expr(runs::Column::Logs, Expr::value(logs));
    }
    let txn = k.db.begin_write().await?;
    let mut rows = returning(&txn, update).await?;
    let Some(done) = rows.pop() else {
        return Err(lost());
    };
    txn.commit().await?;
    publish(&k.events, [event(&done)]).await;
    Ok(done)
}

/// Fails every run whose lease ran out; returns how many.
pub async fn expire(db: &DatabaseConnection, events: &Topic) -> Result<usize, sea_orm::DbErr> {
    let expired = table().expire(db).await?;
    publish(events, expired.iter().map(event)).await;
    Ok(expired.len())
}

/// The background sweep, every `every`.
pub async fn sweep(db: DatabaseConnection, events: Topic, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match expire(&db, &events).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(runs = n, "kairo run leases expired"),
            Err(err) => tracing::warn!(%err, "sweeping kairo run leases"),
        }
    }
}
