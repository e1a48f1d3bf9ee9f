//! What the spec gives platform admins alone.

use async_graphql::{Context, InputObject, Json, Object};
use studiogate_graph::error::GraphResult;
use studiogate_graph::GraphError;
use uuid::Uuid;

use super::{
    MasstockClientMemberPayload, MasstockClientPayload, MasstockSupportTicketPayload,
    MasstockUserPayload, MasstockWorkflowPayload, MasstockWorkflowRequestPayload,
    MasstockWorkflowTemplatePayload,
};
use crate::context::masstock_ctx;
use crate::enums::{
    MemberRole, RequestStatus, Status, TicketPriority, TicketStatus, WorkflowStatus,
};
use crate::objects::{
    MasstockClient, MasstockClientMember, MasstockProfile, MasstockSupportTicket, MasstockWorkflow,
    MasstockWorkflowRequest, MasstockWorkflowTemplate,
};
use crate::services::{client, member, profile, request, template, ticket, workflow};

#[derive(Default)]
pub struct MasstockAdminMutation;

/// A new client.
#[derive(InputObject)]
#[graphql(name = "MasstockCreateClientInput")]
pub struct CreateClientInput {
    pub name: String,
    pub company_name: Option<String>,
    pub email: String,
}

/// Changes to a client; `status` SUSPENDED or DELETED is a soft delete.
#[derive(InputObject)]
#[graphql(name = "MasstockUpdateClientInput")]
pub struct UpdateClientInput {
    pub id: Uuid,
    pub name: Option<String>,
    pub company_name: Option<String>,
    pub email: Option<String>,
    pub status: Option<Status>,
}

/// Changes to a person; `status` SUSPENDED or DELETED is a soft delete.
#[derive(InputObject)]
#[graphql(name = "MasstockUpdateUserInput")]
pub struct UpdateUserInput {
    pub id: Uuid,
    pub name: Option<String>,
    pub status: Option<Status>,
}

/// A person to add to a client.
#[derive(InputObject)]
#[graphql(name = "MasstockAddClientMemberInput")]
pub struct AddClientMemberInput {
    pub client_id: Uuid,
    /// The account (its MasStock profile) to add.
    pub user_id: Uuid,
    /// COLLABORATOR unless given.
    pub role: Option<MemberRole>,
}

/// A membership's new role.
#[derive(InputObject)]
#[graphql(name = "MasstockChangeClientMemberRoleInput")]
pub struct ChangeClientMemberRoleInput {
    pub id: Uuid,
    pub role: MemberRole,
}

/// A membership to end.
#[derive(InputObject)]
#[graphql(name = "MasstockRemoveClientMemberInput")]
pub struct RemoveClientMemberInput {
    pub id: Uuid,
}

/// A template's fields; on creation `name` and `workflowType` are required.
#[derive(InputObject)]
#[graphql(name = "MasstockWorkflowTemplateInput")]
pub struct WorkflowTemplateInput {
    /// The template to change; none to create one.
    pub id: Option<Uuid>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub icon: Option<String>,
    pub workflow_type: Option<String>,
    pub config: Option<Json<serde_json::Value>>,
    /// Currency units, three decimals kept.
    pub cost_per_execution: Option<f64>,
    /// Currency units, three decimals kept.
    pub revenue_per_execution: Option<f64>,
    pub is_active: Option<bool>,
}

/// A template to assign to a client as a workflow.
#[derive(InputObject)]
#[graphql(name = "MasstockAssignWorkflowInput")]
pub struct AssignWorkflowInput {
    pub template_id: Uuid,
    pub client_id: Uuid,
    /// `<client> - <template>` unless given.
    pub name: Option<String>,
    /// The template's unless given.
    pub description: Option<String>,
}

/// Changes to a workflow.
#[derive(InputObject)]
#[graphql(name = "MasstockUpdateWorkflowInput")]
pub struct UpdateWorkflowInput {
    pub id: Uuid,
    pub name: Option<String>,
    pub description: Option<String>,
    pub status: Option<WorkflowStatus>,
    pub config: Option<Json<serde_json::Value>>,
}

/// The decision on a pending request.
#[derive(InputObject)]
#[graphql(name = "MasstockDecideWorkflowRequestInput")]
pub struct DecideWorkflowRequestInput {
    pub id: Uuid,
    /// APPROVED or REJECTED.
    pub status: RequestStatus,
}

/// A ticket's next status or new priority.
#[derive(InputObject)]
#[graphql(name = "MasstockUpdateSupportTicketInput")]
pub struct UpdateSupportTicketInput {
    pub id: Uuid,
    /// The next step of `OPEN -> IN_PROGRESS -> RESOLVED -> CLOSED`.
    pub status: Option<TicketStatus>,
    pub priority: Option<TicketPriority>,
}

fn template_fields(input: WorkflowTemplateInput) -> template::TemplateFields {
    template::TemplateFields {
        name: input.name,
        description: input.description,
        icon: input.icon,
        workflow_type: input.workflow_type,
        config: input.config.map(|j| j.0),
        cost_per_execution: input.cost_per_execution,
        revenue_per_execution: input.revenue_per_execution,
        is_active: input.is_active,
    }
}

#[Object]
impl MasstockAdminMutation {
    /// Creates a client (platform admins).
    async fn create_client(
        &self,
        ctx: &Context<'_>,
        input: CreateClientInput,
    ) -> GraphResult<MasstockClientPayload> {
        let new = client::NewClient {
            name: input.name,
            company_name: input.company_name,
            email: input.email,
        };
        let row = client::create(masstock_ctx(ctx), new)
            .await
            .map_err(GraphError::from)?;
        Ok(MasstockClientPayload {
            client: MasstockClient(row),
        })
    }

    /// Changes a client, or suspends or deletes it (soft delete) (platform admins).
    async fn update_client(
        &self,
        ctx: &Context<'_>,
        input: UpdateClientInput,
    ) -> GraphResult<MasstockClientPayload> {
        let change = client::ClientChange {
            name: input.name,
            company_name: input.company_name,
            email: input.email,
            status: input.status,
        };
        let row = client::update(masstock_ctx(ctx), input.id, change)
            .await
            .map_err(GraphError::from)?;
        Ok(MasstockClientPayload {
            client: MasstockClient(row),
        })
    }

    /// Renames a person, or suspends or deletes them (soft delete) (platform admins).
    async fn update_user(
        &self,
        ctx: &Context<'_>,
        input: UpdateUserInput,
    ) -> GraphResult<MasstockUserPayload> {
        let row = profile::update(masstock_ctx(ctx), input.id, input.name, input.status)
            .await
            .map_err(GraphError::from)?;
        Ok(MasstockUserPayload {
            user: MasstockProfile(row),
        })
    }

    /// Adds a person to a client (platform admins); CONFLICT when they are a member already.
    async fn add_client_member(
        &self,
        ctx: &Context<'_>,
        input: AddClientMemberInput,
    ) -> GraphResult<MasstockClientMemberPayload> {
        let role = input.role.unwrap_or(MemberRole::Collaborator);
        let row = member::add(masstock_ctx(ctx), input.client_id, input.user_id, role)
            .await
            .map_err(GraphError::from)?;
        Ok(MasstockClientMemberPayload {
            member: MasstockClientMember(row),
        })
    }

    /// Changes a member's role (platform admins); the last owner stays an owner.
    async fn change_client_member_role(
        &self,
        ctx: &Context<'_>,
        input: ChangeClientMemberRoleInput,
    ) -> GraphResult<MasstockClientMemberPayload> {
        let row = member::change_role(masstock_ctx(ctx), input.id, input.role)
            .await
            .map_err(GraphError::from)?;
        Ok(MasstockClientMemberPayload {
            member: MasstockClientMember(row),
        })
    }

    /// Removes a member (platform admins); the last owner stays.
    async fn remove_client_member(
        &self,
        ctx: &Context<'_>,
        input: RemoveClientMemberInput,
    ) -> GraphResult<MasstockClientMemberPayload> {
        let row = member::remove(masstock_ctx(ctx), input.id)
            .await
            .map_err(GraphError::from)?;
        Ok(MasstockClientMemberPayload {
            member: MasstockClientMember(row),
        })
    }

    /// Adds a template to the catalog (platform admins).
    async fn create_workflow_template(
        &self,
        ctx: &Context<'_>,
        input: WorkflowTemplateInput,
    ) -> GraphResult<MasstockWorkflowTemplatePayload> {
        let row = template::create(masstock_ctx(ctx), template_fields(input))
            .await
            .map_err(GraphError::from)?;
        Ok(MasstockWorkflowTemplatePayload {
            workflow_template: MasstockWorkflowTemplate(row),
        })
    }

    /// Changes a template (platform admins); `id` is required.
    async fn update_workflow_template(
        &self,
        ctx: &Context<'_>,
        input: WorkflowTemplateInput,
    ) -> GraphResult<MasstockWorkflowTemplatePayload> {
        let id = input.id.ok_or_else(|| {
            GraphError::bad_input("id", "`id` names the template to change").with_reason("REQUIRED")
        })?;
        let row = template::update(masstock_ctx(ctx), id, template_fields(input))
            .await
            .map_err(GraphError::from)?;
        Ok(MasstockWorkflowTemplatePayload {
            workflow_template: MasstockWorkflowTemplate(row),
        })
    }

    /// Assigns an active template to an active client as a workflow (platform admins).
    async fn assign_workflow(
        &self,
        ctx: &Context<'_>,
        input: AssignWorkflowInput,
    ) -> GraphResult<MasstockWorkflowPayload> {
        let assignment = workflow::Assignment {
            template_id: input.template_id,
            client_id: input.client_id,
            name: input.name,
            description: input.description,
        };
        let row = workflow::assign(masstock_ctx(ctx), assignment)
            .await
            .map_err(GraphError::from)?;
        Ok(MasstockWorkflowPayload {
            workflow: MasstockWorkflow(row),
        })
    }

    /// Changes a workflow (platform admins).
    async fn update_workflow(
        &self,
        ctx: &Context<'_>,
        input: UpdateWorkflowInput,
    ) -> GraphResult<MasstockWorkflowPayload> {
        let change = workflow::WorkflowChange {
            name: input.name,
            description: input.description,
            status: input.status,
            config: input.config.map(|j| j.0),
        };
        let row = workflow::update(masstock_ctx(ctx), input.id, change)
            .await
            .map_err(GraphError::from)?;
        Ok(MasstockWorkflowPayload {
            workflow: MasstockWorkflow(row),
        })
    }

    /// Approves or rejects a pending workflow request (platform admins).
    async fn decide_workflow_request(
        &self,
        ctx: &Context<'_>,
        input: DecideWorkflowRequestInput,
    ) -> GraphResult<MasstockWorkflowRequestPayload> {
        let row = request::decide(masstock_ctx(ctx), input.id, input.status)
            .await
            .map_err(GraphError::from)?;
        Ok(MasstockWorkflowRequestPayload {
            workflow_request: MasstockWorkflowRequest(row),
        })
    }

    /// Moves a ticket one step along, or sets its priority (platform admins).
    async fn update_support_ticket(
        &self,
        ctx: &Context<'_>,
        input: UpdateSupportTicketInput,
    ) -> GraphResult<MasstockSupportTicketPayload> {
        let row = ticket::update(masstock_ctx(ctx), input.id, input.status, input.priority)
            .await
            .map_err(GraphError::from)?;
        Ok(MasstockSupportTicketPayload {
            support_ticket: MasstockSupportTicket(row),
        })
    }
}
