//! The lease sweeper of `serve`: executions whose runner stopped heartbeating go back to
//! pending as a retry (failed once the retries are used up). Every replica runs one; the
//! UPDATE re-checks each lease, so an expiry happens once however many sweep.

use sea_orm::DatabaseConnection;
use std::time::Duration;
use studiogate_graph::Topic;

/// Returns executions whose runner lease ran out to pending (or failed), every `every`.
pub async fn sweep(db: DatabaseConnection, events: Topic, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match crate::services::runner::expire_leases(&db, &events).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(executions = n, "runner leases expired"),
            Err(err) => tracing::warn!(%err, "sweeping runner leases"),
        }
    }
}
