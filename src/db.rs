//! Connecting, counting statements, migrating.

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};
use std::time::Duration;
use studiogate_graph::Metrics;

/// Connects, hooks the statement counter in, and runs pending migrations.
pub async fn connect(url: &str, metrics: Option<&Metrics>) -> anyhow::Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(url);
    options
        .sqlx_logging(false)
        .max_connections(if url.starts_with("sqlite") { 8 } else { 20 })
        .acquire_timeout(Duration::from_secs(5));
    let mut db = Database::connect(options).await?;
    if let Some(metrics) = metrics {
        let counter = metrics.db_statements.clone();
        db.set_metric_callback(move |_| {
            counter.inc();
        });
    }
    Migrator::up(&db, None).await?;
    Ok(db)
}
