use async_graphql::{Context, Object};
use chrono::{DateTime, Utc};
use studiogate_entities_masstock::{
    masstock_client_members as members, masstock_clients as clients,
    masstock_support_tickets as tickets, masstock_workflow_executions as executions,
    masstock_workflow_requests as requests, masstock_workflows as workflows,
};
use studiogate_graph::error::GraphResult;
use studiogate_graph::pagination::ListConnection;
use studiogate_graph::{GraphError, ListOrder};
use uuid::Uuid;

use super::{
    children, cursor, utc, MasstockProfile, MasstockSupportTicket, MasstockWorkflow,
    MasstockWorkflowExecution, MasstockWorkflowRequest,
};
use crate::analytics::SuccessRate;
use crate::enums::{MemberRole, Status};
use crate::loader::loaders;

/// A client organisation: the tenant of MasStock.
pub struct MasstockClient(pub clients::Model);

/// A client organisation: the tenant of MasStock.
#[Object]
impl MasstockClient {
    /// Client id.
    async fn id(&self) -> Uuid {
        self.0.id
    }

    /// Display name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Legal name of the company.
    async fn company_name(&self) -> Option<&str> {
        self.0.company_name.as_deref()
    }

    /// Contact email.
    async fn email(&self) -> &str {
        &self.0.email
    }

    /// `ACTIVE`, or a soft delete: members of a suspended or deleted client see nothing.
    async fn status(&self) -> GraphResult<Status> {
        Ok(Status::from_db(&self.0.status)?)
    }

    /// When the client was created.
    async fn created_at(&self) -> DateTime<Utc> {
        utc(self.0.created_at)
    }

    /// When the client was last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        utc(self.0.updated_at)
    }

    /// The client's members, newest first by default.
    #[graphql(
        complexity = "studiogate_graph::pagination::page_complexity(first, child_complexity)"
    )]
    async fn members(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
        order: Option<ListOrder>,
    ) -> GraphResult<ListConnection<MasstockClientMember>> {
        let l = &loaders(ctx).members_by_client;
        let c = |m: &members::Model| cursor(m.created_at, m.id);
        children(
            ctx,
            l,
            self.0.id,
            (first, after, order),
            c,
            MasstockClientMember,
        )
        .await
    }

    /// Workflows assigned to the client, newest first by default.
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
        let l = &loaders(ctx).workflows_by_client;
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

    /// The client's workflow requests, newest first by default.
    #[graphql(
        complexity = "studiogate_graph::pagination::page_complexity(first, child_complexity)"
    )]
    async fn workflow_requests(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
        order: Option<ListOrder>,
    ) -> GraphResult<ListConnection<MasstockWorkflowRequest>> {
        let l = &loaders(ctx).requests_by_client;
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

    /// The client's executions, newest first by default (the spec's "executions with
    /// workflow details": select `workflow`, `triggeredBy` and `client` on each).
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
        let l = &loaders(ctx).executions_by_client;
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

    /// The client's support tickets, newest first by default.
    #[graphql(
        complexity = "studiogate_graph::pagination::page_complexity(first, child_complexity)"
    )]
    async fn support_tickets(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
        order: Option<ListOrder>,
    ) -> GraphResult<ListConnection<MasstockSupportTicket>> {
        let l = &loaders(ctx).tickets_by_client;
        let c = |m: &tickets::Model| cursor(m.created_at, m.id);
        children(
            ctx,
            l,
            self.0.id,
            (first, after, order),
            c,
            MasstockSupportTicket,
        )
        .await
    }

    /// How the client's executions went (the spec's success rate per client).
    async fn success_rate(&self, ctx: &Context<'_>) -> GraphResult<SuccessRate> {
        let rate = loaders(ctx).success_by_client.load_one(self.0.id).await?;
        Ok(rate.unwrap_or_default())
    }
}

/// A person's membership of a client.
pub struct MasstockClientMember(pub members::Model);

/// A person's membership of a client.
#[Object]
impl MasstockClientMember {
    /// Membership id.
    async fn id(&self) -> Uuid {
        self.0.id
    }

    /// `OWNER` (full access) or `COLLABORATOR` (workflows, executions, results).
    async fn role(&self) -> GraphResult<MemberRole> {
        Ok(MemberRole::from_db(&self.0.role)?)
    }

    /// When the membership began.
    async fn created_at(&self) -> DateTime<Utc> {
        utc(self.0.created_at)
    }

    /// When the membership was last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        utc(self.0.updated_at)
    }

    /// The client.
    async fn client(&self, ctx: &Context<'_>) -> GraphResult<MasstockClient> {
        loaders(ctx)
            .client
            .load_one(self.0.client_id)
            .await?
            .map(MasstockClient)
            .ok_or_else(|| GraphError::not_found("MasstockClient").into())
    }

    /// The member.
    async fn user(&self, ctx: &Context<'_>) -> GraphResult<Option<MasstockProfile>> {
        let profile = loaders(ctx).profile.load_one(self.0.user_id).await?;
        Ok(profile.map(MasstockProfile))
    }
}
