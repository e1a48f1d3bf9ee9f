use async_graphql::{Context, Json, Object};
use chrono::{DateTime, Utc};
use studiogate_entities_masstock::{
    masstock_workflow_executions as executions, masstock_workflow_requests as requests,
    masstock_workflow_templates as templates, masstock_workflows as workflows,
};
use studiogate_graph::error::GraphResult;
use studiogate_graph::pagination::ListConnection;
use studiogate_graph::{GraphError, ListOrder};
use uuid::Uuid;

use super::{children, cursor, utc, MasstockClient, MasstockWorkflowExecution};
use crate::enums::{RequestStatus, WorkflowStatus};
use crate::loader::loaders;

/// Money is stored in thousandths of the currency unit.
fn amount(mills: i64) -> f64 {
    mills as f64 / 1_000.0
}

/// A workflow template of the catalog, which platform admins alone see and manage.
pub struct MasstockWorkflowTemplate(pub templates::Model);

/// A workflow template of the catalog, which platform admins alone see and manage.
#[Object]
impl MasstockWorkflowTemplate {
    /// Template id.
    async fn id(&self) -> Uuid {
        self.0.id
    }

    /// Template name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// What it does.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }

    /// Icon identifier (`zap`, `sparkles`, ...).
    async fn icon(&self) -> &str {
        &self.0.icon
    }

    /// Workflow type (`nano_banana`, `pro_banana`, ...).
    async fn workflow_type(&self) -> &str {
        &self.0.workflow_type
    }

    /// Default configuration of the workflows assigned from it.
    async fn config(&self) -> Json<serde_json::Value> {
        Json(self.0.config.clone())
    }

    /// What one execution costs MasStock, in currency units (three decimals).
    async fn cost_per_execution(&self) -> f64 {
        amount(self.0.cost_per_execution_mills)
    }

    /// What one execution earns, in currency units (three decimals).
    async fn revenue_per_execution(&self) -> f64 {
        amount(self.0.revenue_per_execution_mills)
    }

    /// Whether it can be assigned.
    async fn is_active(&self) -> bool {
        self.0.is_active
    }

    /// When the template was created.
    async fn created_at(&self) -> DateTime<Utc> {
        utc(self.0.created_at)
    }

    /// When the template was last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        utc(self.0.updated_at)
    }

    /// Workflows assigned from this template, newest first by default.
    #[graphql(
        complexity = "studiogate_graph::pagination::page_complexity(first, child_complexity)"
    )]
    async fn workflows(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
        order: Option<ListOrder>,
    ) -> GraphResult<ListConnection<MasstockWorkflow>> {
        let l = &loaders(ctx).workflows_by_template;
        let c = |m: &workflows::Model| cursor(m.created_at, m.id);
        children(
            ctx,
            l,
            self.0.id,
            (first, after, order),
            c,
            MasstockWorkflow,
        )
        .await
    }
}

/// A workflow assigned to a client (from a template, usually).
pub struct MasstockWorkflow(pub workflows::Model);

/// A workflow assigned to a client (from a template, usually).
#[Object]
impl MasstockWorkflow {
    /// Workflow id.
    async fn id(&self) -> Uuid {
        self.0.id
    }

    /// Workflow name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// What it does.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }

    /// `ACTIVE` workflows can be run.
    async fn status(&self) -> GraphResult<WorkflowStatus> {
        Ok(WorkflowStatus::from_db(&self.0.status)?)
    }

    /// Its configuration (`workflow_type`, `model`, `requires_api_key`, `max_prompts`, ...).
    async fn config(&self) -> Json<serde_json::Value> {
        Json(self.0.config.clone())
    }

    /// When the workflow was created.
    async fn created_at(&self) -> DateTime<Utc> {
        utc(self.0.created_at)
    }

    /// When the workflow was last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        utc(self.0.updated_at)
    }

    /// The client it belongs to (null for a workflow assigned to no client).
    async fn client(&self, ctx: &Context<'_>) -> GraphResult<Option<MasstockClient>> {
        let Some(id) = self.0.client_id else {
            return Ok(None);
        };
        Ok(loaders(ctx).client.load_one(id).await?.map(MasstockClient))
    }

    /// The template it was assigned from (platform admins only).
    async fn template(&self, ctx: &Context<'_>) -> GraphResult<Option<MasstockWorkflowTemplate>> {
        let Some(id) = self.0.template_id else {
            return Ok(None);
        };
        let found = loaders(ctx).template.load_one(id).await?;
        Ok(found.map(MasstockWorkflowTemplate))
    }

    /// Its executions, newest first by default.
    #[graphql(
        complexity = "studiogate_graph::pagination::page_complexity(first, child_complexity)"
    )]
    async fn executions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
        order: Option<ListOrder>,
    ) -> GraphResult<ListConnection<MasstockWorkflowExecution>> {
        let l = &loaders(ctx).executions_by_workflow;
        let c = |m: &executions::Model| cursor(m.created_at, m.id);
        children(
            ctx,
            l,
            self.0.id,
            (first, after, order),
            c,
            MasstockWorkflowExecution,
        )
        .await
    }

    /// Requests made for it, newest first by default.
    #[graphql(
        complexity = "studiogate_graph::pagination::page_complexity(first, child_complexity)"
    )]
    async fn requests(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
        order: Option<ListOrder>,
    ) -> GraphResult<ListConnection<MasstockWorkflowRequest>> {
        let l = &loaders(ctx).requests_by_workflow;
        let c = |m: &requests::Model| cursor(m.created_at, m.id);
        children(
            ctx,
            l,
            self.0.id,
            (first, after, order),
            c,
            MasstockWorkflowRequest,
        )
        .await
    }
}

/// A client's request about a workflow, decided by a platform admin.
pub struct MasstockWorkflowRequest(pub requests::Model);

/// A client's request about a workflow, decided by a platform admin.
#[Object]
impl MasstockWorkflowRequest {
    /// Request id.
    async fn id(&self) -> Uuid {
        self.0.id
    }

    /// `PENDING -> APPROVED | REJECTED`.
    async fn status(&self) -> GraphResult<RequestStatus> {
        Ok(RequestStatus::from_db(&self.0.status)?)
    }

    /// What the client asks for.
    async fn notes(&self) -> Option<&str> {
        self.0.notes.as_deref()
    }

    /// When it was made.
    async fn created_at(&self) -> DateTime<Utc> {
        utc(self.0.created_at)
    }

    /// When it was last changed (decided).
    async fn updated_at(&self) -> DateTime<Utc> {
        utc(self.0.updated_at)
    }

    /// The requesting client.
    async fn client(&self, ctx: &Context<'_>) -> GraphResult<MasstockClient> {
        loaders(ctx)
            .client
            .load_one(self.0.client_id)
            .await?
            .map(MasstockClient)
            .ok_or_else(|| GraphError::not_found("MasstockClient").into())
    }

    /// The workflow it is about.
    async fn workflow(&self, ctx: &Context<'_>) -> GraphResult<Option<MasstockWorkflow>> {
        let found = loaders(ctx).workflow.load_one(self.0.workflow_id).await?;
        Ok(found.map(MasstockWorkflow))
    }
}
