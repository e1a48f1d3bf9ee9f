//! Root mutation fields of the KAIRO domain, under `kairo: KairoMutation!`. Each resolver
//! reads its input, calls a service, and wraps the row it returns.

mod asset;
mod automation;
mod company;
mod lead;
mod project;

use async_graphql::{MergedObject, Object};
use studiogate_graph::{Policy, PolicyRegistry};

pub use asset::KairoAssetMutation;
pub use automation::KairoAutomationMutation;
pub use company::KairoCompanyMutation;
pub use lead::KairoLeadMutation;
pub use project::KairoProjectMutation;

/// The `kairo` field of `Mutation`.
#[derive(Default)]
pub struct KairoMutationRoot;

/// Root fields of KAIRO.
#[Object]
impl KairoMutationRoot {
    /// KAIRO STUDIO's writes: leads (anyone), projects, services and companies (staff),
    /// automations and their runs (clients of the company, and staff).
    async fn kairo(&self) -> KairoMutation {
        KairoMutation::default()
    }
}

/// KAIRO's writes.
#[derive(MergedObject, Default)]
pub struct KairoMutation(
    KairoLeadMutation,
    KairoProjectMutation,
    KairoCompanyMutation,
    KairoAutomationMutation,
    KairoAssetMutation,
);

const PAYLOADS: &[(&str, &str)] = &[
    ("KairoLeadPayload", "lead"),
    ("KairoProjectPayload", "project"),
    ("KairoServicePayload", "service"),
    ("KairoCompanyPayload", "company"),
    ("KairoUserPayload", "user"),
    ("KairoAutomationPayload", "automation"),
    ("KairoAutomationRunPayload", "run"),
    ("KairoDeletePayload", "id"),
    ("KairoAssetPayload", "asset"),
];

pub fn policies(p: &mut PolicyRegistry) {
    p.field("Mutation", "kairo", Policy::Public)
        // Anonymous: the contact form (rate-limited, honeypot).
        .field("KairoMutation", "createLead", Policy::Public)
        .fields(
            "CreateKairoLeadPayload",
            &["id", "receivedAt"],
            Policy::Public,
        )
        // ADMIN and TEAM (ADMIN alone for assigning people): the services check the role.
        .fields(
            "KairoMutation",
            &[
                "changeLeadStatus",
                "createProject",
                "updateProject",
                "deleteProject",
                "createService",
                "updateService",
                "createCompany",
                "updateCompany",
                "deleteCompany",
                "assignUser",
                "deleteLead",
            ],
            Policy::RoleChecked,
        )
        // Clients of the automation's company, and staff: rows come through the scope.
        .fields(
            "KairoMutation",
            &[
                "createAutomation",
                "updateAutomation",
                "changeAutomationStatus",
                "deleteAutomation",
                "startAutomationRun",
                "heartbeatAutomationRun",
                "finishAutomationRun",
                "uploadAsset",
                "deleteAsset",
                "updateProfile",
            ],
            Policy::TenantScoped,
        );
    for (ty, field) in PAYLOADS {
        p.field(ty, field, Policy::Inherit);
    }
}
