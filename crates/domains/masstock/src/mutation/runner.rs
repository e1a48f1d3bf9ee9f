//! The runner protocol, for service tokens: claim, heartbeat, report each batch result, fail.

use async_graphql::{Context, InputObject, Object, SimpleObject, Upload};
use studiogate_graph::error::GraphResult;
use studiogate_graph::GraphError;
use uuid::Uuid;

use super::MasstockExecutionPayload;
use crate::context::masstock_ctx;
use crate::enums::RunStatus;
use crate::objects::{MasstockBatchResult, MasstockWorkflowExecution};
use crate::services::runner;

pub const FIELDS: &[&str] = &[
    "masstockClaimExecutions",
    "masstockHeartbeatExecution",
    "masstockReportBatchResult",
    "masstockFailExecution",
];

#[derive(Default)]
pub struct MasstockRunnerMutation;

/// An execution a runner now holds, with what it needs to run it.
pub struct MasstockClaimedExecution(runner::Claimed);

/// An execution a runner now holds, with what it needs to run it.
#[Object]
impl MasstockClaimedExecution {
    /// The execution, PROCESSING under this runner's lease.
    async fn workflow_execution(&self) -> MasstockWorkflowExecution {
        MasstockWorkflowExecution(self.0.execution.clone())
    }

    /// The API key the execution was started with, decrypted for this runner (service
    /// tokens only; null when none was given).
    async fn api_key(&self) -> Option<&str> {
        self.0.api_key.as_deref()
    }
}

/// The executions a runner took.
#[derive(SimpleObject)]
pub struct MasstockClaimExecutionsPayload {
    /// Oldest first.
    pub executions: Vec<MasstockClaimedExecution>,
}

/// A batch result as the runner left it, and its execution (finished with its last result).
#[derive(SimpleObject)]
pub struct MasstockBatchReportPayload {
    pub batch_result: MasstockBatchResult,
    pub workflow_execution: MasstockWorkflowExecution,
}

/// A runner's report on one batch result.
#[derive(InputObject)]
#[graphql(name = "MasstockReportBatchResultInput")]
pub struct ReportBatchResultInput {
    pub execution_id: Uuid,
    pub batch_index: i32,
    /// PROCESSING from PENDING; COMPLETED or FAILED from PROCESSING.
    pub status: RunStatus,
    /// With COMPLETED only: PNG, JPEG or WebP, at most 10 MB.
    pub image: Option<Upload>,
    pub error_message: Option<String>,
    pub processing_time_ms: Option<i32>,
}

/// A runner gives up on an execution.
#[derive(InputObject)]
#[graphql(name = "MasstockFailExecutionInput")]
pub struct FailExecutionInput {
    pub execution_id: Uuid,
    pub error_message: String,
}

#[Object]
impl MasstockRunnerMutation {
    /// Takes up to `limit` (1..50) pending executions of the clients the token's account is a
    /// member of, oldest first. Service tokens only.
    async fn masstock_claim_executions(
        &self,
        ctx: &Context<'_>,
        limit: i32,
    ) -> GraphResult<MasstockClaimExecutionsPayload> {
        let rows = runner::claim(masstock_ctx(ctx), limit)
            .await
            .map_err(GraphError::from)?;
        Ok(MasstockClaimExecutionsPayload {
            executions: rows.into_iter().map(MasstockClaimedExecution).collect(),
        })
    }

    /// Extends the lease of an execution this runner holds; CONFLICT/LEASE_LOST when it no
    /// longer does. Service tokens only.
    async fn masstock_heartbeat_execution(
        &self,
        ctx: &Context<'_>,
        execution_id: Uuid,
    ) -> GraphResult<MasstockExecutionPayload> {
        let row = runner::heartbeat(masstock_ctx(ctx), execution_id)
            .await
            .map_err(GraphError::from)?;
        Ok(MasstockExecutionPayload {
            workflow_execution: MasstockWorkflowExecution(row),
        })
    }

    /// Reports one batch result of an execution this runner holds; the execution finishes
    /// with its last result. Service tokens only.
    async fn masstock_report_batch_result(
        &self,
        ctx: &Context<'_>,
        input: ReportBatchResultInput,
    ) -> GraphResult<MasstockBatchReportPayload> {
        let image = match input.image {
            Some(upload) => {
                let value = upload.value(ctx)?;
                Some(runner::Image {
                    file: value.content,
                    content_type: value.content_type,
                })
            }
            None => None,
        };
        let report = runner::BatchReport {
            execution_id: input.execution_id,
            batch_index: input.batch_index,
            status: input.status,
            error_message: input.error_message,
            processing_time_ms: input.processing_time_ms,
            image,
        };
        let (result, execution) = runner::report_batch(masstock_ctx(ctx), report)
            .await
            .map_err(GraphError::from)?;
        Ok(MasstockBatchReportPayload {
            batch_result: MasstockBatchResult(result),
            workflow_execution: MasstockWorkflowExecution(execution),
        })
    }

    /// Fails an execution this runner holds, with its unfinished results. Service tokens only.
    async fn masstock_fail_execution(
        &self,
        ctx: &Context<'_>,
        input: FailExecutionInput,
    ) -> GraphResult<MasstockExecutionPayload> {
        let row = runner::fail(masstock_ctx(ctx), input.execution_id, input.error_message)
            .await
            .map_err(GraphError::from)?;
        Ok(MasstockExecutionPayload {
            workflow_execution: MasstockWorkflowExecution(row),
        })
    }
}
