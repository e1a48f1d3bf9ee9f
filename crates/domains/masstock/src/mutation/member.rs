//! What members of a client do: run workflows, request workflows (owners), open tickets.

use async_graphql::{Context, InputObject, Object, Upload};
use studiogate_graph::error::GraphResult;
use studiogate_graph::GraphError;
use uuid::Uuid;

use super::{
    MasstockExecutionPayload, MasstockSupportTicketPayload, MasstockWorkflowRequestPayload,
};
use crate::context::masstock_ctx;
use crate::enums::TicketPriority;
use crate::objects::{MasstockSupportTicket, MasstockWorkflowExecution, MasstockWorkflowRequest};
use crate::services::{execution, request, ticket};
use crate::storage::Image;

#[derive(Default)]
pub struct MasstockMemberMutation;

/// A run of one of the client's workflows.
#[derive(InputObject)]
#[graphql(name = "MasstockStartExecutionInput")]
pub struct StartExecutionInput {
    pub workflow_id: Uuid,
    /// One batch result per prompt: 1 to the workflow's `max_prompts` (100 by default), each
    /// at most 2,000 characters.
    pub prompts: Vec<String>,
    /// Required when the workflow's config says `requires_api_key`. Encrypted at rest, handed
    /// only to the runner that claims the execution, never returned.
    #[graphql(secret)]
    pub api_key: Option<String>,
    /// Reference images, as uploads (GraphQL multipart request): PNG, JPEG or WebP, at most
    /// 10 MB each and 10 in all, for workflows whose config says `supports_reference_images`.
    pub reference_images: Option<Vec<Upload>>,
}

/// A request about one of the client's workflows.
#[derive(InputObject)]
#[graphql(name = "MasstockCreateWorkflowRequestInput")]
pub struct CreateWorkflowRequestInput {
    pub workflow_id: Uuid,
    /// At most 2,000 characters.
    pub notes: Option<String>,
}

/// A support ticket for one of the viewer's clients.
#[derive(InputObject)]
#[graphql(name = "MasstockCreateSupportTicketInput")]
pub struct CreateSupportTicketInput {
    pub client_id: Uuid,
    /// At most 200 characters.
    pub subject: String,
    /// At most 5,000 characters.
    pub description: String,
    /// MEDIUM unless given.
    pub priority: Option<TicketPriority>,
}

#[Object]
impl MasstockMemberMutation {
    /// Runs one of the client's active workflows (members of the client).
    async fn start_execution(
        &self,
        ctx: &Context<'_>,
        input: StartExecutionInput,
    ) -> GraphResult<MasstockExecutionPayload> {
        let mut reference_images = Vec::new();
        for upload in input.reference_images.unwrap_or_default() {
            let value = upload.value(ctx)?;
            reference_images.push(Image {
                file: value.content,
                content_type: value.content_type,
            });
        }
        let start = execution::Start {
            workflow_id: input.workflow_id,
            prompts: input.prompts,
            api_key: input.api_key,
            reference_images,
        };
        let row = execution::start(masstock_ctx(ctx), start)
            .await
            .map_err(GraphError::from)?;
        Ok(MasstockExecutionPayload {
            workflow_execution: MasstockWorkflowExecution(row),
        })
    }

    /// Makes a request about one of the client's workflows (owners of the client).
    async fn create_workflow_request(
        &self,
        ctx: &Context<'_>,
        input: CreateWorkflowRequestInput,
    ) -> GraphResult<MasstockWorkflowRequestPayload> {
        let row = request::create(masstock_ctx(ctx), input.workflow_id, input.notes)
            .await
            .map_err(GraphError::from)?;
        Ok(MasstockWorkflowRequestPayload {
            workflow_request: MasstockWorkflowRequest(row),
        })
    }

    /// Opens a support ticket for one of the viewer's clients (members of the client).
    async fn create_support_ticket(
        &self,
        ctx: &Context<'_>,
        input: CreateSupportTicketInput,
    ) -> GraphResult<MasstockSupportTicketPayload> {
        let new = ticket::NewTicket {
            client_id: input.client_id,
            subject: input.subject,
            description: input.description,
            priority: input.priority,
        };
        let row = ticket::create(masstock_ctx(ctx), new)
            .await
            .map_err(GraphError::from)?;
        Ok(MasstockSupportTicketPayload {
            support_ticket: MasstockSupportTicket(row),
        })
    }
}
