//! Connecting, counting statements, migrating.

use sea_orm::sqlx::sqlite::SqliteJournalMode;
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection};
use sea_orm_migration::{MigrationTrait, MigratorTrait};
use std::sync::Mutex;
use std::time::Duration;
use studiogate_graph::{telemetry, Domain, Metrics, Migrations};

/// Pool size and timeouts (from `Config`).
#[derive(Clone, Debug)]
pub struct PoolSettings {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
    /// PostgreSQL `statement_timeout`; zero means none.
    pub statement_timeout: Duration,
    /// SQLite: how long a statement waits for the file lock.
    pub busy_timeout: Duration,
}

/// The migration lists of the run in progress. sea-orm-migration's migrator is a type with a
/// static list, while ours comes from the domains at run time: [`migrate`] puts the lists
/// here for the length of one run, holding [`RUN`] so runs never mix.
static PLAN: Mutex<Vec<Migrations>> = Mutex::new(Vec::new());
static RUN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

struct Plan;

impl MigratorTrait for Plan {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        let lists = PLAN
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        lists.into_iter().flat_map(|list| list()).collect()
    }
}

/// Applies the pending migrations of `domains`, each domain's in its order, domains in the
/// order given. Migrations get a connection of their own: on SQLite the migrator switches
/// `foreign_keys` off, and a pooled connection left that way would skip every cascade.
pub async fn migrate(url: &str, domains: &[std::sync::Arc<dyn Domain>]) -> anyhow::Result<()> {
    let _one_run = RUN.lock().await;
    *PLAN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) =
        domains.iter().map(|d| d.migrations()).collect();
    let migrator = Database::connect(
        ConnectOptions::new(url)
            .sqlx_logging(false)
            .max_connections(1)
            .to_owned(),
    )
    .await?;
    let result = Plan::up(&migrator, None).await;
    migrator.close().await?;
    Ok(result?)
}

/// Connects the pool the app uses and hooks the statement counter in (migrate first).
pub async fn connect(
    url: &str,
    pool: &PoolSettings,
    metrics: Option<&Metrics>,
) -> anyhow::Result<DatabaseConnection> {
    let mut db = if DatabaseBackend::Postgres.is_prefix_of(url) {
        postgres(url, pool).await?
    } else {
        let busy_timeout = pool.busy_timeout;
        let mut options = ConnectOptions::new(url);
        options
            .sqlx_logging(false)
            .max_connections(pool.max_connections)
            .acquire_timeout(pool.acquire_timeout)
            // An SQLite file does not go away under the pool: nothing to test before use.
            .test_before_acquire(false)
            // Each connection's thread hands its rows to the request through a bounded
            // channel; at sqlx's 50 a page of a thousand rows stops the thread about twenty
            // times to wait for the request to catch up, a thread switch each way.
            //
            // Write-ahead log: readers never wait for the writer nor the writer for readers,
            // and a commit appends to the log instead of rewriting pages through a rollback
            // journal. The mode is kept in the file (beside it, `-wal` and `-shm` files while
            // it is open). Writers still take turns: `studiogate_graph::txn`.
            .map_sqlx_sqlite_opts(move |opts| {
                opts.busy_timeout(busy_timeout)
                    .journal_mode(SqliteJournalMode::Wal)
                    .row_buffer_size(SQLITE_ROW_BUFFER)
            });
        Database::connect(options).await?
    };
    if let Some(metrics) = metrics {
        let counter = metrics.db_statements.clone();
        metrics.pool_max.set(i64::from(pool.max_connections));
        db.set_metric_callback(move |info| {
            counter.inc();
            telemetry::count_statement();
            tracing::debug!(
                target: "studiogate::sql",
                elapsed_ms = info.elapsed.as_secs_f64() * 1000.0,
                failed = info.failed,
                sql = %info.statement.sql,
                "sql statement"
            );
        });
    }
    Ok(db)
}

/// Rows an SQLite connection's thread reads ahead of the request consuming them.
const SQLITE_ROW_BUFFER: usize = 1024;

/// A pooled PostgreSQL connection idle this long is pinged before it is used.
const IDLE_CHECK: Duration = Duration::from_secs(1);

/// The PostgreSQL pool, built with sqlx directly for one setting sea-orm does not pass on. A
/// connection that died with the server (a restart, a failover) must be found before a request
/// uses it; sqlx's `test_before_acquire` finds it with a round trip before every statement.
/// Here only a connection idle for [`IDLE_CHECK`] is pinged (and replaced if it does not
/// answer): a restart takes longer than that, and a connection in steady use that breaks is
/// dropped when sqlx's check on release fails. Otherwise as `Database::connect` builds it.
async fn postgres(url: &str, pool: &PoolSettings) -> anyhow::Result<DatabaseConnection> {
    use sea_orm::sqlx::postgres::{PgConnectOptions, PgPoolOptions};
    use sea_orm::sqlx::{ConnectOptions as _, Connection as _};
    let statement_timeout = pool.statement_timeout.as_millis().to_string();
    let options = url
        .parse::<PgConnectOptions>()?
        .options([("statement_timeout", statement_timeout.as_str())])
        .disable_statement_logging();
    let pool = PgPoolOptions::new()
        .max_connections(pool.max_connections)
        .acquire_timeout(pool.acquire_timeout)
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move { Ok(meta.idle_for < IDLE_CHECK || conn.ping().await.is_ok()) })
        })
        .connect_with(options)
        .await?;
    Ok(sea_orm::SqlxPostgresConnector::from_sqlx_postgres_pool(
        pool,
    ))
}

/// A small pool beside the app's, for work that is not part of any request (the rate
/// limiter's membership lookups, the lease sweeper), so it is not counted as a request's
/// statements and never waits behind requests for a connection.
pub async fn connect_side(url: &str) -> anyhow::Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(url);
    options
        .sqlx_logging(false)
        .max_connections(2)
        .acquire_timeout(Duration::from_secs(5));
    Ok(Database::connect(options).await?)
}

/// Pool gauges, sampled when /metrics is scraped.
pub fn sample_pool(db: &DatabaseConnection, metrics: &Metrics) {
    let (size, idle) = match db.get_database_backend() {
        DatabaseBackend::Postgres => {
            let pool = db.get_postgres_connection_pool();
            (pool.size(), pool.num_idle())
        }
        DatabaseBackend::Sqlite => {
            let pool = db.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle())
        }
        _ => return,
    };
    metrics.pool_connections.set(i64::from(size));
    metrics.pool_idle.set(idle as i64);
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::Statement;
    use studiogate_testkit::{Backend, TestDb};

    fn settings() -> PoolSettings {
        PoolSettings {
            max_connections: 2,
            acquire_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_millis(300),
            busy_timeout: Duration::from_millis(1234),
        }
    }

    /// Every pooled connection carries the configured timeouts, and PostgreSQL cancels a
    /// statement that runs past its own.
    async fn pooled_connections_carry_the_configured_timeouts(backend: Backend) {
        {
            let test_db = TestDb::create(&backend).await.expect("database");
            let db = connect(&test_db.url, &settings(), None)
                .await
                .expect("connects");
            let backend_kind = db.get_database_backend();
            let (sql, expected) = match backend {
                Backend::Sqlite => ("PRAGMA busy_timeout", "1234"),
                Backend::Postgres(_) => ("SHOW statement_timeout", "300ms"),
            };
            let row = db
                .query_one(Statement::from_string(backend_kind, sql))
                .await
                .expect("query")
                .expect("a row");
            let value = row
                .try_get_by_index::<String>(0)
                .or_else(|_| row.try_get_by_index::<i64>(0).map(|v| v.to_string()))
                .expect("a value");
            assert_eq!(value, expected, "{sql}");
            if let Backend::Sqlite = backend {
                let mode = db
                    .query_one(Statement::from_string(backend_kind, "PRAGMA journal_mode"))
                    .await
                    .expect("query")
                    .expect("a row");
                let mode = mode.try_get_by_index::<String>(0).expect("a mode");
                assert_eq!(mode, "wal", "the pool writes ahead");
            }
            if let Backend::Postgres(_) = backend {
                let err = db
                    .execute_unprepared("SELECT pg_sleep(2)")
                    .await
                    .expect_err("cancelled");
                assert!(err.to_string().contains("statement timeout"), "{err}");
            }
            db.close().await.expect("closes");
        }
    }
    studiogate_testkit::on_both_backends!(pooled_connections_carry_the_configured_timeouts);
}
