//! Executions as the platform's job engine sees them, and the lease a runner holds on one.
//! Both the runner protocol and the state machine (a runner moving an execution back to
//! RUNNING gets a new lease) use it.

use chrono::{DateTime, FixedOffset};
use studiogate_entities_studios::workflow_executions as executions;
use studiogate_platform::jobs::{self, JobColumns, JobTable, Statuses};

use crate::context::StudiosCtx;
use crate::enums::ExecutionStatus;
use crate::rules::execution::MAX_RETRIES;

/// Executions as the platform's job engine sees them.
pub fn table() -> JobTable<executions::Entity> {
    use executions::Column as C;
    JobTable {
        columns: JobColumns {
            id: C::Id,
            status: C::Status,
            created_at: C::CreatedAt,
            started_at: C::StartedAt,
            completed_at: C::CompletedAt,
            lease_expires_at: C::LeaseExpiresAt,
            claimed_by: C::ClaimedBy,
            retry_count: C::RetryCount,
            error_message: C::ErrorMessage,
            logs: Some(C::Logs),
        },
        statuses: Statuses {
            pending: ExecutionStatus::Pending.as_db(),
            running: ExecutionStatus::Running.as_db(),
            failed: ExecutionStatus::Failed.as_db(),
        },
        max_retries: MAX_RETRIES,
    }
}

/// When a lease taken (or extended) at `at` runs out.
pub fn lease_until(ctx: &StudiosCtx, at: DateTime<FixedOffset>) -> DateTime<FixedOffset> {
    jobs::lease_until(at, ctx.lease)
}
