//! Executions as the platform's job engine sees them (`crates/platform/src/jobs.rs`).

use studiogate_entities_masstock::masstock_workflow_executions as executions;
use studiogate_platform::jobs::{JobColumns, JobTable, Statuses};

use crate::enums::RunStatus;

/// A claimed execution whose runner stops heartbeating goes back to pending this many times;
/// the next expiry fails it.
pub const MAX_RETRIES: i32 = 3;

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
            logs: None,
        },
        statuses: Statuses {
            pending: RunStatus::Pending.as_db(),
            running: RunStatus::Processing.as_db(),
            failed: RunStatus::Failed.as_db(),
        },
        max_retries: MAX_RETRIES,
    }
}
