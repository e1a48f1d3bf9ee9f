//! Files an execution used live in its `files_used` JSON list; this is the way back, from a file
//! to the executions that used it, in one statement per batch of files.

use async_graphql::dataloader::Loader;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ConnectionTrait, DbBackend, DbErr, FromQueryResult, QueryFilter, QueryOrder, QueryResult,
};
use serde::{Deserialize, Deserializer};
use std::collections::HashMap;
use std::sync::Arc;
use studiogate_entities_studios::{files, workflow_executions as executions};
use studiogate_graph::loader::{column, nullable, ModelRow, PageRow, Present, Visible};
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

/// `files_used` decoded from the database's bytes straight into its entries, with no
/// `serde_json::Value` in between; a JSON `null` is no entry, and so is SQL `NULL` (the column
/// left out of a page).
#[derive(Clone, Default)]
pub struct Usages(pub Vec<FileUsage>);

impl<'de> Deserialize<'de> for Usages {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Self(
            Option::<Vec<FileUsage>>::deserialize(d)?.unwrap_or_default(),
        ))
    }
}

impl sea_orm::TryGetableFromJson for Usages {}

/// An execution as a page of executions reads it: every column of the model but `files_used`,
/// which is decoded into [`Usages`] instead (the model's `files_used` is a JSON `null`). The
/// statement is the page's own; a page whose selection reads no `files` leaves the column out
/// ([`studiogate_graph::loader::LazyColumn`]) and has no usages.
#[derive(Clone)]
pub struct ExecutionRow {
    pub model: executions::Model,
    pub usages: Usages,
}

/// A page's columns come in the model's column order, less the columns it leaves out
/// ([`PageRow::LEAN`]), so a row is read by position ([`Present`]): by name, every value costs
/// a hash lookup of its name, and every SQL `NULL` a formatted copy of it (the error sea-orm
/// builds before `Option` turns it into `None`). Pages have no prefix.
impl FromQueryResult for ExecutionRow {
    fn from_query_result(res: &QueryResult, pre: &str) -> Result<Self, DbErr> {
        debug_assert!(pre.is_empty(), "a page's row has no prefix");
        Self::from_page(res, Present::ALL)
    }
}

/// A file as the file loader reads it: by position, like [`ExecutionRow`] (a nested read
/// decodes about a thousand files). The loader's statement selects the model's columns in
/// their order.
pub struct FileRow(files::Model);

impl FromQueryResult for FileRow {
    fn from_query_result(res: &QueryResult, pre: &str) -> Result<Self, DbErr> {
        use files::Column as C;
        debug_assert!(pre.is_empty(), "the file loader's row has no prefix");
        Ok(Self(files::Model {
            id: column(res, C::Id as usize)?,
            studio_id: column(res, C::StudioId as usize)?,
            uploaded_by: column(res, C::UploadedBy as usize)?,
            filename: column(res, C::Filename as usize)?,
            file_size: column(res, C::FileSize as usize)?,
            mime_type: column(res, C::MimeType as usize)?,
            supabase_path: column(res, C::SupabasePath as usize)?,
            upload_timestamp: column(res, C::UploadTimestamp as usize)?,
            last_accessed: nullable(res, C::LastAccessed as usize)?,
            access_level: column(res, C::AccessLevel as usize)?,
            metadata: column(res, C::Metadata as usize)?,
        }))
    }
}

impl ModelRow<files::Entity> for FileRow {
    fn into_model(self) -> files::Model {
        self.0
    }
}

impl PageRow<executions::Entity> for ExecutionRow {
    const NULL_JSON: bool = true;
    const LEAN: bool = true;

    fn from_page(res: &QueryResult, at: Present) -> Result<Self, DbErr> {
        use executions::Column as C;
        let model = executions::Model {
            id: at.column(res, C::Id as usize)?,
            studio_id: at.column(res, C::StudioId as usize)?,
            template_id: at.column(res, C::TemplateId as usize)?,
            user_id: at.column(res, C::UserId as usize)?,
            input_data: at.json_or_null(res, C::InputData as usize)?,
            output_data: at.nullable(res, C::OutputData as usize)?,
            status: at.column(res, C::Status as usize)?,
            activepieces_run_id: at.nullable(res, C::ActivepiecesRunId as usize)?,
            started_at: at.nullable(res, C::StartedAt as usize)?,
            completed_at: at.nullable(res, C::CompletedAt as usize)?,
            duration_seconds: at.nullable(res, C::DurationSeconds as usize)?,
            error_message: at.nullable(res, C::ErrorMessage as usize)?,
            retry_count: at.column(res, C::RetryCount as usize)?,
            logs: at.json_or_null(res, C::Logs as usize)?,
            files_used: serde_json::Value::Null,
            created_at: at.column(res, C::CreatedAt as usize)?,
            lease_expires_at: at.nullable(res, C::LeaseExpiresAt as usize)?,
            claimed_by: at.nullable(res, C::ClaimedBy as usize)?,
        };
        // `NULL`, or not in the statement, when the page left the column out: no usages.
        let usages = match at.at(C::FilesUsed as usize) {
            Some(idx) => res.try_get_by_index::<Option<Usages>>(idx)?,
            None => None,
        };
        Ok(Self {
            model,
            usages: usages.unwrap_or_default(),
        })
    }

    fn model(&self) -> &executions::Model {
        &self.model
    }
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

#[cfg(test)]
mod tests {
    use super::{executions, files};
    use sea_orm::Iterable;

    /// [`super::ExecutionRow`] and [`super::FileRow`] read a column at its number: the
    /// numbers must be the order in which the statements select the columns.
    #[test]
    fn columns_are_numbered_in_the_order_pages_select_them() {
        for (i, column) in executions::Column::iter().enumerate() {
            assert_eq!(column as usize, i, "{column:?}");
        }
        for (i, column) in files::Column::iter().enumerate() {
            assert_eq!(column as usize, i, "{column:?}");
        }
    }
}
