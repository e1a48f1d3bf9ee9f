use async_graphql::{Context, InputObject, Json, Object, SimpleObject};
use studiogate_graph::error::GraphResult;
use studiogate_graph::GraphError;
use uuid::Uuid;

use crate::context::writer;
use crate::enums::{ExecutionStatus, FileUsageType};
use crate::objects::WorkflowExecution;
use crate::services::execution::{self, FileInput, Report};

#[derive(Default)]
pub struct ExecutionMutation;

/// A file of the studio handed to the execution.
#[derive(InputObject)]
pub struct ExecutionFileInput {
    pub file_id: Uuid,
    #[graphql(default_with = "FileUsageType::Input")]
    pub usage_type: FileUsageType,
}

/// Runs a template in a studio.
#[derive(InputObject)]
pub struct StartWorkflowExecutionInput {
    pub studio_id: Uuid,
    /// An active template.
    pub template_id: Uuid,
    /// Must satisfy the template's input schema; violations come back as BAD_USER_INPUT with
    /// `extensions.violations: [{ pointer, message }]`.
    pub input_data: Json<serde_json::Value>,
    /// Files of the same studio.
    #[graphql(default)]
    pub files: Vec<ExecutionFileInput>,
}

/// A person's move of an execution: pause (RUNNING -> PAUSED), resume (PAUSED -> RUNNING),
/// cancel (RUNNING -> FAILED) or retry (FAILED -> PENDING, at most 3 times). Starting,
/// succeeding and failing belong to runners (FORBIDDEN here, reason RUNNER_TRANSITION).
#[derive(InputObject)]
pub struct ChangeWorkflowExecutionStatusInput {
    pub id: Uuid,
    pub status: ExecutionStatus,
    /// Must satisfy the template's output schema when it has one; violations come back as
    /// BAD_USER_INPUT on `outputData` with `extensions.violations: [{ pointer, message }]`,
    /// and nothing changes.
    pub output_data: Option<Json<serde_json::Value>>,
    /// At most 2000 characters; a cancel without one says "Cancelled".
    pub error_message: Option<String>,
    /// Appended to the execution's log: at most 100 lines of at most 2000 characters each
    /// (BAD_USER_INPUT on `logLines` otherwise, and nothing changes). The execution keeps its
    /// newest 200 log entries.
    pub log_lines: Option<Vec<String>>,
}

/// The execution as it now is.
#[derive(SimpleObject)]
pub struct WorkflowExecutionPayload {
    pub workflow_execution: WorkflowExecution,
}

#[Object]
impl ExecutionMutation {
    /// Starts an execution (PENDING) of a template in a studio.
    async fn start_workflow_execution(
        &self,
        ctx: &Context<'_>,
        input: StartWorkflowExecutionInput,
    ) -> GraphResult<WorkflowExecutionPayload> {
        let files = input
            .files
            .into_iter()
            .map(|f| FileInput {
                file_id: f.file_id,
                usage_type: f.usage_type,
            })
            .collect();
        let row = execution::start(
            writer(ctx),
            input.studio_id,
            input.template_id,
            input.input_data.0,
            files,
        )
        .await
        .map_err(GraphError::from)?;
        Ok(WorkflowExecutionPayload {
            workflow_execution: WorkflowExecution::from(row),
        })
    }

    /// Pauses, resumes, cancels or retries an execution, also one a runner holds (the runner
    /// then gets LEASE_LOST). A move the state machine does not have is INVALID_TRANSITION; a
    /// runner's move (start, succeed, fail) is FORBIDDEN.
    async fn change_workflow_execution_status(
        &self,
        ctx: &Context<'_>,
        input: ChangeWorkflowExecutionStatusInput,
    ) -> GraphResult<WorkflowExecutionPayload> {
        let report = Report {
            output_data: input.output_data.map(|j| j.0),
            error_message: input.error_message,
            log_lines: input.log_lines.unwrap_or_default(),
            activepieces_run_id: None,
        };
        let row = execution::change_status(writer(ctx), input.id, input.status, report, None)
            .await
            .map_err(GraphError::from)?;
        Ok(WorkflowExecutionPayload {
            workflow_execution: WorkflowExecution::from(row),
        })
    }
}
