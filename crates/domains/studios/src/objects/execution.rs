use async_graphql::resolver_utils::enum_value;
use async_graphql::{to_value, Context, Json, Object, ScalarType, Value};
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::Arc;
use studiogate_entities_studios::{files, workflow_executions, workflow_templates};
use studiogate_graph::error::GraphResult;
use studiogate_graph::loader::{lazy_count, node_selects, paged_rows};
use studiogate_graph::pagination::{connection, ListConnection};
use studiogate_graph::plain::{Plain, PlainField, PlainList, PlainObject, PlainType, Plan};
use studiogate_graph::{GraphError, ListOrder, PageArgs};

use crate::loader::{ExecutionRow, FileUsage, WorkflowExecutionFilter};
use uuid::Uuid;

use super::{utc, File, Studio, User, WorkflowTemplate};
use crate::enums::{ExecutionStatus, FileUsageType};
use crate::loader::loaders;

/// A page of executions under one parent (a studio, a template or a person), with its lazy
/// `totalCount`: the shared body of the three `executions` fields. When the executions'
/// `files` are selected, the files of the whole page are loaded here, in one request to the
/// file loader, and each execution answers `files` from them: one wait per page, not one per
/// execution (a studio's ten executions would otherwise each wait on the loader). The page's
/// rows carry their `files_used` already decoded ([`ExecutionRow`]).
pub(crate) async fn executions_page(
    ctx: &async_graphql::Context<'_>,
    pages: &crate::loader::Paged<
        workflow_executions::Entity,
        WorkflowExecutionFilter,
        ExecutionRow,
    >,
    counts: &crate::loader::Counted<workflow_executions::Entity, WorkflowExecutionFilter>,
    parent: Uuid,
    args: (Option<i32>, Option<String>, Option<ListOrder>),
    filter: Option<WorkflowExecutionFilter>,
) -> GraphResult<ListConnection<PlainObject<WorkflowExecution>>> {
    let args = PageArgs::parse(args.0, args.1, args.2)?;
    let filter = filter.unwrap_or_default();
    let (args, page) = paged_rows(ctx, pages, parent, args, filter.clone()).await?;
    let rows = &page.rows[..page.rows.len().min(args.first as usize)];
    let files = page_files(ctx, rows).await?;
    Ok(connection(
        &args,
        page,
        |r: &ExecutionRow| super::cursor(r.model.created_at, r.model.id),
        |r| {
            let page = files.as_ref().map(|files| PageFiles {
                usages: r.usages.0,
                files: files.clone(),
            });
            PlainObject(WorkflowExecution(r.model, page))
        },
        lazy_count(counts, parent, filter),
    ))
}

/// The visible files of a page's executions, by id, when the executions' `files` field is
/// selected (through `nodes` or `edges { node }`, fragments included).
async fn page_files(
    ctx: &async_graphql::Context<'_>,
    rows: &[ExecutionRow],
) -> GraphResult<Option<Arc<HashMap<Uuid, Arc<files::Model>>>>> {
    if rows.is_empty() || !node_selects(ctx, "files") {
        return Ok(None);
    }
    let ids = rows.iter().flat_map(|r| &r.usages.0).map(|u| u.file_id);
    Ok(Some(Arc::new(loaders(ctx).file.load_many(ids).await?)))
}

/// An execution's file usages as its page read them, and the visible files of the whole page
/// (shared by its executions).
pub struct PageFiles {
    usages: Vec<FileUsage>,
    files: Arc<HashMap<Uuid, Arc<files::Model>>>,
}

/// One run of a workflow template in a studio, with its files as its page loaded them
/// ([`executions_page`]). A page's row has no `files_used` document: its usages are here.
pub struct WorkflowExecution(pub workflow_executions::Model, Option<PageFiles>);

impl From<workflow_executions::Model> for WorkflowExecution {
    fn from(row: workflow_executions::Model) -> Self {
        Self(row, None)
    }
}

/// One run of a workflow template in a studio.
#[Object]
impl WorkflowExecution {
    /// Execution id.
    async fn id(&self) -> Uuid {
        self.0.id
    }

    /// Where the execution stands.
    async fn status(&self) -> GraphResult<ExecutionStatus> {
        Ok(ExecutionStatus::from_db(&self.0.status)?)
    }

    /// The input the execution was started with (valid against the template's input schema).
    async fn input_data(&self) -> Json<serde_json::Value> {
        Json(self.0.input_data.clone())
    }

    /// The workflow's results, once there are any.
    async fn output_data(&self) -> Option<Json<serde_json::Value>> {
        self.0.output_data.clone().map(Json)
    }

    /// The ActivePieces run, once the execution has one.
    async fn activepieces_run_id(&self) -> Option<Uuid> {
        self.0.activepieces_run_id
    }

    /// When the execution started running.
    async fn started_at(&self) -> Option<DateTime<Utc>> {
        self.0.started_at.map(utc)
    }

    /// When the execution finished.
    async fn completed_at(&self) -> Option<DateTime<Utc>> {
        self.0.completed_at.map(utc)
    }

    /// Total run time in seconds.
    async fn duration_seconds(&self) -> Option<i32> {
        self.0.duration_seconds
    }

    /// Why the execution failed.
    async fn error_message(&self) -> Option<&str> {
        self.0.error_message.as_deref()
    }

    /// How many times the execution has been retried (at most 3).
    async fn retry_count(&self) -> i32 {
        self.0.retry_count
    }

    /// Until when the runner that claimed the execution holds it without a heartbeat; null
    /// unless a runner is running it.
    async fn lease_expires_at(&self) -> Option<DateTime<Utc>> {
        self.0.lease_expires_at.map(utc)
    }

    /// Log entries `{ at, level, message }`, oldest first: the newest 200. Once older entries
    /// were dropped, the first is a marker whose `dropped` counts them.
    async fn logs(&self) -> Json<serde_json::Value> {
        Json(self.0.logs.clone())
    }

    /// When the execution was created.
    async fn created_at(&self) -> DateTime<Utc> {
        utc(self.0.created_at)
    }

    /// The studio the execution runs in.
    async fn studio(&self, ctx: &Context<'_>) -> GraphResult<Studio> {
        loaders(ctx)
            .studio
            .load_one(self.0.studio_id)
            .await?
            .map(Studio)
            .ok_or_else(|| GraphError::not_found("Studio").into())
    }

    /// The template the execution runs (null if the template was retired from the catalog).
    async fn template(&self, ctx: &Context<'_>) -> GraphResult<Option<WorkflowTemplate>> {
        let template: Option<workflow_templates::Model> =
            loaders(ctx).template.load_one(self.0.template_id).await?;
        Ok(template.map(WorkflowTemplate))
    }

    /// Who started the execution.
    async fn user(&self, ctx: &Context<'_>) -> GraphResult<Option<User>> {
        Ok(loaders(ctx)
            .profile
            .load_one(self.0.user_id)
            .await?
            .map(User))
    }

    /// The files the execution used, with how it used them. Files the viewer may not see
    /// (another member's private files) are left out.
    async fn files(&self, ctx: &Context<'_>) -> GraphResult<PlainList<ExecutionFile>> {
        if let Some(page) = &self.1 {
            return page.files();
        }
        let usages = crate::loader::usages(&self.0);
        let found = loaders(ctx)
            .file
            .load_many(usages.iter().map(|u| u.file_id))
            .await?;
        execution_files(&usages, &found)
    }
}

impl PageFiles {
    /// The execution's files, as `files` answers them.
    fn files(&self) -> GraphResult<PlainList<ExecutionFile>> {
        execution_files(&self.usages, &self.files)
    }
}

/// The visible files of `usages`, in their order, among the files `found`.
fn execution_files(
    usages: &[FileUsage],
    found: &HashMap<Uuid, Arc<files::Model>>,
) -> GraphResult<PlainList<ExecutionFile>> {
    usages
        .iter()
        .filter_map(|u| {
            let file = found.get(&u.file_id)?.clone();
            Some(
                FileUsageType::from_db(&u.usage_type).map(|usage_type| ExecutionFile {
                    usage_type,
                    file: File(file),
                }),
            )
        })
        .collect::<Result<_, _>>()
        .map(PlainList)
        .map_err(Into::into)
}

/// The fields that read the row alone, and `files` when the execution's page loaded them
/// ([`executions_page`]), answered as their resolvers answer them.
impl Plain for WorkflowExecution {
    fn field(name: &str) -> Option<PlainField> {
        match name {
            "files" => Some(PlainField::Object(PlainType::of::<ExecutionFile>())),
            "id" | "status" | "inputData" | "outputData" | "activepiecesRunId" | "startedAt"
            | "completedAt" | "durationSeconds" | "errorMessage" | "retryCount"
            | "leaseExpiresAt" | "logs" | "createdAt" => Some(PlainField::Leaf),
            _ => None,
        }
    }

    fn value(&self, name: &str, plan: Option<&Plan>) -> Option<Value> {
        let (e, at) = (&self.0, |at: Option<_>| {
            at.map_or(Value::Null, |at| utc(at).to_value())
        });
        Some(match (name, plan) {
            ("files", Some(plan)) => return self.1.as_ref()?.files().ok()?.answer(plan),
            ("id", _) => e.id.to_value(),
            ("status", _) => enum_value(ExecutionStatus::from_db(&e.status).ok()?),
            ("inputData", _) => to_value(&e.input_data).ok()?,
            ("outputData", _) => to_value(&e.output_data).ok()?,
            ("activepiecesRunId", _) => e.activepieces_run_id.map_or(Value::Null, |i| i.to_value()),
            ("startedAt", _) => at(e.started_at),
            ("completedAt", _) => at(e.completed_at),
            ("durationSeconds", _) => e.duration_seconds.map_or(Value::Null, |d| d.to_value()),
            ("errorMessage", _) => e.error_message.clone().map_or(Value::Null, Value::String),
            ("retryCount", _) => e.retry_count.to_value(),
            ("leaseExpiresAt", _) => at(e.lease_expires_at),
            ("logs", _) => to_value(&e.logs).ok()?,
            ("createdAt", _) => utc(e.created_at).to_value(),
            _ => return None,
        })
    }
}

/// A file as an execution used it.
pub struct ExecutionFile {
    pub(crate) usage_type: FileUsageType,
    pub(crate) file: File,
}

/// Both fields read the usage alone ([`PlainList`]).
impl Plain for ExecutionFile {
    fn field(name: &str) -> Option<PlainField> {
        match name {
            "usageType" => Some(PlainField::Leaf),
            "file" => Some(PlainField::Object(PlainType::of::<File>())),
            _ => None,
        }
    }

    fn value(&self, name: &str, plan: Option<&Plan>) -> Option<Value> {
        match (name, plan) {
            ("usageType", _) => Some(enum_value(self.usage_type)),
            ("file", Some(plan)) => plan.answer(&self.file),
            _ => None,
        }
    }
}

#[Object]
impl ExecutionFile {
    /// Whether the file was an input or an output.
    async fn usage_type(&self) -> FileUsageType {
        self.usage_type
    }

    /// The file.
    async fn file(&self) -> &File {
        &self.file
    }
}

/// An execution as it used a file.
pub struct FileExecution {
    pub(crate) usage_type: FileUsageType,
    pub(crate) execution: WorkflowExecution,
}

/// An execution as it used a file.
#[Object]
impl FileExecution {
    /// Whether the file was an input or an output of the execution.
    async fn usage_type(&self) -> FileUsageType {
        self.usage_type
    }

    /// The execution.
    async fn execution(&self) -> &WorkflowExecution {
        &self.execution
    }
}
