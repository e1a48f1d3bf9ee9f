use async_graphql::{Context, Json, Object};
use chrono::{DateTime, Utc};
use studiogate_entities_masstock::{
    masstock_workflow_batch_results as batch_results, masstock_workflow_executions as executions,
};
use studiogate_graph::error::GraphResult;
use studiogate_graph::GraphError;
use uuid::Uuid;

use super::{utc, MasstockClient, MasstockProfile, MasstockWorkflow};
use crate::context::masstock_ctx;
use crate::enums::RunStatus;
use crate::loader::loaders;

/// One run of a workflow for a client: one batch result per prompt.
pub struct MasstockWorkflowExecution(pub executions::Model);

/// One run of a workflow for a client: one batch result per prompt.
#[Object]
impl MasstockWorkflowExecution {
    /// Execution id.
    async fn id(&self) -> Uuid {
        self.0.id
    }

    /// `PENDING -> PROCESSING -> COMPLETED | FAILED`.
    async fn status(&self) -> GraphResult<RunStatus> {
        Ok(RunStatus::from_db(&self.0.status)?)
    }

    /// What it was started with: `prompts`, and `reference_images` (`id`, `type`, `size` of
    /// each upload; see `referenceImageUrls`). The API key is never part of it (see
    /// `hasApiKey`).
    async fn input_data(&self) -> Json<serde_json::Value> {
        Json(self.0.input_data.clone())
    }

    /// Links to the reference images it was started with: signed, and valid for an hour for
    /// whoever holds them.
    async fn reference_image_urls(&self, ctx: &Context<'_>) -> Vec<String> {
        let files = &masstock_ctx(ctx).files;
        let now = Utc::now().timestamp();
        crate::storage::reference_ids(&self.0.input_data)
            .into_iter()
            .map(|id| files.link(&crate::storage::INPUTS, id, now))
            .collect()
    }

    /// Whether an API key was given; the key itself is encrypted at rest, handed to the
    /// runner that claims the execution, and erased once it finishes.
    async fn has_api_key(&self) -> bool {
        self.0.api_key_ciphertext.is_some()
    }

    /// `{ successful, failed, total }` once it finished.
    async fn output_data(&self) -> Option<Json<serde_json::Value>> {
        self.0.output_data.clone().map(Json)
    }

    /// When a runner took it.
    async fn started_at(&self) -> Option<DateTime<Utc>> {
        self.0.started_at.map(utc)
    }

    /// When it finished.
    async fn completed_at(&self) -> Option<DateTime<Utc>> {
        self.0.completed_at.map(utc)
    }

    /// How long it ran.
    async fn duration_seconds(&self) -> Option<i32> {
        self.0.duration_seconds
    }

    /// Why it failed.
    async fn error_message(&self) -> Option<&str> {
        self.0.error_message.as_deref()
    }

    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        utc(self.0.created_at)
    }

    /// The workflow run.
    async fn workflow(&self, ctx: &Context<'_>) -> GraphResult<Option<MasstockWorkflow>> {
        let found = loaders(ctx).workflow.load_one(self.0.workflow_id).await?;
        Ok(found.map(MasstockWorkflow))
    }

    /// The client it ran for.
    async fn client(&self, ctx: &Context<'_>) -> GraphResult<MasstockClient> {
        loaders(ctx)
            .client
            .load_one(self.0.client_id)
            .await?
            .map(MasstockClient)
            .ok_or_else(|| GraphError::not_found("MasstockClient").into())
    }

    /// Who started it.
    async fn triggered_by(&self, ctx: &Context<'_>) -> GraphResult<Option<MasstockProfile>> {
        let Some(id) = self.0.triggered_by_user_id else {
            return Ok(None);
        };
        Ok(loaders(ctx)
            .profile
            .load_one(id)
            .await?
            .map(MasstockProfile))
    }

    /// One result per prompt, by batch index.
    async fn batch_results(&self, ctx: &Context<'_>) -> GraphResult<Vec<MasstockBatchResult>> {
        let rows = loaders(ctx)
            .results_by_execution
            .load_one(self.0.id)
            .await?;
        Ok(rows
            .unwrap_or_default()
            .into_iter()
            .map(MasstockBatchResult)
            .collect())
    }
}

/// The result of one prompt of an execution.
pub struct MasstockBatchResult(pub batch_results::Model);

/// The result of one prompt of an execution.
#[Object]
impl MasstockBatchResult {
    /// Result id.
    async fn id(&self) -> Uuid {
        self.0.id
    }

    /// Index of the prompt in the batch, from 0.
    async fn batch_index(&self) -> i32 {
        self.0.batch_index
    }

    /// The prompt.
    async fn prompt_text(&self) -> &str {
        &self.0.prompt_text
    }

    /// `PENDING -> PROCESSING -> COMPLETED | FAILED`.
    async fn status(&self) -> GraphResult<RunStatus> {
        Ok(RunStatus::from_db(&self.0.status)?)
    }

    /// A link to the generated image: signed, and valid for an hour for whoever holds it.
    async fn result_url(&self, ctx: &Context<'_>) -> Option<String> {
        self.0.result_storage_path.as_ref()?;
        let mctx = masstock_ctx(ctx);
        let now = Utc::now().timestamp();
        Some(mctx.files.link(&crate::storage::RESULTS, self.0.id, now))
    }

    /// Why it failed.
    async fn error_message(&self) -> Option<&str> {
        self.0.error_message.as_deref()
    }

    /// How long the prompt took, in milliseconds.
    async fn processing_time_ms(&self) -> Option<i32> {
        self.0.processing_time_ms
    }

    /// When it was created.
    async fn created_at(&self) -> DateTime<Utc> {
        utc(self.0.created_at)
    }

    /// When it finished.
    async fn completed_at(&self) -> Option<DateTime<Utc>> {
        self.0.completed_at.map(utc)
    }

    /// The execution it belongs to.
    async fn execution(&self, ctx: &Context<'_>) -> GraphResult<Option<MasstockWorkflowExecution>> {
        let found = loaders(ctx).execution.load_one(self.0.execution_id).await?;
        Ok(found.map(MasstockWorkflowExecution))
    }
}
