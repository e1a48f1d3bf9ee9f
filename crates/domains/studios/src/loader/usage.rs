//! Files an execution used live in its `files_used` JSON list; this is the way back, from a file
//! to the executions that used it, in one statement per batch of files.

use async_graphql::dataloader::Loader;
use sea_orm::sea_query::Expr;
use sea_orm::{ConnectionTrait, DbBackend, QueryFilter, QueryOrder};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;
use studiogate_entities_studios::workflow_executions as executions;
use studiogate_graph::loader::Visible;
use studiogate_graph::GraphError;
use uuid::Uuid;

use crate::context::StudiosCtx;

/// One entry of `files_used`.
#[derive(Deserialize, Clone)]
pub struct FileUsage {
    pub file_id: Uuid,
    pub usage_type: String,
}

/// The entries of `files_used`, read from the row's document without copying it.
pub fn usages(execution: &executions::Model) -> Vec<FileUsage> {
    Vec::<FileUsage>::deserialize(&execution.files_used).unwrap_or_default()
}

/// Executions (newest first) that used each file, with how they used it.
pub struct UsagesByFileIdLoader(pub Arc<StudiosCtx>);

impl Loader<Uuid> for UsagesByFileIdLoader {
    type Value = Vec<(executions::Model, String)>;
    type Error = GraphError;

    async fn load(&self, files: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, GraphError> {
        studiogate_graph::telemetry::batch("executions.by_file", files.len(), self.fetch(files))
            .await
    }
}

impl UsagesByFileIdLoader {
    async fn fetch(
        &self,
        files: &[Uuid],
    ) -> Result<HashMap<Uuid, <Self as Loader<Uuid>>::Value>, GraphError> {
        let db = &self.0.db;
        let ids: Vec<String> = files.iter().map(Uuid::to_string).collect();
        let uses_a_file = match db.get_database_backend() {
            DbBackend::Postgres => {
                let marks: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
                format!(
                    "workflow_executions.id IN (SELECT e.id FROM workflow_executions e \
                     CROSS JOIN LATERAL jsonb_array_elements(e.files_used) u \
                     WHERE u->>'file_id' IN ({}))",
                    marks.join(", ")
                )
            }
            _ => format!(
                "workflow_executions.id IN (SELECT e.id FROM workflow_executions e, \
                 json_each(e.files_used) u WHERE json_extract(u.value, '$.file_id') IN ({}))",
                vec!["?"; ids.len()].join(", ")
            ),
        };
        let rows = Visible::<executions::Entity>::visible(self.0.as_ref())
            .await?
            .filter(Expr::cust_with_values(uses_a_file, ids))
            .order_by_desc(executions::Column::CreatedAt)
            .order_by_desc(executions::Column::Id)
            .all(db)
            .await?;
        let mut out: HashMap<Uuid, <Self as Loader<Uuid>>::Value> =
            files.iter().map(|f| (*f, Vec::new())).collect();
        for row in rows {
            for usage in usages(&row) {
                if let Some(list) = out.get_mut(&usage.file_id) {
                    list.push((row.clone(), usage.usage_type));
                }
            }
        }
        Ok(out)
    }
}
