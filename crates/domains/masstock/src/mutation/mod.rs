//! Root mutation fields of MasStock: people's writes under `masstock: MasstockMutation!`, the
//! runner protocol as prefixed root fields (service tokens are refused at the people's
//! namespace, as at every mutation root field that is not theirs).

mod admin;
mod member;
mod runner;

use async_graphql::{MergedObject, Object, SimpleObject};
use studiogate_graph::{Policy, PolicyRegistry};

pub use admin::MasstockAdminMutation;
pub use member::MasstockMemberMutation;
pub use runner::MasstockRunnerMutation;

use crate::objects::{
    MasstockClient, MasstockClientMember, MasstockProfile, MasstockSupportTicket, MasstockWorkflow,
    MasstockWorkflowExecution, MasstockWorkflowRequest, MasstockWorkflowTemplate,
};

/// The mutation roots the schema merges.
#[derive(MergedObject, Default)]
pub struct MasstockRootMutation(MasstockNamespaceMutation, MasstockRunnerMutation);

#[derive(Default)]
pub struct MasstockNamespaceMutation;

#[Object]
impl MasstockNamespaceMutation {
    /// MasStock's writes.
    async fn masstock(&self) -> MasstockMutation {
        MasstockMutation::default()
    }
}

/// MasStock's writes: clients, members, templates, workflows and request decisions for
/// platform admins; executions, requests and tickets for members.
#[derive(MergedObject, Default)]
pub struct MasstockMutation(MasstockAdminMutation, MasstockMemberMutation);

/// A client, as the mutation left it.
#[derive(SimpleObject)]
pub struct MasstockClientPayload {
    pub client: MasstockClient,
}

/// A person, as the mutation left them.
#[derive(SimpleObject)]
pub struct MasstockUserPayload {
    pub user: MasstockProfile,
}

/// A membership, as the mutation left it (or as it was, once removed).
#[derive(SimpleObject)]
pub struct MasstockClientMemberPayload {
    pub member: MasstockClientMember,
}

/// A template, as the mutation left it.
#[derive(SimpleObject)]
pub struct MasstockWorkflowTemplatePayload {
    pub workflow_template: MasstockWorkflowTemplate,
}

/// A workflow, as the mutation left it.
#[derive(SimpleObject)]
pub struct MasstockWorkflowPayload {
    pub workflow: MasstockWorkflow,
}

/// A workflow request, as the mutation left it.
#[derive(SimpleObject)]
pub struct MasstockWorkflowRequestPayload {
    pub workflow_request: MasstockWorkflowRequest,
}

/// A support ticket, as the mutation left it.
#[derive(SimpleObject)]
pub struct MasstockSupportTicketPayload {
    pub support_ticket: MasstockSupportTicket,
}

/// An execution, as the mutation left it.
#[derive(SimpleObject)]
pub struct MasstockExecutionPayload {
    pub workflow_execution: MasstockWorkflowExecution,
}

const ADMIN: Policy = Policy::PlatformAdmin(crate::DOMAIN);

pub fn policies(p: &mut PolicyRegistry) {
    p.field("Mutation", "masstock", Policy::Authenticated)
        .fields(
            "MasstockMutation",
            &[
                "createClient",
                "updateClient",
                "updateUser",
                "addClientMember",
                "changeClientMemberRole",
                "removeClientMember",
                "createWorkflowTemplate",
                "updateWorkflowTemplate",
                "assignWorkflow",
                "updateWorkflow",
                "decideWorkflowRequest",
                "updateSupportTicket",
            ],
            ADMIN,
        )
        // The services check the viewer's membership (and the owner role for requests).
        .fields(
            "MasstockMutation",
            &[
                "startExecution",
                "createSupportTicket",
                "createWorkflowRequest",
            ],
            Policy::RoleChecked,
        )
        .fields("Mutation", runner::FIELDS, Policy::Service)
        .fields("MasstockClientPayload", &["client"], Policy::Inherit)
        .fields("MasstockUserPayload", &["user"], Policy::Inherit)
        .fields("MasstockClientMemberPayload", &["member"], Policy::Inherit)
        .fields(
            "MasstockWorkflowTemplatePayload",
            &["workflowTemplate"],
            Policy::Inherit,
        )
        .fields("MasstockWorkflowPayload", &["workflow"], Policy::Inherit)
        .fields(
            "MasstockWorkflowRequestPayload",
            &["workflowRequest"],
            Policy::Inherit,
        )
        .fields(
            "MasstockSupportTicketPayload",
            &["supportTicket"],
            Policy::Inherit,
        )
        .fields(
            "MasstockExecutionPayload",
            &["workflowExecution"],
            Policy::Inherit,
        )
        .fields(
            "MasstockClaimedExecution",
            &["workflowExecution", "apiKey"],
            Policy::Service,
        )
        .fields(
            "MasstockClaimExecutionsPayload",
            &["executions"],
            Policy::Inherit,
        )
        .fields(
            "MasstockBatchReportPayload",
            &["batchResult", "workflowExecution"],
            Policy::Inherit,
        );
}
