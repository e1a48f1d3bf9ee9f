//! The access policy of every field this domain adds to the schema. A field missing here is
//! refused at run time, and `every_field_has_a_policy` fails in the test suite.

use studiogate_graph::{Policy, PolicyRegistry};

const SUBSCRIPTIONS: &[&str] = &["workflowExecutionUpdated", "kanbanBoardChanged"];

pub fn policies() -> PolicyRegistry {
    let mut p = PolicyRegistry::default();
    p.field("Query", "viewer", Policy::SignedInOrNull)
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
            Policy::TenantScoped,
        )
        .fields("Subscription", SUBSCRIPTIONS, Policy::TenantScoped)
        // Each event resolves under the domain's own root type, so the guard sees that name.
        .fields("StudiosSubscription", SUBSCRIPTIONS, Policy::TenantScoped)
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
        .fields(
            "WorkflowTemplatePayload",
            &["workflowTemplate"],
            Policy::Inherit,
        )
        .fields(
            "Mutation",
            &["createCompany", "requestCompanyMembership"],
            Policy::Authenticated,
        )
        // The viewer's own profile: the service writes the viewer's row only.
        .field("Mutation", "updateProfile", Policy::Authenticated)
        .fields(
            "Mutation",
            &[
                "createStudio",
                "updateStudio",
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
                "updateKanbanBoard",
                "updateKanbanStage",
                "deleteKanbanStage",
                "createCardFieldDefinition",
                "uploadFile",
                // Their uploader or a company admin: the services check which.
                "updateFile",
                "deleteFile",
            ],
            Policy::TenantScoped,
        )
        // Any approved member, as for creating one; the studio comes from the tenant scope.
        .fields(
            "Mutation",
            &[
                "updateCardFieldDefinition",
                "reorderCardFieldDefinitions",
                "deleteCardFieldDefinition",
            ],
            Policy::TenantScoped,
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
                "deleteKanbanBoard",
                "deleteStudio",
            ],
            Policy::RoleChecked,
        );
    // A payload carries what its mutation changed; the mutation field was checked.
    p.fields("CompanyPayload", &["company"], Policy::Inherit);
    p.fields("MembershipPayload", &["membership"], Policy::Inherit);
    p.fields("StudioPayload", &["studio"], Policy::Inherit);
    p.fields("DeleteStudioPayload", &["deletedStudioId"], Policy::Inherit);
    p.fields(
        "WorkflowExecutionPayload",
        &["workflowExecution"],
        Policy::Inherit,
    );
    p.fields("KanbanBoardPayload", &["kanbanBoard"], Policy::Inherit);
    p.fields("KanbanStagePayload", &["kanbanStage"], Policy::Inherit);
    p.fields("KanbanCardPayload", &["kanbanCard"], Policy::Inherit);
    p.fields(
        "DeleteKanbanCardPayload",
        &["deletedCardId"],
        Policy::Inherit,
    );
    p.fields(
        "DeleteKanbanBoardPayload",
        &["deletedBoardId"],
        Policy::Inherit,
    );
    p.fields(
        "DeleteKanbanStagePayload",
        &["deletedStageId", "kanbanBoard"],
        Policy::Inherit,
    );
    p.fields(
        "CardFieldDefinitionPayload",
        &["cardFieldDefinition"],
        Policy::Inherit,
    );
    p.fields(
        "ReorderCardFieldDefinitionsPayload",
        &["cardFieldDefinitions"],
        Policy::Inherit,
    );
    p.fields(
        "DeleteCardFieldDefinitionPayload",
        &["deletedCardFieldDefinitionId"],
        Policy::Inherit,
    );
    p.fields("UpdateProfilePayload", &["user"], Policy::Inherit);
    p.fields("FilePayload", &["file"], Policy::Inherit);
    p.fields("DeleteFilePayload", &["deletedFileId"], Policy::Inherit);
    p.fields(
        "ClaimWorkflowExecutionsPayload",
        &["workflowExecutions"],
        Policy::Inherit,
    );
    p.fields(
        "RunnerExecutionPayload",
        &["workflowExecution"],
        Policy::Inherit,
    );
    p.fields(
        "Viewer",
        &[
            "id",
            "email",
            "emailVerified",
            "lastLoginAt",
            "loginCount",
            "sessions",
            "profile",
            "memberships",
        ],
        Policy::Authenticated,
    )
    .fields(
        "WorkflowTemplate",
        &[
            "id",
            "name",
            "description",
            "businessArea",
            "activepiecesFlowId",
            "inputSchema",
            "outputSchema",
            "estimatedDurationMinutes",
            "complexityLevel",
            "tags",
            "version",
            "isActive",
            "createdAt",
            "updatedAt",
        ],
        Policy::Authenticated,
    )
    // Executions of a template are tenant data, filtered by the executions loader.
    .field("WorkflowTemplate", "executions", Policy::TenantScoped);
    // Rows of these types only exist in a response when the loaders' tenant scope let them
    // through, so each field needs a signed-in caller and nothing more. Listed field by
    // field: a field added to a type has no policy until someone decides one here.
    p.fields(
        "Company",
        &[
            "id",
            "name",
            "industryType",
            "contactEmail",
            "contactPhone",
            "headquartersAddress",
            "branches",
            "createdAt",
            "updatedAt",
            "viewerRole",
            "analytics",
            "dailyAnalytics",
            "studios",
        ],
        Policy::TenantScoped,
    );
    p.fields(
        "CompanyBranch",
        &["name", "address", "contactEmail", "contactPhone"],
        Policy::TenantScoped,
    );
    p.fields(
        "Membership",
        &[
            "id",
            "role",
            "status",
            "joinedAt",
            "createdAt",
            "user",
            "company",
        ],
        Policy::TenantScoped,
    );
    p.fields(
        "User",
        &[
            "id",
            "fullName",
            "email",
            "createdAt",
            "lastLoginAt",
            "executions",
            "files",
        ],
        Policy::TenantScoped,
    );
    p.fields(
        "Studio",
        &[
            "id",
            "name",
            "description",
            "businessArea",
            "createdAt",
            "updatedAt",
            "company",
            "createdBy",
            "executions",
            "files",
            "kanbanBoards",
            "analytics",
            "dailyAnalytics",
            "cardFieldDefinitions",
        ],
        Policy::TenantScoped,
    );
    p.fields(
        "WorkflowExecution",
        &[
            "id",
            "status",
            "inputData",
            "outputData",
            "activepiecesRunId",
            "startedAt",
            "completedAt",
            "durationSeconds",
            "errorMessage",
            "retryCount",
            "leaseExpiresAt",
            "logs",
            "createdAt",
            "studio",
            "template",
            "user",
            "files",
        ],
        Policy::TenantScoped,
    );
    p.fields(
        "ExecutionFile",
        &["usageType", "file"],
        Policy::TenantScoped,
    );
    p.fields(
        "FileExecution",
        &["usageType", "execution"],
        Policy::TenantScoped,
    );
    p.fields(
        "File",
        &[
            "id",
            "filename",
            "fileSize",
            "mimeType",
            "accessLevel",
            "uploadedAt",
            "lastAccessedAt",
            "downloadUrl",
            "metadata",
            "studio",
            "usedBy",
            "uploadedBy",
        ],
        Policy::TenantScoped,
    );
    p.fields(
        "KanbanBoard",
        &[
            "id",
            "name",
            "description",
            "createdAt",
            "updatedAt",
            "studio",
            "createdBy",
            "stages",
            "cards",
        ],
        Policy::TenantScoped,
    );
    p.fields(
        "KanbanStage",
        &[
            "id",
            "name",
            "color",
            "position",
            "workflowTriggers",
            "createdAt",
            "updatedAt",
            "board",
            "cards",
        ],
        Policy::TenantScoped,
    );
    p.fields(
        "KanbanCard",
        &[
            "id",
            "title",
            "description",
            "position",
            "dueDate",
            "customFields",
            "createdAt",
            "updatedAt",
            "board",
            "stage",
            "assignee",
            "createdBy",
        ],
        Policy::TenantScoped,
    );
    p.fields(
        "CardFieldDefinition",
        &[
            "id",
            "fieldName",
            "fieldType",
            "fieldConfig",
            "isRequired",
            "displayOrder",
            "createdAt",
            "studio",
        ],
        Policy::TenantScoped,
    );
    p.fields(
        "Analytics",
        &[
            "totalExecutions",
            "succeededExecutions",
            "failedExecutions",
            "averageDurationSeconds",
            "uniqueUsers",
            "filesUploaded",
            "storageUsedBytes",
            "lastExecutionAt",
        ],
        Policy::TenantScoped,
    );
    p.fields(
        "DailyAnalytics",
        &[
            "day",
            "totalExecutions",
            "succeededExecutions",
            "failedExecutions",
            "averageDurationSeconds",
            "uniqueUsers",
            "filesUploaded",
            "storageUsedBytes",
        ],
        Policy::TenantScoped,
    );
    p.fields(
        "KanbanBoardEvent",
        &["change", "board", "cardId", "card", "stage"],
        Policy::TenantScoped,
    );
    // `members` shows every status to admins only; the resolver checks the role per company.
    p.field("Company", "members", Policy::RoleChecked);
    for node in [
        "Company",
        "Membership",
        "Studio",
        "WorkflowExecution",
        "File",
        "KanbanBoard",
        "KanbanCard",
        "WorkflowTemplate",
    ] {
        p.connection(node);
    }
    p.page_info();
    p
}
