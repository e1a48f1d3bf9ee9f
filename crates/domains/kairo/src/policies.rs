//! The access policy of every field this domain adds to the schema. A field missing here is
//! refused at run time, and `every_field_has_a_policy` fails in the test suite.
//!
//! Rows are filtered by the viewer's scope in every select (published projects and services
//! are everyone's); the policies say who may ask at all.

use studiogate_graph::{Policy, PolicyRegistry};

const PROJECT: &[&str] = &[
    "id",
    "slug",
    "title",
    "summary",
    "heroAsset",
    "content",
    "metrics",
    "tags",
    "published",
    "featured",
    "createdAt",
    "updatedAt",
];
const SERVICE: &[&str] = &[
    "id",
    "slug",
    "title",
    "tagline",
    "description",
    "content",
    "iconUrl",
    "planetModelUrl",
    "featuredOrder",
    "published",
    "createdAt",
    "updatedAt",
];
const COMPANY: &[&str] = &[
    "id",
    "name",
    "website",
    "industry",
    "logoUrl",
    "metadata",
    "createdAt",
    "updatedAt",
    "projects",
    "automations",
    "assets",
    "users",
];
const USER: &[&str] = &[
    "id",
    "name",
    "role",
    "avatarUrl",
    "createdAt",
    "updatedAt",
    "company",
    "automations",
];
const AUTOMATION: &[&str] = &[
    "id",
    "title",
    "description",
    "flow",
    "status",
    "executionCount",
    "lastExecutedAt",
    "createdAt",
    "updatedAt",
    "owner",
    "company",
    "runs",
];
const RUN: &[&str] = &[
    "id",
    "status",
    "startedAt",
    "completedAt",
    "durationMs",
    "logs",
    "error",
    "automation",
];
const ASSET: &[&str] = &[
    "id",
    "filename",
    "type",
    "sizeBytes",
    "mimeType",
    "metadata",
    "tags",
    "createdAt",
    "company",
    "createdBy",
    "downloadUrl",
];
const LEAD: &[&str] = &[
    "id",
    "name",
    "email",
    "message",
    "phone",
    "company",
    "source",
    "utmSource",
    "utmMedium",
    "utmCampaign",
    "metadata",
    "status",
    "createdAt",
    "updatedAt",
];
const CONNECTIONS: &[&str] = &[
    "KairoProject",
    "KairoService",
    "KairoCompany",
    "KairoUser",
    "KairoAutomation",
    "KairoAutomationRun",
    "KairoAsset",
    "KairoLead",
];

pub fn policies() -> PolicyRegistry {
    let mut p = PolicyRegistry::default();
    p.field("Query", "kairo", Policy::Public)
        .field("KairoQuery", "viewer", Policy::SignedInOrNull)
        .fields(
            "KairoQuery",
            &[
                "project",
                "projectBySlug",
                "projects",
                "service",
                "serviceBySlug",
                "services",
            ],
            Policy::Public,
        )
        .fields(
            "KairoQuery",
            &[
                "company",
                "companies",
                "automation",
                "automations",
                "automationRun",
                "asset",
                "assets",
            ],
            Policy::TenantScoped,
        )
        // ADMIN and TEAM only: the resolvers check the viewer's KAIRO role.
        .fields("KairoQuery", &["lead", "leads"], Policy::RoleChecked)
        .fields("KairoProject", PROJECT, Policy::Public)
        // A project's company is tenant data even when the project is public.
        .field("KairoProject", "company", Policy::TenantScoped)
        .fields("KairoService", SERVICE, Policy::Public)
        .fields("KairoCompany", COMPANY, Policy::TenantScoped)
        .fields("KairoUser", USER, Policy::TenantScoped)
        .fields("KairoAutomation", AUTOMATION, Policy::TenantScoped)
        .fields("KairoAutomationRun", RUN, Policy::TenantScoped)
        .fields("KairoAsset", ASSET, Policy::TenantScoped)
        .fields("KairoLead", LEAD, Policy::RoleChecked);
    for node in CONNECTIONS {
        p.connection(node);
    }
    p.page_info();
    crate::mutation::policies(&mut p);
    crate::subscription::policies(&mut p);
    p
}
