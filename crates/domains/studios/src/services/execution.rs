//! Starting workflow executions and moving them through their state machine.

use sea_orm::{ActiveModelTrait, ColumnTrait, QueryFilter, Set};
use serde_json::{json, Value};
use studiogate_entities_studios::{
    files, scope, workflow_executions as executions, workflow_templates,
};
use studiogate_graph::loader::visible_row;
use studiogate_graph::loader::Visible;
use studiogate_graph::GraphError;
use uuid::Uuid;

use super::lease::lease_until;
use super::{now, visible_studio};
use crate::context::StudiosCtx;
use crate::enums::{ExecutionStatus, FileUsageType};
use crate::error::StudiosError;
use crate::events::StudiosEvent;
use crate::rules::execution::{
    append_logs, check_report, check_schema, edge, transition, Actor, Edge, Timing,
};

/// A file handed to a new execution.
pub struct FileInput {
    pub file_id: Uuid,
    pub usage_type: FileUsageType,
}

pub async fn start(
    ctx: &StudiosCtx,
    studio_id: Uuid,
    template_id: Uuid,
    input: Value,
    used: Vec<FileInput>,
) -> Result<executions::Model, StudiosError> {
    let studio = visible_studio(ctx, studio_id).await?;
    let template = Visible::<workflow_templates::Entity>::visible(ctx)
        .await?
        .filter(workflow_templates::Column::Id.eq(template_id))
        .one(&ctx.db)
        .await?
        .ok_or_else(|| GraphError::not_found("WorkflowTemplate").with_field("templateId"))?;
    if !template.is_active {
        return Err(GraphError::bad_input("templateId", "The template is not active").into());
    }
    check_schema("inputData", "input", &template.input_schema, &input)?;
    let ids: Vec<Uuid> = used.iter().map(|f| f.file_id).collect();
    let found: Vec<Uuid> = Visible::<files::Entity>::visible(ctx)
        .await?
        .filter(files::Column::Id.is_in(ids.clone()))
        .filter(files::Column::StudioId.eq(studio.id))
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|f| f.id)
        .collect();
    if let Some(i) = ids.iter().position(|id| !found.contains(id)) {
        return Err(GraphError::bad_input(
            format!("files.{i}.fileId"),
            "Files must belong to the execution's studio",
        )
        .into());
    }
    let files_used: Vec<Value> = used
        .iter()
        .map(|f| json!({ "file_id": f.file_id, "usage_type": f.usage_type.as_db() }))
        .collect();
    let at = now();
    let row = executions::ActiveModel {
        id: Set(Uuid::new_v4()),
        studio_id: Set(studio.id),
        template_id: Set(template.id),
        user_id: Set(ctx.account_id()?),
        input_data: Set(input),
        output_data: Set(None),
        status: Set(ExecutionStatus::Pending.as_db().into()),
        activepieces_run_id: Set(None),
        started_at: Set(None),
        completed_at: Set(None),
        duration_seconds: Set(None),
        error_message: Set(None),
        retry_count: Set(0),
        logs: Set(json!([{ "at": at, "level": "info", "message": "created" }])),
        files_used: Set(json!(files_used)),
        created_at: Set(at),
        lease_expires_at: Set(None),
        claimed_by: Set(None),
    }
    .insert(&ctx.db)
    .await?;
    ctx.events.publish(&StudiosEvent::execution(&row)).await;
    Ok(row)
}

/// What a status change carries besides the status.
#[derive(Default)]
pub struct Report {
    pub output_data: Option<Value>,
    pub error_message: Option<String>,
    pub log_lines: Vec<String>,
    /// The ActivePieces run that did the work (runners only).
    pub activepieces_run_id: Option<Uuid>,
}

/// What a cancelled execution says when the person gave no reason.
const CANCELLED: &str = "Cancelled";

/// Refuses output that does not satisfy the execution's template's output schema (a template
/// without one takes any output). The template is read whether or not it is still active: the
/// execution was started from it, and its schema is what the output promises.
async fn check_output(
    ctx: &StudiosCtx,
    current: &executions::Model,
    output: &Value,
) -> Result<(), StudiosError> {
    let template = scope::templates(true)
        .filter(workflow_templates::Column::Id.eq(current.template_id))
        .one(&ctx.db)
        .await?
        .ok_or_else(|| GraphError::not_found("WorkflowTemplate"))?;
    if let Some(schema) = &template.output_schema {
        check_schema("outputData", "output", schema, output)?;
    }
    Ok(())
}

/// Moves an execution to `to` if the state machine allows it from where it is now and the
/// move is the caller's (`rules::execution::EDGES`). The update only applies if the status is
/// still the one we read, so two racing changes cannot both win. `runner`: the account of the
/// runner holding the claim, which must still hold it; without one the caller is a person.
/// Entering RUNNING (a person's resume) starts a new lease for the claim's runner, so the lease
/// sweep returns the execution to PENDING if that runner is gone; leaving RUNNING ends it.
/// Output that does not satisfy the template's output schema is refused and nothing changes.
pub async fn change_status(
    ctx: &StudiosCtx,
    id: Uuid,
    to: ExecutionStatus,
    mut report: Report,
    runner: Option<Uuid>,
) -> Result<executions::Model, StudiosError> {
    check_report(report.error_message.as_deref(), &report.log_lines)?;
    let current = visible_row::<executions::Entity, _>(ctx, id, "WorkflowExecution").await?;
    let from = ExecutionStatus::from_db(&current.status)?;
    let by = if runner.is_some() {
        Actor::Runner
    } else {
        Actor::Person
    };
    let cancel = edge(from, to, by)? == Edge::Cancel;
    if cancel && report.error_message.is_none() {
        report.error_message = Some(CANCELLED.to_owned());
    }
    if let Some(output) = &report.output_data {
        check_output(ctx, &current, output).await?;
    }
    let at = now();
    let timing = transition(
        from,
        to,
        by,
        &Timing {
            started_at: current.started_at,
            completed_at: current.completed_at,
            duration_seconds: current.duration_seconds,
            retry_count: current.retry_count,
        },
        at,
    )?;
    // Appended to, and cut to the newest entries: the log stays bounded however often a
    // long-running execution reports.
    let mut new = vec![json!({ "at": at, "level": "info", "message": format!(
            "{} -> {}{}",
            from.as_db(),
            to.as_db(),
            if cancel { " (cancelled)" } else { "" }
        ) })];
    new.extend(
        report
            .log_lines
            .iter()
            .map(|line| json!({ "at": at, "level": "info", "message": line })),
    );
    let logs = append_logs(current.logs.as_array().cloned().unwrap_or_default(), new);
    let mut row: executions::ActiveModel = current.clone().into();
    row.status = Set(to.as_db().into());
    row.started_at = Set(timing.started_at);
    row.completed_at = Set(timing.completed_at);
    row.duration_seconds = Set(timing.duration_seconds);
    row.retry_count = Set(timing.retry_count);
    row.logs = Set(Value::Array(logs));
    row.lease_expires_at = Set((to == ExecutionStatus::Running).then(|| lease_until(ctx, at)));
    if let Some(output) = report.output_data {
        row.output_data = Set(Some(output));
    }
    if let Some(run) = report.activepieces_run_id {
        row.activepieces_run_id = Set(Some(run));
    }
    if to == ExecutionStatus::Failed || report.error_message.is_some() {
        row.error_message = Set(report.error_message);
    }
    let mut update = ctx
        .scope()
        .await?
        .update_executions()
        .set(row)
        .filter(executions::Column::Id.eq(current.id))
        .filter(executions::Column::Status.eq(current.status.clone()));
    if let Some(runner) = runner {
        update = update.filter(executions::Column::ClaimedBy.eq(runner));
    }
    let result = update.exec(&ctx.db).await?;
    if result.rows_affected != 1 {
        return Err(StudiosError::ExecutionChangedMeanwhile);
    }
    let row = visible_row::<executions::Entity, _>(ctx, current.id, "WorkflowExecution").await?;
    ctx.events.publish(&StudiosEvent::execution(&row)).await;
    Ok(row)
}
