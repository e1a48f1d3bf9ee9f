//! The spec's analytics: execution success rate per client, and the workflows used most.
//! Both aggregate over the viewer's visible executions (a member sees their clients' figures,
//! a platform admin everyone's), one GROUP BY each.

use async_graphql::dataloader::Loader;
use async_graphql::SimpleObject;
use sea_orm::sea_query::Expr;
use sea_orm::{ConnectionTrait, QueryFilter, QueryOrder, QuerySelect, Select};
use std::collections::HashMap;
use std::sync::Arc;
use studiogate_entities_masstock::masstock_workflow_executions as executions;
use studiogate_graph::loader::in_keys;
use studiogate_graph::GraphError;
use uuid::Uuid;

use crate::context::MasstockCtx;

/// How a client's executions went.
#[derive(SimpleObject, Clone, Default, Debug, PartialEq)]
#[graphql(name = "MasstockSuccessRate")]
pub struct SuccessRate {
    /// Executions started.
    pub total_executions: i64,
    /// Executions that completed.
    pub successful: i64,
    /// Executions that failed.
    pub failed: i64,
    /// `successful / total * 100`, rounded to two decimals; null without executions.
    pub success_rate_percent: Option<f64>,
}

impl SuccessRate {
    fn new(total: i64, successful: i64, failed: i64) -> Self {
        let rate = (total > 0).then(|| {
            let percent = successful as f64 / total as f64 * 100.0;
            (percent * 100.0).round() / 100.0
        });
        Self {
            total_executions: total,
            successful,
            failed,
            success_rate_percent: rate,
        }
    }
}

/// `(parent, total, completed, failed, average duration)`.
pub type Figures = (Uuid, i64, i64, i64, Option<f64>);

/// Execution figures of `select`, grouped by `group`.
pub fn figures(
    select: Select<executions::Entity>,
    group: executions::Column,
) -> Select<executions::Entity> {
    const T: &str = "masstock_workflow_executions";
    select
        .select_only()
        .column_as(Expr::col(group), "parent")
        .column_as(Expr::cust("COUNT(*)"), "total")
        .column_as(
            Expr::cust(format!(
                "COALESCE(SUM(CASE WHEN {T}.status = 'completed' THEN 1 ELSE 0 END), 0)"
            )),
            "completed",
        )
        .column_as(
            Expr::cust(format!(
                "COALESCE(SUM(CASE WHEN {T}.status = 'failed' THEN 1 ELSE 0 END), 0)"
            )),
            "failed",
        )
        .column_as(
            Expr::cust(format!(
                "CAST(AVG({T}.duration_seconds) AS DOUBLE PRECISION)"
            )),
            "avg_duration",
        )
        .group_by(group)
}

/// A client's success rate, batched: one GROUP BY over the visible executions.
pub struct SuccessByClientIdLoader(pub Arc<MasstockCtx>);

impl Loader<Uuid> for SuccessByClientIdLoader {
    type Value = SuccessRate;
    type Error = GraphError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, SuccessRate>, GraphError> {
        let scope = self.0.scope().await?;
        let rows: Vec<Figures> = figures(
            scope.executions().filter(in_keys(
                executions::Column::ClientId,
                keys,
                self.0.db.get_database_backend(),
            )),
            executions::Column::ClientId,
        )
        .into_tuple()
        .all(&self.0.db)
        .await?;
        let mut out: HashMap<Uuid, SuccessRate> =
            keys.iter().map(|k| (*k, SuccessRate::default())).collect();
        for (client, total, completed, failed, _) in rows {
            out.insert(client, SuccessRate::new(total, completed, failed));
        }
        Ok(out)
    }
}

/// The clients with the most executions first: `(client, figures)`.
pub async fn success_by_client(
    ctx: &MasstockCtx,
    limit: u64,
) -> Result<Vec<(Uuid, SuccessRate)>, GraphError> {
    let rows: Vec<Figures> = figures(
        ctx.scope().await?.executions(),
        executions::Column::ClientId,
    )
    .order_by_desc(Expr::cust("COUNT(*)"))
    .order_by_asc(executions::Column::ClientId)
    .limit(limit)
    .into_tuple()
    .all(&ctx.db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(c, total, ok, failed, _)| (c, SuccessRate::new(total, ok, failed)))
        .collect())
}

/// A workflow's use.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Usage {
    pub execution_count: i64,
    pub successful_count: i64,
    pub avg_duration_seconds: Option<f64>,
}

/// Use of each visible workflow that ran, most used first.
pub async fn usage_by_workflow(
    ctx: &MasstockCtx,
    limit: u64,
) -> Result<Vec<(Uuid, Usage)>, GraphError> {
    let rows: Vec<Figures> = figures(
        ctx.scope().await?.executions(),
        executions::Column::WorkflowId,
    )
    .order_by_desc(Expr::cust("COUNT(*)"))
    .order_by_asc(executions::Column::WorkflowId)
    .limit(limit)
    .into_tuple()
    .all(&ctx.db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(w, total, ok, _, avg)| {
            let usage = Usage {
                execution_count: total,
                successful_count: ok,
                avg_duration_seconds: avg,
            };
            (w, usage)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_is_a_rounded_percentage_and_null_without_executions() {
        assert_eq!(SuccessRate::new(3, 2, 1).success_rate_percent, Some(66.67));
        assert_eq!(SuccessRate::new(0, 0, 0).success_rate_percent, None);
    }
}
