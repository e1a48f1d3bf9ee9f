//! The access policy of every field this domain adds to the schema. A field missing here is
//! refused at run time, and `every_field_has_a_policy` fails in the test suite.
//!
//! Rows reach a field only through the client scope (members of an active client see that
//! client; platform admins see every client), so most fields are `TenantScoped`; cost and
//! revenue figures and the template catalog are the platform admins' alone.

use studiogate_graph::{Policy, PolicyRegistry};

use crate::DOMAIN;

const ADMIN: Policy = Policy::PlatformAdmin(DOMAIN);
const TENANT: Policy = Policy::TenantScoped;

/// Connections and their edges, by node type.
const CONNECTIONS: &[&str] = &[
    "MasstockClient",
    "MasstockClientMember",
    "MasstockProfile",
    "MasstockWorkflowTemplate",
    "MasstockWorkflow",
    "MasstockWorkflowRequest",
    "MasstockWorkflowExecution",
    "MasstockSupportTicket",
];

pub fn policies() -> PolicyRegistry {
    let mut p = PolicyRegistry::default();
    p.field("Query", "masstock", Policy::Authenticated)
        .fields(
            "MasstockQuery",
            &[
                "me",
                "myRole",
                "clients",
                "users",
                "client",
                "workflow",
                "workflowRequest",
                "workflowExecution",
                "supportTicket",
                "clientSuccessRates",
                "topWorkflows",
            ],
            TENANT,
        )
        .fields(
            "MasstockQuery",
            &["workflowTemplates", "workflowTemplate"],
            ADMIN,
        );
    objects(&mut p);
    crate::mutation::policies(&mut p);
    crate::subscription::policies(&mut p);
    for node in CONNECTIONS {
        p.connection(node);
    }
    p.page_info();
    p
}

fn objects(p: &mut PolicyRegistry) {
    p.fields(
        "MasstockProfile",
        &[
            "id",
            "email",
            "name",
            "status",
            "createdAt",
            "updatedAt",
            "lastLogin",
        ],
        TENANT,
    )
    .fields(
        "MasstockClient",
        &[
            "id",
            "name",
            "companyName",
            "email",
            "status",
            "createdAt",
            "updatedAt",
            "members",
            "workflows",
            "workflowRequests",
            "executions",
            "supportTickets",
            "successRate",
        ],
        TENANT,
    )
    .fields(
        "MasstockClientMember",
        &["id", "role", "createdAt", "updatedAt", "client", "user"],
        TENANT,
    )
    .fields(
        "MasstockWorkflowTemplate",
        &[
            "id",
            "name",
            "description",
            "icon",
            "workflowType",
            "config",
            "costPerExecution",
            "revenuePerExecution",
            "isActive",
            "createdAt",
            "updatedAt",
            "workflows",
        ],
        ADMIN,
    )
    .fields(
        "MasstockWorkflow",
        &[
            "id",
            "name",
            "description",
            "status",
            "config",
            "createdAt",
            "updatedAt",
            "client",
            "executions",
            "requests",
        ],
        TENANT,
    )
    // Which template a workflow came from is the catalog's business.
    .field("MasstockWorkflow", "template", ADMIN)
    .fields(
        "MasstockWorkflowRequest",
        &[
            "id",
            "status",
            "notes",
            "createdAt",
            "updatedAt",
            "client",
            "workflow",
        ],
        TENANT,
    )
    .fields(
        "MasstockWorkflowExecution",
        &[
            "id",
            "status",
            "inputData",
            "referenceImageUrls",
            "hasApiKey",
            "outputData",
            "startedAt",
            "completedAt",
            "durationSeconds",
            "errorMessage",
            "createdAt",
            "workflow",
            "client",
            "triggeredBy",
            "batchResults",
        ],
        TENANT,
    )
    .fields(
        "MasstockBatchResult",
        &[
            "id",
            "batchIndex",
            "promptText",
            "status",
            "resultUrl",
            "errorMessage",
            "processingTimeMs",
            "createdAt",
            "completedAt",
            "execution",
        ],
        TENANT,
    )
    .fields(
        "MasstockSupportTicket",
        &[
            "id",
            "subject",
            "description",
            "status",
            "priority",
            "createdAt",
            "updatedAt",
            "client",
            "user",
        ],
        TENANT,
    )
    .fields(
        "MasstockSuccessRate",
        &[
            "totalExecutions",
            "successful",
            "failed",
            "successRatePercent",
        ],
        TENANT,
    )
    .fields("MasstockClientSuccess", &["client", "successRate"], TENANT)
    .fields(
        "MasstockWorkflowUsage",
        &[
            "workflow",
            "executionCount",
            "avgDurationSeconds",
            "successfulCount",
        ],
        TENANT,
    );
}
