//! Studio analytics and the company roll-up. The spec's `studio_analytics` view joins
//! executions and files in one pass, which multiplies both counts (3 executions and 2 files give
//! 6 and 6); here each figure comes from its own aggregate: one GROUP BY over executions and one
//! over files per batch of studios (or companies).

use async_graphql::dataloader::Loader;
use async_graphql::SimpleObject;
use chrono::{DateTime, FixedOffset, Utc};
use sea_orm::sea_query::{ColumnRef, Expr, IntoColumnRef};
use sea_orm::{
    ConnectionTrait, DbBackend, JoinType, QueryFilter, QuerySelect, RelationTrait, Select,
};
use std::collections::HashMap;
use std::sync::Arc;
use studiogate_entities_studios::{files, studios, workflow_executions as executions, TenantScope};
use studiogate_graph::loader::in_keys;
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
const AVERAGE_DURATION: &str =
    "CAST(ROUND(AVG(workflow_executions.duration_seconds), 2) AS DOUBLE PRECISION)";

/// Whose figures a loader computes: each studio's, or each company's over its studios.
#[derive(Clone, Copy)]
pub(super) enum Per {
    Studio,
    Company,
}

/// The scoped executions and files of some parents, and the column naming each row's parent.
pub(super) struct Sources {
    pub execs: Select<executions::Entity>,
    pub stored: Select<files::Entity>,
    pub parent: ColumnRef,
}

impl Per {
    pub(super) fn sources(self, scope: &TenantScope, parents: &[Uuid], db: DbBackend) -> Sources {
        match self {
            Per::Studio => Sources {
                execs: scope.executions().filter(in_keys(
                    executions::Column::StudioId,
                    parents,
                    db,
                )),
                stored: scope.files_for_totals().filter(in_keys(
                    files::Column::StudioId,
                    parents,
                    db,
                )),
                // Both tables name the studio `studio_id`.
                parent: executions::Column::StudioId.into_column_ref(),
            },
            Per::Company => {
                let in_companies = in_keys(studios::Column::CompanyId, parents, db);
                Sources {
                    execs: scope
                        .executions()
                        .join(JoinType::InnerJoin, executions::Relation::Studios.def())
                        .filter(in_companies.clone()),
                    stored: scope
                        .files_for_totals()
                        .join(JoinType::InnerJoin, files::Relation::Studios.def())
                        .filter(in_companies),
                    parent: (studios::Entity, studios::Column::CompanyId).into_column_ref(),
                }
            }
        }
    }
}

/// The execution figures every analytics view has, in this order: total, succeeded, failed,
/// mean duration, distinct people.
pub(super) fn execution_counts(select: Select<executions::Entity>) -> Select<executions::Entity> {
    select
        .column_as(Expr::cust("COUNT(*)"), "total")
        .column_as(Expr::cust("COALESCE(SUM(CASE WHEN workflow_executions.status = 'succeeded' THEN 1 ELSE 0 END), 0)"), "succeeded")
        .column_as(Expr::cust("COALESCE(SUM(CASE WHEN workflow_executions.status = 'failed' THEN 1 ELSE 0 END), 0)"), "failed")
        .column_as(Expr::cust(AVERAGE_DURATION), "avg_duration")
        .column_as(Expr::cust("COUNT(DISTINCT workflow_executions.user_id)"), "users")
}

/// The file figures every analytics view has, in this order: count, bytes.
pub(super) fn file_totals(select: Select<files::Entity>) -> Select<files::Entity> {
    select
        .column_as(Expr::cust("COUNT(*)"), "files")
        .column_as(Expr::cust("COALESCE(SUM(files.file_size), 0)"), "bytes")
}

type ExecRow = (
    Uuid,
    i64,
    i64,
    i64,
    Option<f64>,
    i64,
    Option<DateTime<FixedOffset>>,
);

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

/// Both aggregates for `keys`, one GROUP BY over executions and one over files.
async fn figures(
    db: &sea_orm::DatabaseConnection,
    keys: &[Uuid],
    from: Sources,
) -> Result<HashMap<Uuid, Analytics>, GraphError> {
    let execs = execution_counts(
        from.execs
            .select_only()
            .column_as(Expr::col(from.parent.clone()), "parent"),
    )
    .column_as(
        Expr::cust("MAX(workflow_executions.completed_at)"),
        "last_at",
    )
    .group_by(Expr::col(from.parent.clone()))
    .into_tuple()
    .all(db)
    .await?;
    let stored = file_totals(
        from.stored
            .select_only()
            .column_as(Expr::col(from.parent.clone()), "parent"),
    )
    .group_by(Expr::col(from.parent))
    .into_tuple()
    .all(db)
    .await?;
    Ok(merge(keys, execs, stored))
}

/// Analytics per studio id.
pub struct AnalyticsByStudioIdLoader(pub Arc<StudiosCtx>);

impl Loader<Uuid> for AnalyticsByStudioIdLoader {
    type Value = Analytics;
    type Error = GraphError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Analytics>, GraphError> {
        studiogate_graph::telemetry::batch("analytics.by_studio", keys.len(), async {
            let scope = self.0.scope().await?;
            let sources = Per::Studio.sources(&scope, keys, self.0.db.get_database_backend());
            figures(&self.0.db, keys, sources).await
        })
        .await
    }
}

/// The same figures summed over each company's studios.
pub struct AnalyticsByCompanyIdLoader(pub Arc<StudiosCtx>);

impl Loader<Uuid> for AnalyticsByCompanyIdLoader {
    type Value = Analytics;
    type Error = GraphError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Analytics>, GraphError> {
        studiogate_graph::telemetry::batch("analytics.by_company", keys.len(), async {
            let scope = self.0.scope().await?;
            let sources = Per::Company.sources(&scope, keys, self.0.db.get_database_backend());
            figures(&self.0.db, keys, sources).await
        })
        .await
    }
}
