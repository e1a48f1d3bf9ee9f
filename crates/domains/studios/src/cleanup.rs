//! The cleanup of idle files (off unless `STUDIOGATE_STUDIOS_FILE_IDLE_SECS` is set): files
//! not downloaded for the idle time (never downloaded: not since their upload) are deleted,
//! rows first and then their bytes, as `deleteFile` does. Every replica may run it; each
//! DELETE re-checks the file's age, so a file downloaded meanwhile stays, and a file is
//! deleted once however many sweep.

use chrono::{DateTime, FixedOffset, Utc};
use sea_orm::sea_query::{Expr, Func, SimpleExpr};
use sea_orm::{
    ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select,
};
use std::sync::Arc;
use std::time::Duration;
use studiogate_entities_studios::files;
use studiogate_graph::GraphError;
use studiogate_platform::FileStore;

use crate::services::file::remove_bytes;

/// Files read per round.
const BATCH: u64 = 500;

/// Sweeps every `every`, deleting files idle for longer than `idle`.
pub async fn run(db: DatabaseConnection, store: Arc<FileStore>, idle: Duration, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match sweep(&db, &store, Some(idle)).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(files = n, "idle files deleted"),
            Err(err) => tracing::warn!(error = %err.message, "sweeping idle files"),
        }
    }
}

/// One sweep: deletes the files whose last download (or, never downloaded, upload) is more
/// than `idle` ago, and returns how many. `None` (the cleanup is off) deletes nothing.
pub async fn sweep(
    db: &DatabaseConnection,
    store: &FileStore,
    idle: Option<Duration>,
) -> Result<usize, GraphError> {
    let Some(idle) = idle else {
        return Ok(0);
    };
    let idle = chrono::Duration::from_std(idle).map_err(|e| GraphError::internal(&e))?;
    let cutoff = (Utc::now() - idle).fixed_offset();
    let mut deleted = 0;
    loop {
        let batch: Vec<(uuid::Uuid, String)> = idle_files(cutoff)
            .select_only()
            .column(files::Column::Id)
            .column(files::Column::SupabasePath)
            .order_by_asc(files::Column::Id)
            .limit(BATCH)
            .into_tuple()
            .all(db)
            .await?;
        let mut paths = Vec::new();
        for (id, path) in &batch {
            if delete_if_idle(db, *id, cutoff).await? {
                paths.push(path.clone());
            }
        }
        deleted += paths.len();
        let none = paths.is_empty();
        // After the rows' deletes (each its own statement) have committed.
        remove_bytes(store, paths).await;
        if none || (batch.len() as u64) < BATCH {
            return Ok(deleted);
        }
    }
}

/// When the file was last used: its last download, else its upload.
fn last_used() -> SimpleExpr {
    Func::coalesce([
        Expr::col(files::Column::LastAccessed).into(),
        Expr::col(files::Column::UploadTimestamp).into(),
    ])
    .into()
}

#[expect(
    clippy::disallowed_methods,
    reason = "the cleanup job runs for no viewer: it reads every tenant's files by their age \
              alone, as the operator's idle setting asks, and only to delete them"
)]
fn idle_files(cutoff: DateTime<FixedOffset>) -> Select<files::Entity> {
    files::Entity::find().filter(Expr::expr(last_used()).lt(cutoff))
}

/// Deletes the file if it is still idle; whether it did.
#[expect(
    clippy::disallowed_methods,
    reason = "the cleanup job deletes by id a file it has just selected as idle, re-checking \
              its age in the same statement; no viewer and no tenant input is involved"
)]
async fn delete_if_idle(
    db: &DatabaseConnection,
    id: uuid::Uuid,
    cutoff: DateTime<FixedOffset>,
) -> Result<bool, GraphError> {
    let done = files::Entity::delete_many()
        .filter(files::Column::Id.eq(id))
        .filter(Expr::expr(last_used()).lt(cutoff))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}
