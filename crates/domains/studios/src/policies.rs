//! The access policy of every field this domain adds to the schema. A field missing here is
//! refused at run time, and `every_field_has_a_policy` fails in the test suite.

use studiogate_graph::{Policy, PolicyRegistry};

const SUBSCRIPTIONS: &[&str] = &["workflowExecutionUpdated", "kanbanBoardChanged"];

pub fn policies() -> PolicyRegistry {
    let mut p = PolicyRegistry::default();
    p.field("Query", "viewer", Policy::Public)
        .fields(
            "Query",
            &["companies", "workflowTemplates", "workflowTemplate"],
            Policy::Authenticated,
        )
        .fields(
            "Query",
            &[
                "company",
                "studio",
                "workflowExecution",
                "file",
                "kanbanBoard",
            ],
            Policy::TenantMember,
        )
        .fields("Subscription", SUBSCRIPTIONS, Policy::TenantMember)
        // Each event resolves under the domain's own root type, so the guard sees that name.
        .fields("StudiosSubscription", SUBSCRIPTIONS, Policy::TenantMember)
        // Runners: service tokens only; rows still come from the token account's tenant scope.
        .fields(
            "Mutation",
            &[
                "claimWorkflowExecutions",
                "heartbeatWorkflowExecution",
                "reportWorkflowExecution",
            ],
            Policy::Service,
        )
        .fields(
            "Mutation",
            &["createWorkflowTemplate", "updateWorkflowTemplate"],
            Policy::PlatformAdmin(crate::DOMAIN),
        )
        .field("WorkflowTemplatePayload", "*", Policy::Inherit)
        .fields(
            "Mutation",
            &["createCompany", "requestCompanyMembership"],
            Policy::Authenticated,
        )
        .fields(
            "Mutation",
            &[
                "createStudio",
                "updateStudio",
                "deleteStudio",
                "leaveCompany",
                "startWorkflowExecution",
                "changeWorkflowExecutionStatus",
                "createKanbanBoard",
                "createKanbanStage",
                "createKanbanCard",
                "moveKanbanCard",
                "moveKanbanStage",
                "deleteKanbanCard",
                "updateKanbanCard",
                "setKanbanStageTriggers",
                "createCardFieldDefinition",
                "uploadFile",
                "deleteFile",
            ],
            Policy::TenantMember,
        )
        // Admin-only: the services check the viewer's role in the row's company.
        .fields(
            "Mutation",
            &[
                "updateCompany",
                "changeCompanyBranch",
                "approveMembership",
                "rejectMembership",
                "revokeMembership",
                "changeMemberRole",
            ],
            Policy::TenantRole,
        );
    for payload in [
        "CompanyPayload",
        "MembershipPayload",
        "StudioPayload",
        "DeleteStudioPayload",
        "WorkflowExecutionPayload",
        "KanbanBoardPayload",
        "KanbanStagePayload",
        "KanbanCardPayload",
        "DeleteKanbanCardPayload",
        "CardFieldDefinitionPayload",
        "FilePayload",
        "DeleteFilePayload",
        "ClaimWorkflowExecutionsPayload",
        "RunnerExecutionPayload",
    ] {
        p.field(payload, "*", Policy::Inherit);
    }
    p.field("Viewer", "*", Policy::Authenticated)
        .field("WorkflowTemplate", "*", Policy::Authenticated)
        // Executions of a template are tenant data, filtered by the executions loader.
        .field("WorkflowTemplate", "executions", Policy::TenantMember);
    // Rows of these types only exist in a response when the loaders' tenant scope let them
    // through, so each field needs a signed-in member and nothing more.
    for tenant_type in [
        "Company",
        "CompanyBranch",
        "Membership",
        "User",
        "Studio",
        "WorkflowExecution",
        "ExecutionFile",
        "FileExecution",
        "File",
        "KanbanBoard",
        "KanbanStage",
        "KanbanCard",
        "CardFieldDefinition",
        "Analytics",
        "KanbanBoardEvent",
    ] {
        p.field(tenant_type, "*", Policy::TenantMember);
    }
    // `members` shows every status to admins only; the resolver checks the role per company.
    p.field("Company", "members", Policy::TenantRole);
    for node in [
        "Company",
        "Membership",
        "Studio",
        "WorkflowExecution",
        "File",
        "KanbanBoard",
        "WorkflowTemplate",
    ] {
        p.connection(node);
    }
    p.field("PageInfo", "*", Policy::Inherit);
    p
}
