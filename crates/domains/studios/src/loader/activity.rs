//! Analytics as a time series: the same figures as [`super::Analytics`], one entry per UTC day of
//! a date range, for a studio or a company. Executions count on the day they were created, files
//! on the day they were uploaded. Each batch of parents asking for the same range is two
//! statements (one GROUP BY over executions, one over files), whatever the number of parents.

use async_graphql::dataloader::Loader;
use async_graphql::SimpleObject;
use chrono::{DateTime, Days, FixedOffset, NaiveDate, NaiveTime};
use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseBackend, QueryFilter, QuerySelect};
use std::collections::HashMap;
use std::sync::Arc;
use studiogate_entities_studios::{files, workflow_executions as executions};
use studiogate_graph::{Date, GraphError};
use uuid::Uuid;

use super::analytics::{execution_counts, file_totals, Per, Sources};
use crate::context::StudiosCtx;

/// The longest range one request may ask for, in days.
pub const MAX_DAYS: u64 = 366;

/// One UTC day of a studio's or company's activity.
#[derive(SimpleObject, Clone, Debug, PartialEq)]
pub struct DailyAnalytics {
    /// The day, in UTC.
    pub day: Date,
    /// Executions created that day.
    pub total_executions: i64,
    /// Of those, the ones that succeeded.
    pub succeeded_executions: i64,
    /// Of those, the ones that failed.
    pub failed_executions: i64,
    /// Mean run time of those that finished, in seconds, rounded to 2 decimals.
    pub average_duration_seconds: Option<f64>,
    /// Distinct people who created them.
    pub unique_users: i64,
    /// Files uploaded that day.
    pub files_uploaded: i64,
    /// Bytes of those files.
    pub storage_used_bytes: i64,
}

/// A checked date range, `from` to `to` inclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DayRange {
    from: NaiveDate,
    to: NaiveDate,
}

impl DayRange {
    /// `from` to `to`, inclusive: `to` not before `from`, at most [`MAX_DAYS`] days.
    pub fn new(from: Date, to: Date) -> Result<Self, GraphError> {
        let (from, to) = (from.0, to.0);
        if to < from {
            return Err(GraphError::bad_input("to", "must not be before `from`"));
        }
        if (to - from).num_days() + 1 > MAX_DAYS as i64 {
            return Err(GraphError::bad_input(
                "to",
                format!("a range spans at most {MAX_DAYS} days"),
            ));
        }
        Ok(Self { from, to })
    }

    fn days(self) -> impl Iterator<Item = NaiveDate> {
        self.from.iter_days().take_while(move |d| *d <= self.to)
    }

    /// The instants the range covers: `[from 00:00, to + 1 day 00:00)` UTC.
    /// Bound as the columns' own type, so SQLite compares like with like.
    fn bounds(self) -> (DateTime<FixedOffset>, DateTime<FixedOffset>) {
        let at = |day: NaiveDate| day.and_time(NaiveTime::MIN).and_utc().fixed_offset();
        (at(self.from), at(self.to + Days::new(1)))
    }
}

/// The UTC day of a timestamp column, as `YYYY-MM-DD` text on both backends.
fn day_of(backend: DatabaseBackend, column: &str) -> SimpleExpr {
    match backend {
        DatabaseBackend::Postgres => Expr::cust(format!(
            "to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
        )),
        // SQLite's date functions read the stored offset and answer in UTC.
        _ => Expr::cust(format!("strftime('%Y-%m-%d', {column})")),
    }
}

type ExecDay = (Uuid, String, i64, i64, i64, Option<f64>, i64);

/// The figures of `from` per parent and UTC day of `range`, zero days included.
async fn series(
    db: &sea_orm::DatabaseConnection,
    range: DayRange,
    parents: &[Uuid],
    from: Sources,
) -> Result<HashMap<Uuid, Vec<DailyAnalytics>>, GraphError> {
    let backend = db.get_database_backend();
    let (start, end) = range.bounds();
    let exec_day = day_of(backend, "workflow_executions.created_at");
    let execs: Vec<ExecDay> = execution_counts(
        from.execs
            .filter(executions::Column::CreatedAt.gte(start))
            .filter(executions::Column::CreatedAt.lt(end))
            .select_only()
            .column_as(Expr::col(from.parent.clone()), "parent")
            .column_as(exec_day.clone(), "day"),
    )
    .group_by(Expr::col(from.parent.clone()))
    .group_by(exec_day)
    .into_tuple()
    .all(db)
    .await?;
    let file_day = day_of(backend, "files.upload_timestamp");
    let stored: Vec<(Uuid, String, i64, i64)> = file_totals(
        from.stored
            .filter(files::Column::UploadTimestamp.gte(start))
            .filter(files::Column::UploadTimestamp.lt(end))
            .select_only()
            .column_as(Expr::col(from.parent.clone()), "parent")
            .column_as(file_day.clone(), "day"),
    )
    .group_by(Expr::col(from.parent))
    .group_by(file_day)
    .into_tuple()
    .all(db)
    .await?;

    let empty = |day: NaiveDate| DailyAnalytics {
        day: Date(day),
        total_executions: 0,
        succeeded_executions: 0,
        failed_executions: 0,
        average_duration_seconds: None,
        unique_users: 0,
        files_uploaded: 0,
        storage_used_bytes: 0,
    };
    let mut out: HashMap<Uuid, Vec<DailyAnalytics>> = parents
        .iter()
        .map(|p| (*p, range.days().map(empty).collect()))
        .collect();
    for (parent, day, total, succeeded, failed, avg, users) in execs {
        if let Some(entry) = entry(&mut out, range, parent, &day) {
            entry.total_executions = total;
            entry.succeeded_executions = succeeded;
            entry.failed_executions = failed;
            entry.average_duration_seconds = avg;
            entry.unique_users = users;
        }
    }
    for (parent, day, count, bytes) in stored {
        if let Some(entry) = entry(&mut out, range, parent, &day) {
            entry.files_uploaded = count;
            entry.storage_used_bytes = bytes;
        }
    }
    Ok(out)
}

/// The entry of `parent` for `day` (as the database wrote it), if both are ours.
fn entry<'a>(
    out: &'a mut HashMap<Uuid, Vec<DailyAnalytics>>,
    range: DayRange,
    parent: Uuid,
    day: &str,
) -> Option<&'a mut DailyAnalytics> {
    let day = NaiveDate::parse_from_str(day, "%Y-%m-%d").ok()?;
    let index = usize::try_from((day - range.from).num_days()).ok()?;
    out.get_mut(&parent)?.get_mut(index)
}

/// Group `keys` by range: one pair of statements per distinct range asked for.
fn by_range(keys: &[(Uuid, DayRange)]) -> HashMap<DayRange, Vec<Uuid>> {
    let mut ranges: HashMap<DayRange, Vec<Uuid>> = HashMap::new();
    for (parent, range) in keys {
        ranges.entry(*range).or_default().push(*parent);
    }
    ranges
}

fn keyed(
    range: DayRange,
    found: HashMap<Uuid, Vec<DailyAnalytics>>,
    into: &mut HashMap<(Uuid, DayRange), Vec<DailyAnalytics>>,
) {
    into.extend(
        found
            .into_iter()
            .map(|(parent, days)| ((parent, range), days)),
    );
}

/// The loads of one batch: one pair of statements per distinct range asked for.
async fn daily(
    ctx: &StudiosCtx,
    per: Per,
    keys: &[(Uuid, DayRange)],
) -> Result<HashMap<(Uuid, DayRange), Vec<DailyAnalytics>>, GraphError> {
    let scope = ctx.scope().await?;
    let mut out = HashMap::new();
    for (range, parents) in by_range(keys) {
        let sources = per.sources(&scope, &parents, ctx.db.get_database_backend());
        let found = series(&ctx.db, range, &parents, sources).await?;
        keyed(range, found, &mut out);
    }
    Ok(out)
}

/// Daily figures per (studio, range).
pub struct DailyByStudioLoader(pub Arc<StudiosCtx>);

impl Loader<(Uuid, DayRange)> for DailyByStudioLoader {
    type Value = Vec<DailyAnalytics>;
    type Error = GraphError;

    async fn load(
        &self,
        keys: &[(Uuid, DayRange)],
    ) -> Result<HashMap<(Uuid, DayRange), Vec<DailyAnalytics>>, GraphError> {
        let load = daily(&self.0, Per::Studio, keys);
        studiogate_graph::telemetry::batch("analytics.daily_by_studio", keys.len(), load).await
    }
}

/// Daily figures per (company, range), over all the company's studios.
pub struct DailyByCompanyLoader(pub Arc<StudiosCtx>);

impl Loader<(Uuid, DayRange)> for DailyByCompanyLoader {
    type Value = Vec<DailyAnalytics>;
    type Error = GraphError;

    async fn load(
        &self,
        keys: &[(Uuid, DayRange)],
    ) -> Result<HashMap<(Uuid, DayRange), Vec<DailyAnalytics>>, GraphError> {
        let load = daily(&self.0, Per::Company, keys);
        studiogate_graph::telemetry::batch("analytics.daily_by_company", keys.len(), load).await
    }
}
