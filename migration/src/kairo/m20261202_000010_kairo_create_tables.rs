//! KAIRO STUDIO (specs/kairo.md): companies, profiles of identity accounts (the spec's
//! `users`), projects, automations and their runs, assets, leads and services. The spec's
//! `sessions` table is identity's.
//!
//! Where the spec is silent or contradicts itself, the comment says what we chose:
//! - `TEXT[]` tags are JSON arrays (portable; GIN-indexed on PostgreSQL where queried).
//! - automations and assets carry a `company_id`: the tenant key the spec's access rules need
//!   ("a CLIENT sees its own company's automations and assets") but its tables lack.
//! - user data (profiles, companies, projects, automations, assets, leads) is soft-deleted with
//!   `deleted_at`, as the spec's security section recommends.
//! - a run's `completed_at` is set exactly when it is no longer RUNNING (a CHECK).

use sea_orm_migration::prelude::*;

use crate::common::{
    fk, index, json_default, one_of, raw, timestamp_now, timestamp_null, uuid_pk, uuid_ref, Backend,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

const ROLES: &[&str] = &["ADMIN", "TEAM", "CLIENT"];
const AUTOMATION_STATUSES: &[&str] = &["DRAFT", "ACTIVE", "PAUSED", "ARCHIVED"];
const RUN_STATUSES: &[&str] = &["RUNNING", "SUCCESS", "FAILED"];
const ASSET_TYPES: &[&str] = &["MODEL", "TEXTURE", "IMAGE", "VIDEO"];
const LEAD_STATUSES: &[&str] = &["NEW", "CONTACTED", "QUALIFIED", "CONVERTED", "LOST"];
const LEAD_SOURCES: &[&str] = &["CONTACT_FORM", "PLATFORM_SIGNUP", "CHAT"];
const TABLES: &[&str] = &[
    "kairo_services",
    "kairo_leads",
    "kairo_assets",
    "kairo_automation_runs",
    "kairo_automations",
    "kairo_projects",
    "kairo_profiles",
    "kairo_companies",
];

fn t(name: &str) -> Alias {
    Alias::new(name)
}

fn text(name: &str) -> ColumnDef {
    ColumnDef::new(t(name)).text().not_null().take()
}

fn text_null(name: &str) -> ColumnDef {
    ColumnDef::new(t(name)).text().null().take()
}

fn json_null(name: &str) -> ColumnDef {
    ColumnDef::new(t(name)).json_binary().null().take()
}

fn flag(name: &str, default: bool) -> ColumnDef {
    ColumnDef::new(t(name))
        .boolean()
        .not_null()
        .default(default)
        .take()
}

fn nonblank(name: &str) -> ColumnDef {
    text(name)
        .check(Expr::cust(format!("length(trim({name})) >= 1")))
        .take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = Backend::of(manager)?;
        companies(manager).await?;
        profiles(manager).await?;
        projects(manager).await?;
        automations(manager).await?;
        assets(manager).await?;
        leads(manager, backend).await?;
        services(manager).await?;
        indexes(manager, backend).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in TABLES {
            manager
                .drop_table(Table::drop().table(t(table)).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

async fn companies(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(t("kairo_companies"))
                .col(uuid_pk(t("id")))
                .col(nonblank("name"))
                .col(text_null("website"))
                .col(text_null("industry"))
                .col(text_null("logo_url"))
                .col(json_null("metadata"))
                .col(timestamp_now(t("created_at")))
                .col(timestamp_now(t("updated_at")))
                .col(timestamp_null(t("deleted_at")))
                .to_owned(),
        )
        .await
}

/// The spec's `users`: the KAIRO side of an identity account (email and password are the
/// account's), keyed by the account id.
async fn profiles(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(t("kairo_profiles"))
                .col(uuid_pk(t("id")))
                .col(text_null("name"))
                .col(
                    ColumnDef::new(t("role"))
                        .string_len(16)
                        .not_null()
                        .default("CLIENT")
                        .check(one_of("role", ROLES)),
                )
                .col(ColumnDef::new(t("company_id")).uuid().null())
                .col(text_null("avatar_url"))
                .col(timestamp_now(t("created_at")))
                .col(timestamp_now(t("updated_at")))
                .col(timestamp_null(t("deleted_at")))
                .foreign_key(&mut fk(
                    t("kairo_profiles"),
                    t("id"),
                    t("accounts"),
                    t("id"),
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    t("kairo_profiles"),
                    t("company_id"),
                    t("kairo_companies"),
                    t("id"),
                    ForeignKeyAction::SetNull,
                ))
                .to_owned(),
        )
        .await
}

async fn projects(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(t("kairo_projects"))
                .col(uuid_pk(t("id")))
                .col(ColumnDef::new(t("company_id")).uuid().null())
                .col(
                    ColumnDef::new(t("slug"))
                        .text()
                        .not_null()
                        .unique_key()
                        .check(Expr::cust("length(slug) BETWEEN 1 AND 100")),
                )
                .col(nonblank("title"))
                .col(text("summary"))
                .col(text_null("hero_asset"))
                .col(json_default(t("content"), "[]"))
                .col(json_null("metrics"))
                .col(json_default(t("tags"), "[]"))
                .col(flag("published", false))
                .col(flag("featured", false))
                .col(timestamp_now(t("created_at")))
                .col(timestamp_now(t("updated_at")))
                .col(timestamp_null(t("deleted_at")))
                .foreign_key(&mut fk(
                    t("kairo_projects"),
                    t("company_id"),
                    t("kairo_companies"),
                    t("id"),
                    ForeignKeyAction::SetNull,
                ))
                .to_owned(),
        )
        .await
}

async fn automations(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(t("kairo_automations"))
                .col(uuid_pk(t("id")))
                .col(uuid_ref(t("user_id")))
                .col(ColumnDef::new(t("company_id")).uuid().null())
                .col(nonblank("title"))
                .col(text_null("description"))
                .col(json_default(t("flow"), r#"{"nodes": [], "edges": []}"#))
                .col(
                    ColumnDef::new(t("status"))
                        .string_len(16)
                        .not_null()
                        .default("DRAFT")
                        .check(one_of("status", AUTOMATION_STATUSES)),
                )
                .col(
                    ColumnDef::new(t("execution_count"))
                        .integer()
                        .not_null()
                        .default(0)
                        .check(Expr::cust("execution_count >= 0")),
                )
                .col(timestamp_null(t("last_executed_at")))
                .col(timestamp_now(t("created_at")))
                .col(timestamp_now(t("updated_at")))
                .col(timestamp_null(t("deleted_at")))
                .foreign_key(&mut fk(
                    t("kairo_automations"),
                    t("user_id"),
                    t("kairo_profiles"),
                    t("id"),
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    t("kairo_automations"),
                    t("company_id"),
                    t("kairo_companies"),
                    t("id"),
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table(t("kairo_automation_runs"))
                .col(uuid_pk(t("id")))
                .col(uuid_ref(t("automation_id")))
                .col(
                    ColumnDef::new(t("status"))
                        .string_len(16)
                        .not_null()
                        .check(one_of("status", RUN_STATUSES)),
                )
                .col(timestamp_now(t("started_at")))
                .col(timestamp_null(t("completed_at")))
                .col(
                    ColumnDef::new(t("duration_ms"))
                        .integer()
                        .null()
                        .check(Expr::cust("duration_ms >= 0")),
                )
                .col(json_null("logs"))
                .col(text_null("error"))
                // The shared job engine's lease: who holds the run, until when, and its
                // retries (none: a run whose holder stopped heartbeating fails).
                .col(timestamp_null(t("lease_expires_at")))
                .col(ColumnDef::new(t("claimed_by")).uuid().null())
                .col(
                    ColumnDef::new(t("retry_count"))
                        .integer()
                        .not_null()
                        .default(0),
                )
                .check(Expr::cust(
                    "(status = 'RUNNING' AND completed_at IS NULL) \
                     OR (status <> 'RUNNING' AND completed_at IS NOT NULL)",
                ))
                .foreign_key(&mut fk(
                    t("kairo_automation_runs"),
                    t("automation_id"),
                    t("kairo_automations"),
                    t("id"),
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await
}

async fn assets(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(t("kairo_assets"))
                .col(uuid_pk(t("id")))
                .col(ColumnDef::new(t("company_id")).uuid().null())
                .col(nonblank("filename"))
                .col(text("url"))
                .col(
                    ColumnDef::new(t("type"))
                        .string_len(16)
                        .not_null()
                        .check(one_of("type", ASSET_TYPES)),
                )
                // The spec's INTEGER tops out at 2 GiB, short of a video or a scanned model.
                .col(
                    ColumnDef::new(t("size_bytes"))
                        .big_integer()
                        .null()
                        .check(Expr::cust("size_bytes >= 0")),
                )
                .col(text_null("mime_type"))
                .col(json_null("metadata"))
                .col(json_default(t("tags"), "[]"))
                .col(ColumnDef::new(t("created_by")).uuid().null())
                .col(timestamp_now(t("created_at")))
                .col(timestamp_null(t("deleted_at")))
                .foreign_key(&mut fk(
                    t("kairo_assets"),
                    t("company_id"),
                    t("kairo_companies"),
                    t("id"),
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    t("kairo_assets"),
                    t("created_by"),
                    t("kairo_profiles"),
                    t("id"),
                    ForeignKeyAction::SetNull,
                ))
                .to_owned(),
        )
        .await
}

async fn leads(manager: &SchemaManager<'_>, backend: Backend) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(t("kairo_leads"))
                .col(uuid_pk(t("id")))
                .col(nonblank("name"))
                .col(text("email").check(backend.pattern_check(
                    r"email ~* '^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$'",
                    "email LIKE '%_@_%._%'",
                )))
                .col(nonblank("message"))
                .col(text_null("phone"))
                .col(text_null("company"))
                .col(
                    ColumnDef::new(t("source"))
                        .string_len(32)
                        .null()
                        .check(one_of("source", LEAD_SOURCES)),
                )
                .col(text_null("utm_source"))
                .col(text_null("utm_medium"))
                .col(text_null("utm_campaign"))
                .col(json_null("metadata"))
                .col(
                    ColumnDef::new(t("status"))
                        .string_len(16)
                        .not_null()
                        .default("NEW")
                        .check(one_of("status", LEAD_STATUSES)),
                )
                .col(timestamp_now(t("created_at")))
                .col(timestamp_now(t("updated_at")))
                .col(timestamp_null(t("deleted_at")))
                .to_owned(),
        )
        .await
}

async fn services(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(t("kairo_services"))
                .col(uuid_pk(t("id")))
                .col(
                    ColumnDef::new(t("slug"))
                        .text()
                        .not_null()
                        .unique_key()
                        .check(Expr::cust("length(slug) BETWEEN 1 AND 100")),
                )
                .col(nonblank("title"))
                .col(text_null("tagline"))
                .col(text("description"))
                .col(json_default(t("content"), "{}"))
                .col(text_null("icon_url"))
                .col(text_null("planet_model_url"))
                .col(ColumnDef::new(t("featured_order")).integer().null())
                .col(flag("published", true))
                .col(timestamp_now(t("created_at")))
                .col(timestamp_now(t("updated_at")))
                .to_owned(),
        )
        .await
}

/// The spec's indexes (its slug indexes are the UNIQUE constraints' own), the composite ones
/// its query patterns name, and the keys the gateway's tenant predicates and keyset pages walk.
async fn indexes(manager: &SchemaManager<'_>, backend: Backend) -> Result<(), DbErr> {
    let plain: &[(&str, &str, &[&str])] = &[
        ("idx_kairo_companies_name", "kairo_companies", &["name"]),
        ("idx_kairo_profiles_role", "kairo_profiles", &["role"]),
        (
            "idx_kairo_profiles_company",
            "kairo_profiles",
            &["company_id"],
        ),
        (
            "idx_kairo_projects_published",
            "kairo_projects",
            &["published"],
        ),
        (
            "idx_kairo_projects_featured",
            "kairo_projects",
            &["featured"],
        ),
        (
            "idx_kairo_projects_created",
            "kairo_projects",
            &["created_at DESC"],
        ),
        (
            "idx_kairo_projects_published_created",
            "kairo_projects",
            &["published", "created_at"],
        ),
        (
            "idx_kairo_projects_company",
            "kairo_projects",
            &["company_id"],
        ),
        (
            "idx_kairo_automations_user",
            "kairo_automations",
            &["user_id"],
        ),
        (
            "idx_kairo_automations_status",
            "kairo_automations",
            &["status"],
        ),
        (
            "idx_kairo_automations_created",
            "kairo_automations",
            &["created_at DESC"],
        ),
        (
            "idx_kairo_automations_user_status",
            "kairo_automations",
            &["user_id", "status"],
        ),
        (
            "idx_kairo_automations_company",
            "kairo_automations",
            &["company_id"],
        ),
        (
            "idx_kairo_runs_automation",
            "kairo_automation_runs",
            &["automation_id", "started_at"],
        ),
        (
            "idx_kairo_runs_status",
            "kairo_automation_runs",
            &["status"],
        ),
        (
            "idx_kairo_runs_lease",
            "kairo_automation_runs",
            &["status", "lease_expires_at"],
        ),
        (
            "idx_kairo_runs_started",
            "kairo_automation_runs",
            &["started_at DESC"],
        ),
        ("idx_kairo_assets_type", "kairo_assets", &["type"]),
        (
            "idx_kairo_assets_created",
            "kairo_assets",
            &["created_at DESC"],
        ),
        ("idx_kairo_assets_company", "kairo_assets", &["company_id"]),
        ("idx_kairo_leads_email", "kairo_leads", &["email"]),
        (
            "idx_kairo_leads_status",
            "kairo_leads",
            &["status", "created_at"],
        ),
        (
            "idx_kairo_leads_created",
            "kairo_leads",
            &["created_at DESC"],
        ),
        (
            "idx_kairo_services_published",
            "kairo_services",
            &["published"],
        ),
    ];
    for (name, table, columns) in plain {
        index(manager, name, table, columns).await?;
    }
    if backend == Backend::Postgres {
        raw(
            manager,
            "CREATE INDEX idx_kairo_projects_content_gin ON kairo_projects USING GIN (content)",
        )
        .await?;
        raw(
            manager,
            "CREATE INDEX idx_kairo_automations_flow_gin ON kairo_automations USING GIN (flow)",
        )
        .await?;
    }
    Ok(())
}
