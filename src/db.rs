//! Connecting, counting statements, migrating.

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, Database, DatabaseConnection};
use std::time::Duration;
use studiogate_graph::Metrics;

/// Runs pending migrations, then connects the pool the app uses and hooks the statement
/// counter in. Migrations get a connection of their own: on SQLite the migrator switches
/// `foreign_keys` off, and a pooled connection left that way would skip every cascade.
pub async fn connect(url: &str, metrics: Option<&Metrics>) -> anyhow::Result<DatabaseConnection> {
    let migrator = Database::connect(
        ConnectOptions::new(url)
            .sqlx_logging(false)
            .max_connections(1)
            .to_owned(),
    )
    .await?;
    Migrator::up(&migrator, None).await?;
    migrator.close().await?;
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
    Ok(db)
}

/// A small pool for background work (the lease sweeper), outside the statement counter: the
/// counter measures what requests cost.
pub async fn background(url: &str) -> anyhow::Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(url);
    options
        .sqlx_logging(false)
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(5));
    Ok(Database::connect(options).await?)
}
