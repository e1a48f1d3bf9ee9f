//! The runner protocol, for service tokens: claim, heartbeat, report.

use async_graphql::{Context, InputObject, Json, Object, SimpleObject};
use studiogate_graph::error::GraphResult;
use studiogate_graph::GraphError;
use uuid::Uuid;

use crate::context::writer;
use crate::enums::{BusinessArea, ExecutionStatus};
use crate::objects::WorkflowExecution;
use crate::services::execution::Report;
use crate::services::runner;

#[derive(Default)]
pub struct RunnerMutation;

/// Which pending executions a runner takes.
#[derive(InputObject)]
pub struct ClaimWorkflowExecutionsInput {
    /// How many at most, 1..100.
    pub limit: i32,
    /// Only executions of studios in this business area.
    pub business_area: Option<BusinessArea>,
}

/// The executions a runner now holds.
#[derive(SimpleObject)]
pub struct ClaimWorkflowExecutionsPayload {
    /// RUNNING, oldest first, each under a lease (`leaseExpiresAt`) held by this runner. Each
    /// names what to run: `inputData`, and `template { activepiecesFlowId }`, the ActivePieces
    /// flow that implements it (null when the template has been deactivated since).
    pub workflow_executions: Vec<WorkflowExecution>,
}

/// An execution the runner holds.
#[derive(InputObject)]
pub struct HeartbeatWorkflowExecutionInput {
    pub id: Uuid,
}

/// A runner's outcome for an execution it holds.
#[derive(InputObject)]
pub struct ReportWorkflowExecutionInput {
    pub id: Uuid,
    /// SUCCEEDED or FAILED from RUNNING. Pausing, resuming and retrying are people's moves
    /// (FORBIDDEN to runners, reason PERSON_TRANSITION).
    pub status: ExecutionStatus,
    /// Must satisfy the template's output schema when it has one; violations come back as
    /// BAD_USER_INPUT on `outputData` with `extensions.violations: [{ pointer, message }]`,
    /// and nothing changes.
    pub output_data: Option<Json<serde_json::Value>>,
    /// Appended to the execution's log: at most 100 lines of at most 2000 characters each
    /// (BAD_USER_INPUT on `logLines` otherwise, and nothing changes). The execution keeps its
    /// newest 200 log entries.
    pub log_lines: Option<Vec<String>>,
    /// At most 2000 characters.
    pub error_message: Option<String>,
    /// The ActivePieces flow run that did the work, stored as the execution's
    /// `activepiecesRunId` (left as it was when not given).
    pub activepieces_run_id: Option<Uuid>,
}

/// The execution as the runner left it.
#[derive(SimpleObject)]
pub struct RunnerExecutionPayload {
    pub workflow_execution: WorkflowExecution,
}

#[Object]
impl RunnerMutation {
    /// Moves up to `limit` pending executions the token's account can see to RUNNING and hands
    /// them to this runner. No execution is ever handed out twice, also to concurrent
    /// claimers. Service tokens only.
    async fn claim_workflow_executions(
        &self,
        ctx: &Context<'_>,
        input: ClaimWorkflowExecutionsInput,
    ) -> GraphResult<ClaimWorkflowExecutionsPayload> {
        let rows = runner::claim(writer(ctx), input.limit, input.business_area)
            .await
            .map_err(GraphError::from)?;
        Ok(ClaimWorkflowExecutionsPayload {
            workflow_executions: rows.into_iter().map(WorkflowExecution::from).collect(),
        })
    }

    /// Extends the lease of a running execution this runner holds; CONFLICT with reason
    /// LEASE_LOST when it no longer does. Service tokens only.
    async fn heartbeat_workflow_execution(
        &self,
        ctx: &Context<'_>,
        input: HeartbeatWorkflowExecutionInput,
    ) -> GraphResult<RunnerExecutionPayload> {
        let row = runner::heartbeat(writer(ctx), input.id)
            .await
            .map_err(GraphError::from)?;
        Ok(RunnerExecutionPayload {
            workflow_execution: WorkflowExecution::from(row),
        })
    }

    /// Reports the outcome of an execution this runner holds, through the state machine
    /// (INVALID_TRANSITION otherwise; FORBIDDEN for a person's move; CONFLICT/LEASE_LOST once
    /// the lease is gone). Service tokens only.
    async fn report_workflow_execution(
        &self,
        ctx: &Context<'_>,
        input: ReportWorkflowExecutionInput,
    ) -> GraphResult<RunnerExecutionPayload> {
        let report = Report {
            output_data: input.output_data.map(|j| j.0),
            error_message: input.error_message,
            log_lines: input.log_lines.unwrap_or_default(),
            activepieces_run_id: input.activepieces_run_id,
        };
        let row = runner::report(writer(ctx), input.id, input.status, report)
            .await
            .map_err(GraphError::from)?;
        Ok(RunnerExecutionPayload {
            workflow_execution: WorkflowExecution::from(row),
        })
    }
}
