//! The job engine of the runner protocol, for any domain whose runners work through a table of
//! jobs: a runner's service token claims pending rows (each moves to the running status under
//! a lease held by the token's account), heartbeats to extend the lease, and reports through
//! the domain's own state machine. A running row whose lease ran out goes back to pending as
//! a retry, or to failed once its retries are used up.
//!
//! Claims are one UPDATE over a sub-select: `FOR UPDATE SKIP LOCKED` on PostgreSQL, so
//! concurrent claimers take disjoint rows without waiting; on SQLite the single statement is
//! atomic by itself (one writer at a time). Expiry is swept by a background job on every
//! replica; its UPDATE re-checks each lease, so each expiry happens once.
//!
//! A domain describes its table once ([`JobTable`]): the columns and its status names.

use chrono::{DateTime, FixedOffset};
use sea_orm::sea_query::{Expr, LockBehavior, LockType, SimpleExpr};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait, Select, UpdateMany,
};
use serde_json::json;
use std::time::Duration;
use uuid::Uuid;

/// A domain's names for the statuses the engine moves rows between.
#[derive(Debug, Clone, Copy)]
pub struct Statuses {
    pub pending: &'static str,
    pub running: &'static str,
    pub failed: &'static str,
}

/// The columns the engine reads and writes.
pub struct JobColumns<E: EntityTrait> {
    pub id: E::Column,
    pub status: E::Column,
    pub created_at: E::Column,
    pub started_at: E::Column,
    pub completed_at: E::Column,
    pub lease_expires_at: E::Column,
    pub claimed_by: E::Column,
    pub retry_count: E::Column,
    pub error_message: E::Column,
    /// A JSON array the engine appends its transitions to, if the table keeps one.
    pub logs: Option<E::Column>,
}

/// A domain's job table: its columns, statuses and retry limit.
pub struct JobTable<E: EntityTrait> {
    pub columns: JobColumns<E>,
    pub statuses: Statuses,
    /// Expired leases retry this many times; the next expiry fails the job.
    pub max_retries: i32,
}

fn now() -> DateTime<FixedOffset> {
    chrono::Utc::now().fixed_offset()
}

/// The end of a lease of `lease` starting `at`.
pub fn lease_until(at: DateTime<FixedOffset>, lease: Duration) -> DateTime<FixedOffset> {
    at + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::seconds(60))
}

/// A JSON log array with one more entry, computed in the database so one statement serves
/// many rows.
pub fn append_log(
    backend: DbBackend,
    column: impl ColumnTrait,
    at: DateTime<FixedOffset>,
    message: &str,
) -> SimpleExpr {
    let entry = json!({ "at": at, "level": "info", "message": message }).to_string();
    let column = column.as_str();
    match backend {
        DbBackend::Postgres => Expr::cust_with_values(
            format!("\"{column}\" || jsonb_build_array($1::jsonb)"),
            [entry],
        ),
        _ => Expr::cust_with_values(
            format!("json_insert(\"{column}\", '$[#]', json(?))"),
            [entry],
        ),
    }
}

/// Runs an UPDATE and returns the rows it changed (`RETURNING *`, SQLite 3.35+ and
/// PostgreSQL), in one statement.
pub async fn returning<E, C>(db: &C, update: UpdateMany<E>) -> Result<Vec<E::Model>, DbErr>
where
    E: EntityTrait,
    E::Model: FromQueryResult,
    C: ConnectionTrait,
{
    let mut statement = update.into_query();
    statement.returning_all();
    E::find()
        .from_raw_sql(db.get_database_backend().build(&statement))
        .all(db)
        .await
}

impl<E> JobTable<E>
where
    E: EntityTrait,
    E::Model: FromQueryResult + Send + Sync,
{
    /// Moves up to `limit` pending rows of `candidates` (the domain's tenant-scoped select,
    /// with any filters of the claim) to running under `account`'s lease, oldest first, and
    /// returns them. No row is ever handed to two claims.
    pub async fn claim<C: ConnectionTrait>(
        &self,
        db: &C,
        candidates: Select<E>,
        limit: u64,
        account: Uuid,
        lease: Duration,
    ) -> Result<Vec<E::Model>, DbErr> {
        let c = &self.columns;
        let mut candidates = candidates
            .select_only()
            .column(c.id)
            .filter(c.status.eq(self.statuses.pending))
            .order_by_asc(c.created_at)
            .order_by_asc(c.id)
            .limit(limit)
            .into_query();
        // SQLite's query builder leaves the lock clause out.
        candidates.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
        let at = now();
        let mut update = E::update_many()
            .col_expr(c.status, Expr::value(self.statuses.running))
            .col_expr(c.started_at, Expr::value(at))
            .col_expr(c.lease_expires_at, Expr::value(lease_until(at, lease)))
            .col_expr(c.claimed_by, Expr::value(account))
            .filter(c.id.in_subquery(candidates))
            .filter(c.status.eq(self.statuses.pending));
        if let Some(logs) = c.logs {
            let message = format!(
                "{} -> {} (claimed by a runner)",
                self.statuses.pending, self.statuses.running
            );
            update = update.col_expr(
                logs,
                append_log(db.get_database_backend(), logs, at, &message),
            );
        }
        returning(db, update).await
    }

    /// Extends the lease of a running row `account` holds; false when it holds it no more.
    pub async fn heartbeat<C: ConnectionTrait>(
        &self,
        db: &C,
        id: Uuid,
        account: Uuid,
        lease: Duration,
    ) -> Result<bool, DbErr> {
        let c = &self.columns;
        let result = E::update_many()
            .col_expr(c.lease_expires_at, Expr::value(lease_until(now(), lease)))
            .filter(c.id.eq(id))
            .filter(c.status.eq(self.statuses.running))
            .filter(c.claimed_by.eq(account))
            .exec(db)
            .await?;
        Ok(result.rows_affected == 1)
    }

    /// Puts every running row whose lease ran out back to pending as a retry (failed once the
    /// retries are used up); returns the rows it moved, retried first.
    pub async fn expire<C: ConnectionTrait>(&self, db: &C) -> Result<Vec<E::Model>, DbErr> {
        let (c, s) = (&self.columns, &self.statuses);
        let at = now();
        let backend = db.get_database_backend();
        let expired = || {
            E::update_many()
                .col_expr(
                    c.lease_expires_at,
                    Expr::value(None::<DateTime<FixedOffset>>),
                )
                .col_expr(c.claimed_by, Expr::value(None::<Uuid>))
                .filter(c.status.eq(s.running))
                .filter(c.lease_expires_at.lt(at))
        };
        let mut retried = expired()
            .col_expr(c.status, Expr::value(s.pending))
            .col_expr(c.retry_count, Expr::col(c.retry_count).add(1))
            .col_expr(c.started_at, Expr::value(None::<DateTime<FixedOffset>>))
            .filter(c.retry_count.lt(self.max_retries));
        let mut failed = expired()
            .col_expr(c.status, Expr::value(s.failed))
            .col_expr(c.completed_at, Expr::value(at))
            .col_expr(
                c.error_message,
                Expr::value("The runner's lease expired and the retry limit is reached"),
            )
            .filter(c.retry_count.gte(self.max_retries));
        if let Some(logs) = c.logs {
            let retry = format!("lease expired: {} -> {} (a retry)", s.running, s.pending);
            let fail = format!(
                "lease expired: {} -> {} (no retries left)",
                s.running, s.failed
            );
            retried = retried.col_expr(logs, append_log(backend, logs, at, &retry));
            failed = failed.col_expr(logs, append_log(backend, logs, at, &fail));
        }
        let mut moved = returning(db, retried).await?;
        moved.extend(returning(db, failed).await?);
        Ok(moved)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::{ActiveModelTrait, Database, DatabaseConnection, Set};

    /// A job table as another domain might have it: other status names, no logs.
    mod job {
        use sea_orm::entity::prelude::*;

        #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
        #[sea_orm(table_name = "jobs")]
        pub struct Model {
            #[sea_orm(primary_key, auto_increment = false)]
            pub id: Uuid,
            pub status: String,
            pub created_at: DateTimeWithTimeZone,
            pub started_at: Option<DateTimeWithTimeZone>,
            pub completed_at: Option<DateTimeWithTimeZone>,
            pub lease_expires_at: Option<DateTimeWithTimeZone>,
            pub claimed_by: Option<Uuid>,
            pub retry_count: i32,
            pub error_message: Option<String>,
        }

        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    }

    fn table() -> JobTable<job::Entity> {
        use job::Column as C;
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
                pending: "pending",
                running: "processing",
                failed: "failed",
            },
            max_retries: 1,
        }
    }

    async fn db_with_jobs(n: i64) -> DatabaseConnection {
        let db = Database::connect("sqlite::memory:").await.expect("sqlite");
        db.execute_unprepared(
            "CREATE TABLE jobs (id uuid_text PRIMARY KEY, status TEXT NOT NULL, \
             created_at TEXT NOT NULL, started_at TEXT, completed_at TEXT, \
             lease_expires_at TEXT, claimed_by uuid_text, retry_count INTEGER NOT NULL, \
             error_message TEXT)",
        )
        .await
        .expect("table");
        for k in 0..n {
            job::ActiveModel {
                id: Set(Uuid::new_v4()),
                status: Set("pending".into()),
                created_at: Set(now() - chrono::Duration::minutes(n - k)),
                started_at: Set(None),
                completed_at: Set(None),
                lease_expires_at: Set(None),
                claimed_by: Set(None),
                retry_count: Set(0),
                error_message: Set(None),
            }
            .insert(&db)
            .await
            .expect("job");
        }
        db
    }

    #[tokio::test]
    async fn claims_take_the_oldest_pending_jobs_once_and_expiry_retries_then_fails() {
        let db = db_with_jobs(3).await;
        let (runner, other) = (Uuid::new_v4(), Uuid::new_v4());
        let lease = Duration::from_secs(60);
        let first = table()
            .claim(&db, job::Entity::find(), 2, runner, lease)
            .await
            .expect("claim");
        assert_eq!(first.len(), 2);
        assert!(first
            .iter()
            .all(|j| j.status == "processing" && j.claimed_by == Some(runner)));
        let rest = table()
            .claim(&db, job::Entity::find(), 5, other, lease)
            .await
            .expect("claim");
        assert_eq!(rest.len(), 1, "the claimed ones are not handed out again");
        assert!(first.iter().all(|j| j.id != rest[0].id));

        let held = first[0].id;
        assert!(table()
            .heartbeat(&db, held, runner, lease)
            .await
            .expect("beat"));
        assert!(!table()
            .heartbeat(&db, held, other, lease)
            .await
            .expect("beat"));

        // Nothing has expired yet; then every lease runs out.
        assert!(table().expire(&db).await.expect("sweep").is_empty());
        let past = now() - chrono::Duration::seconds(1);
        job::Entity::update_many()
            .col_expr(job::Column::LeaseExpiresAt, Expr::value(past))
            .exec(&db)
            .await
            .expect("expire");
        let retried = table().expire(&db).await.expect("sweep");
        assert_eq!(retried.len(), 3);
        assert!(retried
            .iter()
            .all(|j| j.status == "pending" && j.retry_count == 1 && j.claimed_by.is_none()));

        // Claimed again and expired again: the retry is used up, so they fail.
        table()
            .claim(&db, job::Entity::find(), 5, runner, lease)
            .await
            .expect("claim");
        job::Entity::update_many()
            .col_expr(job::Column::LeaseExpiresAt, Expr::value(past))
            .exec(&db)
            .await
            .expect("expire");
        let failed = table().expire(&db).await.expect("sweep");
        assert_eq!(failed.len(), 3);
        assert!(failed.iter().all(|j| j.status == "failed"
            && j.completed_at.is_some()
            && j.error_message.is_some()));
    }
}
