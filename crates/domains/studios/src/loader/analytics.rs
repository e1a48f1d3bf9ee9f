//! Studio analytics and the company roll-up. The spec's `studio_analytics` view joins
//! executions and files in one pass, which multiplies both counts (3 executions and 2 files give
//! 6 and 6); here each figure comes from its own aggregate: one GROUP BY over executions and one
//! over files per batch of studios (or companies).

use async_graphql::dataloader::Loader;
use async_graphql::SimpleObject;
use chrono::{DateTime, FixedOffset, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, JoinType, QueryFilter, QuerySelect, RelationTrait, Select};
use std::collections::HashMap;
use std::sync::Arc;
use studiogate_entities_studios::{files, studios, workflow_executions as executions};
use studiogate_graph::GraphError;
use uuid::Uuid;

use crate::context::StudiosCtx;

/// Execution and storage figures of a studio, or of all studios of a company.
#[derive(SimpleObject, Clone, Default)]
pub struct Analytics {
    /// Executions started.
    pub total_executions: i64,
    /// Executions that succeeded.
    pub succeeded_executions: i64,
    /// Executions that failed.
    pub failed_executions: i64,
    /// Mean run time of finished executions, in seconds, rounded to 2 decimals.
    pub average_duration_seconds: Option<f64>,
    /// Distinct people who started executions.
    pub unique_users: i64,
    /// Files uploaded (private ones included in the count).
    pub files_uploaded: i64,
    /// Bytes of all those files.
    pub storage_used_bytes: i64,
    /// When the most recent execution finished.
    pub last_execution_at: Option<DateTime<Utc>>,
}

/// The spec's view rounds the mean to 2 decimals in SQL (`ROUND(AVG(...), 2)`); both backends
/// have that function, and PostgreSQL's AVG of integers is exact before it rounds.
pub(super) const AVERAGE_DURATION: &str =
    "CAST(ROUND(AVG(workflow_executions.duration_seconds), 2) AS DOUBLE PRECISION)";

type ExecRow = (
    Uuid,
    i64,
    i64,
    i64,
    Option<f64>,
    i64,
    Option<DateTime<FixedOffset>>,
);

fn execution_figures(
    select: Select<executions::Entity>,
    group: impl sea_orm::sea_query::IntoColumnRef + Clone,
) -> Select<executions::Entity> {
    select
        .select_only()
        .column_as(Expr::col(group.clone()), "parent")
        .column_as(Expr::cust("COUNT(*)"), "total")
        .column_as(Expr::cust("COALESCE(SUM(CASE WHEN workflow_executions.status = 'succeeded' THEN 1 ELSE 0 END), 0)"), "succeeded")
        .column_as(Expr::cust("COALESCE(SUM(CASE WHEN workflow_executions.status = 'failed' THEN 1 ELSE 0 END), 0)"), "failed")
        .column_as(Expr::cust(AVERAGE_DURATION), "avg_duration")
        .column_as(Expr::cust("COUNT(DISTINCT workflow_executions.user_id)"), "users")
        .column_as(Expr::cust("MAX(workflow_executions.completed_at)"), "last_at")
        .group_by(Expr::col(group))
}

fn file_figures(
    select: Select<files::Entity>,
    group: impl sea_orm::sea_query::IntoColumnRef + Clone,
) -> Select<files::Entity> {
    select
        .select_only()
        .column_as(Expr::col(group.clone()), "parent")
        .column_as(Expr::cust("COUNT(*)"), "files")
        .column_as(Expr::cust("COALESCE(SUM(files.file_size), 0)"), "bytes")
        .group_by(Expr::col(group))
}

fn merge(
    keys: &[Uuid],
    execs: Vec<ExecRow>,
    stored: Vec<(Uuid, i64, i64)>,
) -> HashMap<Uuid, Analytics> {
    let mut out: HashMap<Uuid, Analytics> =
        keys.iter().map(|k| (*k, Analytics::default())).collect();
    for (key, total, succeeded, failed, avg, users, last) in execs {
        if let Some(a) = out.get_mut(&key) {
            a.total_executions = total;
            a.succeeded_executions = succeeded;
            a.failed_executions = failed;
            a.average_duration_seconds = avg;
            a.unique_users = users;
            a.last_execution_at = last.map(|t| t.to_utc());
        }
    }
    for (key, count, bytes) in stored {
        if let Some(a) = out.get_mut(&key) {
            a.files_uploaded = count;
            a.storage_used_bytes = bytes;
        }
    }
    out
}

/// Both aggregates for `keys`, grouped by `group` (a column reachable from both selects).
async fn figures<G>(
    db: &sea_orm::DatabaseConnection,
    keys: &[Uuid],
    execs: Select<executions::Entity>,
    stored: Select<files::Entity>,
    group: G,
) -> Result<HashMap<Uuid, Analytics>, GraphError>
where
    G: sea_orm::sea_query::IntoColumnRef + Clone,
{
    let execs = execution_figures(execs, group.clone())
        .into_tuple()
        .all(db)
        .await?;
    let stored = file_figures(stored, group).into_tuple().all(db).await?;
    Ok(merge(keys, execs, stored))
}

/// Analytics per studio id.
pub struct AnalyticsByStudioIdLoader(pub Arc<StudiosCtx>);

impl Loader<Uuid> for AnalyticsByStudioIdLoader {
    type Value = Analytics;
    type Error = GraphError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Analytics>, GraphError> {
        studiogate_graph::telemetry::batch("analytics.by_studio", keys.len(), self.fetch(keys))
            .await
    }
}

impl AnalyticsByStudioIdLoader {
    async fn fetch(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Analytics>, GraphError> {
        let scope = self.0.scope().await?;
        let ids = || keys.iter().copied();
        figures(
            &self.0.db,
            keys,
            scope
                .executions()
                .filter(executions::Column::StudioId.is_in(ids())),
            scope
                .files_for_totals()
                .filter(files::Column::StudioId.is_in(ids())),
            // Both tables name the studio `studio_id`.
            executions::Column::StudioId,
        )
        .await
    }
}

/// The same figures summed over each company's studios.
pub struct AnalyticsByCompanyIdLoader(pub Arc<StudiosCtx>);

impl Loader<Uuid> for AnalyticsByCompanyIdLoader {
    type Value = Analytics;
    type Error = GraphError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Analytics>, GraphError> {
        studiogate_graph::telemetry::batch("analytics.by_company", keys.len(), self.fetch(keys))
            .await
    }
}

impl AnalyticsByCompanyIdLoader {
    async fn fetch(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Analytics>, GraphError> {
        let scope = self.0.scope().await?;
        let in_companies = studios::Column::CompanyId.is_in(keys.iter().copied());
        figures(
            &self.0.db,
            keys,
            scope
                .executions()
                .join(JoinType::InnerJoin, executions::Relation::Studios.def())
                .filter(in_companies.clone()),
            scope
                .files_for_totals()
                .join(JoinType::InnerJoin, files::Relation::Studios.def())
                .filter(in_companies),
            (studios::Entity, studios::Column::CompanyId),
        )
        .await
    }
}
