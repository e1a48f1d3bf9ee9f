//! The Studios platform (specs/studios.md): user profiles, companies and memberships,
//! studios, workflow templates and executions, files, kanban boards and card fields.
//!
//! Where the spec contradicts itself (see specs/README.md) the comment says what we chose.

use sea_orm_migration::prelude::*;

use crate::common::{
    fk, index, json_default, one_of, raw, timestamp_now, timestamp_null, uuid_pk, uuid_ref, Backend,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDUSTRIES: &[&str] = &[
    "technology",
    "healthcare",
    "finance",
    "retail",
    "manufacturing",
    "education",
    "consulting",
    "other",
];
const BUSINESS_AREAS: &[&str] = &[
    "marketing",
    "sales",
    "operations",
    "customer_support",
    "finance",
    "hr",
    "other",
];
const EXECUTION_STATUSES: &[&str] = &["pending", "running", "succeeded", "failed", "paused"];
/// The spec documents `approved -> inactive` (revocation) but leaves `inactive` out of its
/// CHECK; revocation is a real state here, so the constraint includes it.
const MEMBERSHIP_STATUSES: &[&str] = &["pending", "approved", "rejected", "inactive"];
const TABLES: &[&str] = &[
    "card_field_definitions",
    "kanban_cards",
    "kanban_stages",
    "kanban_boards",
    "files",
    "workflow_executions",
    "workflow_templates",
    "studios",
    "user_companies",
    "companies",
    "user_profiles",
];

fn t(name: &str) -> Alias {
    Alias::new(name)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = Backend::of(manager)?;
        profiles(manager).await?;
        companies(manager, backend).await?;
        studios(manager).await?;
        workflows(manager, backend).await?;
        files(manager).await?;
        kanban(manager, backend).await?;
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

/// The Studios profile of an identity account (`accounts` is identity's; see
/// `identity::m20261123_000001_identity_accounts`).
async fn profiles(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(t("user_profiles"))
                .col(uuid_pk(t("id")))
                .col(
                    ColumnDef::new(t("full_name"))
                        .string_len(100)
                        .not_null()
                        .check(Expr::cust("length(full_name) >= 2")),
                )
                .col(timestamp_now(t("created_at")))
                .col(timestamp_null(t("last_login_at")))
                .foreign_key(&mut fk(
                    t("user_profiles"),
                    t("id"),
                    t("accounts"),
                    t("id"),
                    ForeignKeyAction::Cascade,
                ))
                .to_owned(),
        )
        .await
}

async fn companies(manager: &SchemaManager<'_>, backend: Backend) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(t("companies"))
                .col(uuid_pk(t("id")))
                .col(
                    ColumnDef::new(t("name"))
                        .string_len(100)
                        .not_null()
                        .check(Expr::cust("length(name) >= 3")),
                )
                .col(
                    ColumnDef::new(t("industry_type"))
                        .string_len(50)
                        .not_null()
                        .check(one_of("industry_type", INDUSTRIES)),
                )
                .col(
                    ColumnDef::new(t("contact_email"))
                        .string_len(255)
                        .not_null()
                        .check(backend.pattern_check(
                            r"contact_email ~* '^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$'",
                            "contact_email LIKE '%_@_%._%'",
                        )),
                )
                .col(ColumnDef::new(t("contact_phone")).string_len(20).null())
                .col(
                    ColumnDef::new(t("headquarters_address"))
                        .string_len(500)
                        .not_null()
                        .check(Expr::cust("length(headquarters_address) >= 10")),
                )
                .col(json_default(t("branches"), "[]"))
                // The spec wants names "unique per user" but gives companies no owner column;
                // the creator is recorded so that rule can be a constraint.
                .col(uuid_ref(t("created_by")))
                .col(timestamp_now(t("created_at")))
                .col(timestamp_now(t("updated_at")))
                .foreign_key(&mut fk(
                    t("companies"),
                    t("created_by"),
                    t("user_profiles"),
                    t("id"),
                    ForeignKeyAction::NoAction,
                ))
                .index(
                    Index::create()
                        .name("uq_companies_created_by_name")
                        .col(t("created_by"))
                        .col(t("name"))
                        .unique(),
                )
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table(t("user_companies"))
                .col(uuid_pk(t("id")))
                .col(uuid_ref(t("user_id")))
                .col(uuid_ref(t("company_id")))
                .col(
                    ColumnDef::new(t("role"))
                        .string_len(20)
                        .not_null()
                        .default("member")
                        .check(one_of("role", &["admin", "member"])),
                )
                .col(
                    ColumnDef::new(t("status"))
                        .string_len(20)
                        .not_null()
                        .default("pending")
                        .check(one_of("status", MEMBERSHIP_STATUSES)),
                )
                .col(timestamp_null(t("joined_at")))
                .col(timestamp_now(t("created_at")))
                .foreign_key(&mut fk(
                    t("user_companies"),
                    t("user_id"),
                    t("user_profiles"),
                    t("id"),
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    t("user_companies"),
                    t("company_id"),
                    t("companies"),
                    t("id"),
                    ForeignKeyAction::Cascade,
                ))
                .index(
                    Index::create()
                        .name("uq_user_companies_user_company")
                        .col(t("user_id"))
                        .col(t("company_id"))
                        .unique(),
                )
                .to_owned(),
        )
        .await
}

async fn studios(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(t("studios"))
                .col(uuid_pk(t("id")))
                .col(uuid_ref(t("company_id")))
                .col(
                    ColumnDef::new(t("name"))
                        .string_len(100)
                        .not_null()
                        .check(Expr::cust("length(name) >= 3")),
                )
                .col(ColumnDef::new(t("description")).text().null())
                .col(
                    ColumnDef::new(t("business_area"))
                        .string_len(50)
                        .not_null()
                        .check(one_of("business_area", BUSINESS_AREAS)),
                )
                .col(uuid_ref(t("created_by")))
                .col(timestamp_now(t("created_at")))
                .col(timestamp_now(t("updated_at")))
                .foreign_key(&mut fk(
                    t("studios"),
                    t("company_id"),
                    t("companies"),
                    t("id"),
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    t("studios"),
                    t("created_by"),
                    t("user_profiles"),
                    t("id"),
                    ForeignKeyAction::NoAction,
                ))
                .index(
                    Index::create()
                        .name("uq_studios_company_name")
                        .col(t("company_id"))
                        .col(t("name"))
                        .unique(),
                )
                .to_owned(),
        )
        .await
}

async fn workflows(manager: &SchemaManager<'_>, backend: Backend) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(t("workflow_templates"))
                .col(uuid_pk(t("id")))
                .col(
                    ColumnDef::new(t("name"))
                        .string_len(200)
                        .not_null()
                        .unique_key()
                        .check(Expr::cust("length(name) >= 3")),
                )
                .col(
                    ColumnDef::new(t("description"))
                        .text()
                        .not_null()
                        .check(Expr::cust(
                            "length(description) >= 10 AND length(description) <= 1000",
                        )),
                )
                .col(
                    ColumnDef::new(t("business_area"))
                        .string_len(50)
                        .not_null()
                        .check(one_of("business_area", BUSINESS_AREAS)),
                )
                .col(uuid_ref(t("activepieces_flow_id")))
                .col(ColumnDef::new(t("input_schema")).json_binary().not_null())
                .col(ColumnDef::new(t("output_schema")).json_binary().null())
                .col(
                    ColumnDef::new(t("estimated_duration_minutes"))
                        .integer()
                        .not_null()
                        .check(Expr::cust(
                            "estimated_duration_minutes > 0 AND estimated_duration_minutes <= 1440",
                        )),
                )
                .col(
                    ColumnDef::new(t("complexity_level"))
                        .string_len(20)
                        .not_null()
                        .check(one_of(
                            "complexity_level",
                            &["beginner", "intermediate", "advanced"],
                        )),
                )
                // The spec's TEXT[] has no SQLite equivalent; a JSON array of strings serves
                // both backends (GIN-indexed on PostgreSQL).
                .col(json_default(t("tags"), "[]"))
                .col(
                    ColumnDef::new(t("version"))
                        .string_len(20)
                        .not_null()
                        .check(backend.pattern_check(
                            r"version ~ '^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$'",
                            "version GLOB '[0-9]*.[0-9]*.[0-9]*' AND version NOT GLOB '*[^0-9.]*'",
                        )),
                )
                .col(
                    ColumnDef::new(t("is_active"))
                        .boolean()
                        .not_null()
                        .default(true),
                )
                .col(timestamp_now(t("created_at")))
                .col(timestamp_now(t("updated_at")))
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table(t("workflow_executions"))
                .col(uuid_pk(t("id")))
                .col(uuid_ref(t("studio_id")))
                .col(uuid_ref(t("template_id")))
                .col(uuid_ref(t("user_id")))
                .col(ColumnDef::new(t("input_data")).json_binary().not_null())
                .col(ColumnDef::new(t("output_data")).json_binary().null())
                .col(
                    ColumnDef::new(t("status"))
                        .string_len(20)
                        .not_null()
                        .default("pending")
                        .check(one_of("status", EXECUTION_STATUSES)),
                )
                .col(ColumnDef::new(t("activepieces_run_id")).uuid().null())
                .col(timestamp_null(t("started_at")))
                .col(timestamp_null(t("completed_at")))
                .col(
                    ColumnDef::new(t("duration_seconds"))
                        .integer()
                        .null()
                        .check(Expr::cust("duration_seconds >= 0")),
                )
                .col(ColumnDef::new(t("error_message")).string_len(2000).null())
                .col(
                    ColumnDef::new(t("retry_count"))
                        .integer()
                        .not_null()
                        .default(0)
                        .check(Expr::cust("retry_count >= 0 AND retry_count <= 3")),
                )
                .col(json_default(t("logs"), "[]"))
                .col(json_default(t("files_used"), "[]"))
                .col(timestamp_now(t("created_at")))
                .foreign_key(&mut fk(
                    t("workflow_executions"),
                    t("studio_id"),
                    t("studios"),
                    t("id"),
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    t("workflow_executions"),
                    t("template_id"),
                    t("workflow_templates"),
                    t("id"),
                    ForeignKeyAction::NoAction,
                ))
                .foreign_key(&mut fk(
                    t("workflow_executions"),
                    t("user_id"),
                    t("user_profiles"),
                    t("id"),
                    ForeignKeyAction::NoAction,
                ))
                .to_owned(),
        )
        .await
}

async fn files(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(t("files"))
                .col(uuid_pk(t("id")))
                .col(uuid_ref(t("studio_id")))
                .col(uuid_ref(t("uploaded_by")))
                .col(
                    ColumnDef::new(t("filename"))
                        .string_len(255)
                        .not_null()
                        .check(Expr::cust("length(filename) >= 1")),
                )
                .col(
                    ColumnDef::new(t("file_size"))
                        .integer()
                        .not_null()
                        .check(Expr::cust("file_size > 0 AND file_size <= 104857600")),
                )
                .col(ColumnDef::new(t("mime_type")).string_len(100).not_null())
                // Named after Supabase Storage in the spec; here it is the object-store key.
                .col(
                    ColumnDef::new(t("supabase_path"))
                        .string_len(500)
                        .not_null()
                        .unique_key(),
                )
                .col(timestamp_now(t("upload_timestamp")))
                .col(timestamp_null(t("last_accessed")))
                .col(
                    ColumnDef::new(t("access_level"))
                        .string_len(20)
                        .not_null()
                        .default("studio")
                        .check(one_of("access_level", &["private", "studio", "company"])),
                )
                .col(json_default(t("metadata"), "{}"))
                .foreign_key(&mut fk(
                    t("files"),
                    t("studio_id"),
                    t("studios"),
                    t("id"),
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    t("files"),
                    t("uploaded_by"),
                    t("user_profiles"),
                    t("id"),
                    ForeignKeyAction::NoAction,
                ))
                .to_owned(),
        )
        .await
}

async fn kanban(manager: &SchemaManager<'_>, backend: Backend) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(t("kanban_boards"))
                .col(uuid_pk(t("id")))
                .col(uuid_ref(t("studio_id")))
                .col(
                    ColumnDef::new(t("name"))
                        .string_len(100)
                        .not_null()
                        .check(Expr::cust("length(name) >= 3")),
                )
                .col(ColumnDef::new(t("description")).text().null())
                .col(uuid_ref(t("created_by")))
                .col(timestamp_now(t("created_at")))
                .col(timestamp_now(t("updated_at")))
                .foreign_key(&mut fk(
                    t("kanban_boards"),
                    t("studio_id"),
                    t("studios"),
                    t("id"),
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    t("kanban_boards"),
                    t("created_by"),
                    t("user_profiles"),
                    t("id"),
                    ForeignKeyAction::NoAction,
                ))
                .index(
                    Index::create()
                        .name("uq_kanban_boards_studio_name")
                        .col(t("studio_id"))
                        .col(t("name"))
                        .unique(),
                )
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table(t("kanban_stages"))
                .col(uuid_pk(t("id")))
                .col(uuid_ref(t("board_id")))
                .col(
                    ColumnDef::new(t("name"))
                        .string_len(50)
                        .not_null()
                        .check(Expr::cust("length(name) >= 2")),
                )
                .col(
                    ColumnDef::new(t("color"))
                        .string_len(7)
                        .not_null()
                        .check(backend.pattern_check(
                            "color ~ '^#[0-9A-Fa-f]{6}$'",
                            "color GLOB '#[0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f]'",
                        )),
                )
                .col(
                    ColumnDef::new(t("position"))
                        .integer()
                        .not_null()
                        .check(Expr::cust("position >= 0")),
                )
                .col(json_default(t("workflow_triggers"), "[]"))
                .col(timestamp_now(t("created_at")))
                .col(timestamp_now(t("updated_at")))
                .foreign_key(&mut fk(
                    t("kanban_stages"),
                    t("board_id"),
                    t("kanban_boards"),
                    t("id"),
                    ForeignKeyAction::Cascade,
                ))
                .index(
                    Index::create()
                        .name("uq_kanban_stages_board_name")
                        .col(t("board_id"))
                        .col(t("name"))
                        .unique(),
                )
                .index(
                    Index::create()
                        .name("uq_kanban_stages_board_position")
                        .col(t("board_id"))
                        .col(t("position"))
                        .unique(),
                )
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table(t("kanban_cards"))
                .col(uuid_pk(t("id")))
                .col(uuid_ref(t("board_id")))
                .col(uuid_ref(t("stage_id")))
                .col(
                    ColumnDef::new(t("title"))
                        .string_len(200)
                        .not_null()
                        .check(Expr::cust("length(title) >= 1")),
                )
                .col(ColumnDef::new(t("description")).text().null())
                .col(
                    ColumnDef::new(t("position"))
                        .integer()
                        .not_null()
                        .check(Expr::cust("position >= 0")),
                )
                .col(ColumnDef::new(t("assignee_id")).uuid().null())
                .col(timestamp_null(t("due_date")))
                .col(json_default(t("custom_fields"), "[]"))
                .col(uuid_ref(t("created_by")))
                .col(timestamp_now(t("created_at")))
                .col(timestamp_now(t("updated_at")))
                .foreign_key(&mut fk(
                    t("kanban_cards"),
                    t("board_id"),
                    t("kanban_boards"),
                    t("id"),
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    t("kanban_cards"),
                    t("stage_id"),
                    t("kanban_stages"),
                    t("id"),
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    t("kanban_cards"),
                    t("assignee_id"),
                    t("user_profiles"),
                    t("id"),
                    ForeignKeyAction::NoAction,
                ))
                .foreign_key(&mut fk(
                    t("kanban_cards"),
                    t("created_by"),
                    t("user_profiles"),
                    t("id"),
                    ForeignKeyAction::NoAction,
                ))
                .index(
                    Index::create()
                        .name("uq_kanban_cards_stage_position")
                        .col(t("stage_id"))
                        .col(t("position"))
                        .unique(),
                )
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table(t("card_field_definitions"))
                .col(uuid_pk(t("id")))
                .col(uuid_ref(t("studio_id")))
                .col(
                    ColumnDef::new(t("field_name"))
                        .string_len(50)
                        .not_null()
                        .check(Expr::cust("length(field_name) >= 1")),
                )
                .col(
                    ColumnDef::new(t("field_type"))
                        .string_len(20)
                        .not_null()
                        .check(one_of(
                            "field_type",
                            &["text", "number", "date", "dropdown", "checkbox"],
                        )),
                )
                .col(json_default(t("field_config"), "{}"))
                .col(
                    ColumnDef::new(t("is_required"))
                        .boolean()
                        .not_null()
                        .default(false),
                )
                .col(
                    ColumnDef::new(t("display_order"))
                        .integer()
                        .not_null()
                        .check(Expr::cust("display_order >= 0")),
                )
                .col(timestamp_now(t("created_at")))
                .foreign_key(&mut fk(
                    t("card_field_definitions"),
                    t("studio_id"),
                    t("studios"),
                    t("id"),
                    ForeignKeyAction::Cascade,
                ))
                .index(
                    Index::create()
                        .name("uq_card_field_definitions_studio_name")
                        .col(t("studio_id"))
                        .col(t("field_name"))
                        .unique(),
                )
                .index(
                    Index::create()
                        .name("uq_card_field_definitions_studio_order")
                        .col(t("studio_id"))
                        .col(t("display_order"))
                        .unique(),
                )
                .to_owned(),
        )
        .await
}

/// The spec's performance indexes, plus the composite keys our keyset pagination walks.
/// `idx_studio_analytics_studio_date` is declared on a view in the spec and cannot exist.
async fn indexes(manager: &SchemaManager<'_>, backend: Backend) -> Result<(), DbErr> {
    for sql in [
        "CREATE INDEX idx_user_companies_user_id ON user_companies (user_id) WHERE status = 'approved'",
        "CREATE INDEX idx_user_companies_company_id ON user_companies (company_id) WHERE status = 'approved'",
        "CREATE INDEX idx_kanban_cards_assignee ON kanban_cards (assignee_id) WHERE assignee_id IS NOT NULL",
        "CREATE INDEX idx_kanban_cards_due_date ON kanban_cards (due_date) WHERE due_date IS NOT NULL",
        "CREATE INDEX idx_workflow_templates_business_area ON workflow_templates (business_area) WHERE is_active = true",
        "CREATE INDEX idx_workflow_templates_complexity ON workflow_templates (complexity_level) WHERE is_active = true",
    ] {
        raw(manager, sql).await?;
    }
    if backend == Backend::Postgres {
        raw(
            manager,
            "CREATE INDEX idx_workflow_templates_tags ON workflow_templates USING GIN (tags) WHERE is_active = true",
        )
        .await?;
    }
    let plain: &[(&str, &str, &[&str])] = &[
        ("idx_studios_company_id", "studios", &["company_id"]),
        ("idx_studios_business_area", "studios", &["business_area"]),
        (
            "idx_studios_company_created",
            "studios",
            &["company_id", "created_at DESC", "id DESC"],
        ),
        (
            "idx_workflow_executions_studio_id",
            "workflow_executions",
            &["studio_id"],
        ),
        (
            "idx_workflow_executions_status",
            "workflow_executions",
            &["status"],
        ),
        (
            "idx_workflow_executions_created_at",
            "workflow_executions",
            &["created_at DESC"],
        ),
        (
            "idx_workflow_executions_studio_created",
            "workflow_executions",
            &["studio_id", "created_at DESC", "id DESC"],
        ),
        (
            "idx_workflow_executions_template_id",
            "workflow_executions",
            &["template_id"],
        ),
        (
            "idx_workflow_executions_user_id",
            "workflow_executions",
            &["user_id"],
        ),
        ("idx_files_studio_id", "files", &["studio_id"]),
        ("idx_files_uploaded_by", "files", &["uploaded_by"]),
        (
            "idx_files_upload_timestamp",
            "files",
            &["upload_timestamp DESC"],
        ),
        (
            "idx_files_studio_uploaded",
            "files",
            &["studio_id", "upload_timestamp DESC", "id DESC"],
        ),
        (
            "idx_kanban_boards_studio_id",
            "kanban_boards",
            &["studio_id"],
        ),
        ("idx_kanban_stages_board_id", "kanban_stages", &["board_id"]),
        (
            "idx_kanban_stages_position",
            "kanban_stages",
            &["board_id", "position"],
        ),
        ("idx_kanban_cards_board_id", "kanban_cards", &["board_id"]),
        ("idx_kanban_cards_stage_id", "kanban_cards", &["stage_id"]),
        (
            "idx_kanban_cards_position",
            "kanban_cards",
            &["stage_id", "position"],
        ),
        (
            "idx_card_field_definitions_studio",
            "card_field_definitions",
            &["studio_id", "display_order"],
        ),
    ];
    for (name, table, columns) in plain {
        index(manager, name, table, columns).await?;
    }
    Ok(())
}
