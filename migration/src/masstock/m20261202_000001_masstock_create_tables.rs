//! MasStock (specs/masstock.md): profiles of identity accounts, clients and their members,
//! workflow templates, workflows, requests, executions with one batch result per prompt, and
//! support tickets. Every table is prefixed `masstock_`.
//!
//! Where the spec is silent or contradicts itself the comment says what we chose (and the
//! domain's README lists it).

use sea_orm_migration::prelude::*;

use crate::common::{
    fk, index, json_default, one_of, timestamp_now, timestamp_null, uuid_pk, uuid_ref,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

const STATUSES: &[&str] = &["active", "suspended", "deleted"];
const MEMBER_ROLES: &[&str] = &["owner", "collaborator"];
const WORKFLOW_STATUSES: &[&str] = &["active", "inactive"];
const REQUEST_STATUSES: &[&str] = &["pending", "approved", "rejected"];
const EXECUTION_STATUSES: &[&str] = &["pending", "processing", "completed", "failed"];
/// The spec's CHECK lists `processing`, `completed`, `failed` (default `processing`); results
/// are created when the execution is, before a runner takes them, so they start `pending`.
const BATCH_STATUSES: &[&str] = &["pending", "processing", "completed", "failed"];
const TICKET_STATUSES: &[&str] = &["open", "in_progress", "resolved", "closed"];
const PRIORITIES: &[&str] = &["low", "medium", "high", "urgent"];
const TABLES: &[&str] = &[
    "masstock_support_tickets",
    "masstock_workflow_batch_results",
    "masstock_workflow_executions",
    "masstock_workflow_requests",
    "masstock_workflows",
    "masstock_workflow_templates",
    "masstock_client_members",
    "masstock_clients",
    "masstock_profiles",
];

fn t(name: &str) -> Alias {
    Alias::new(name)
}

fn text<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).text().not_null().take()
}

fn text_null<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name).text().null().take()
}

fn status<T: IntoIden>(name: T, column: &str, default: &str, values: &[&str]) -> ColumnDef {
    ColumnDef::new(name)
        .string_len(20)
        .not_null()
        .default(default)
        .check(one_of(column, values))
        .take()
}

/// Money in thousandths of the currency unit: the spec declares `decimal(10,2)` but seeds
/// $0.039, which two decimals cannot hold.
fn mills<T: IntoIden>(name: T, column: &str) -> ColumnDef {
    ColumnDef::new(name)
        .big_integer()
        .not_null()
        .default(0)
        .check(Expr::cust(format!("{column} >= 0")))
        .take()
}

fn cascade(table: &str, column: &str, to: &str) -> ForeignKeyCreateStatement {
    fk(
        t(table),
        t(column),
        t(to),
        t("id"),
        ForeignKeyAction::Cascade,
    )
}

fn restrict(table: &str, column: &str, to: &str) -> ForeignKeyCreateStatement {
    fk(
        t(table),
        t(column),
        t(to),
        t("id"),
        ForeignKeyAction::Restrict,
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        people(manager).await?;
        catalog(manager).await?;
        executions(manager).await?;
        tickets(manager).await?;
        indexes(manager).await
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

/// The spec's `users` (a profile of an identity account; `role = 'admin'` is identity's
/// `platform_roles` with domain `masstock`), clients and their members.
async fn people(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(t("masstock_profiles"))
                .col(uuid_pk(t("id")))
                .col(text(t("email")))
                .col(text(t("name")))
                .col(status(t("status"), "status", "active", STATUSES))
                .col(timestamp_now(t("created_at")))
                .col(timestamp_now(t("updated_at")))
                .col(timestamp_null(t("last_login")))
                .foreign_key(&mut cascade("masstock_profiles", "id", "accounts"))
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table(t("masstock_clients"))
                .col(uuid_pk(t("id")))
                .col(text(t("name")))
                .col(text_null(t("company_name")))
                .col(text(t("email")))
                .col(status(t("status"), "status", "active", STATUSES))
                .col(timestamp_now(t("created_at")))
                .col(timestamp_now(t("updated_at")))
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table(t("masstock_client_members"))
                .col(uuid_pk(t("id")))
                .col(uuid_ref(t("client_id")))
                .col(uuid_ref(t("user_id")))
                .col(status(t("role"), "role", "collaborator", MEMBER_ROLES))
                .col(timestamp_now(t("created_at")))
                .col(timestamp_now(t("updated_at")))
                .foreign_key(&mut cascade(
                    "masstock_client_members",
                    "client_id",
                    "masstock_clients",
                ))
                .foreign_key(&mut cascade(
                    "masstock_client_members",
                    "user_id",
                    "masstock_profiles",
                ))
                .to_owned(),
        )
        .await
}

async fn catalog(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(t("masstock_workflow_templates"))
                .col(uuid_pk(t("id")))
                .col(text(t("name")))
                .col(text_null(t("description")))
                .col(ColumnDef::new(t("icon")).text().not_null().default("zap"))
                .col(text(t("workflow_type")))
                .col(json_default(t("config"), "{}"))
                .col(mills(
                    t("cost_per_execution_mills"),
                    "cost_per_execution_mills",
                ))
                .col(mills(
                    t("revenue_per_execution_mills"),
                    "revenue_per_execution_mills",
                ))
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
                .table(t("masstock_workflows"))
                .col(uuid_pk(t("id")))
                .col(text(t("name")))
                .col(text_null(t("description")))
                .col(status(t("status"), "status", "active", WORKFLOW_STATUSES))
                .col(json_default(t("config"), "{}"))
                .col(ColumnDef::new(t("client_id")).uuid().null())
                .col(ColumnDef::new(t("template_id")).uuid().null())
                .col(timestamp_now(t("created_at")))
                .col(timestamp_now(t("updated_at")))
                .foreign_key(&mut restrict(
                    "masstock_workflows",
                    "client_id",
                    "masstock_clients",
                ))
                .foreign_key(&mut fk(
                    t("masstock_workflows"),
                    t("template_id"),
                    t("masstock_workflow_templates"),
                    t("id"),
                    ForeignKeyAction::SetNull,
                ))
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table(t("masstock_workflow_requests"))
                .col(uuid_pk(t("id")))
                .col(uuid_ref(t("client_id")))
                .col(uuid_ref(t("workflow_id")))
                .col(status(t("status"), "status", "pending", REQUEST_STATUSES))
                .col(text_null(t("notes")))
                .col(timestamp_now(t("created_at")))
                .col(timestamp_now(t("updated_at")))
                .foreign_key(&mut restrict(
                    "masstock_workflow_requests",
                    "client_id",
                    "masstock_clients",
                ))
                .foreign_key(&mut restrict(
                    "masstock_workflow_requests",
                    "workflow_id",
                    "masstock_workflows",
                ))
                .to_owned(),
        )
        .await
}

/// Executions carry the job engine's lease columns (`crates/platform/src/jobs.rs`) and the
/// API key's ciphertext, kept out of `input_data` so that no read of the input returns it.
async fn executions(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(t("masstock_workflow_executions"))
                .col(uuid_pk(t("id")))
                .col(uuid_ref(t("workflow_id")))
                .col(uuid_ref(t("client_id")))
                .col(ColumnDef::new(t("triggered_by_user_id")).uuid().null())
                .col(status(t("status"), "status", "pending", EXECUTION_STATUSES))
                .col(ColumnDef::new(t("input_data")).json_binary().not_null())
                .col(ColumnDef::new(t("output_data")).json_binary().null())
                .col(text_null(t("api_key_ciphertext")))
                .col(timestamp_null(t("started_at")))
                .col(timestamp_null(t("completed_at")))
                .col(ColumnDef::new(t("duration_seconds")).integer().null())
                .col(text_null(t("error_message")))
                .col(timestamp_null(t("lease_expires_at")))
                .col(ColumnDef::new(t("claimed_by")).uuid().null())
                .col(
                    ColumnDef::new(t("retry_count"))
                        .integer()
                        .not_null()
                        .default(0),
                )
                .col(timestamp_now(t("created_at")))
                .foreign_key(&mut restrict(
                    "masstock_workflow_executions",
                    "workflow_id",
                    "masstock_workflows",
                ))
                .foreign_key(&mut restrict(
                    "masstock_workflow_executions",
                    "client_id",
                    "masstock_clients",
                ))
                .foreign_key(&mut fk(
                    t("masstock_workflow_executions"),
                    t("triggered_by_user_id"),
                    t("masstock_profiles"),
                    t("id"),
                    ForeignKeyAction::SetNull,
                ))
                .to_owned(),
        )
        .await?;
    manager
        .create_table(
            Table::create()
                .table(t("masstock_workflow_batch_results"))
                .col(uuid_pk(t("id")))
                .col(uuid_ref(t("execution_id")))
                .col(
                    ColumnDef::new(t("batch_index"))
                        .integer()
                        .not_null()
                        .check(Expr::cust("batch_index >= 0")),
                )
                .col(text(t("prompt_text")))
                .col(status(t("status"), "status", "pending", BATCH_STATUSES))
                .col(text_null(t("result_url")))
                .col(text_null(t("result_storage_path")))
                .col(text_null(t("error_message")))
                .col(ColumnDef::new(t("processing_time_ms")).integer().null())
                .col(timestamp_now(t("created_at")))
                .col(timestamp_null(t("completed_at")))
                .foreign_key(&mut cascade(
                    "masstock_workflow_batch_results",
                    "execution_id",
                    "masstock_workflow_executions",
                ))
                .to_owned(),
        )
        .await
}

async fn tickets(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .create_table(
            Table::create()
                .table(t("masstock_support_tickets"))
                .col(uuid_pk(t("id")))
                .col(uuid_ref(t("client_id")))
                .col(uuid_ref(t("user_id")))
                .col(text(t("subject")))
                .col(text(t("description")))
                .col(status(t("status"), "status", "open", TICKET_STATUSES))
                .col(status(t("priority"), "priority", "medium", PRIORITIES))
                .col(timestamp_now(t("created_at")))
                .col(timestamp_now(t("updated_at")))
                .foreign_key(&mut restrict(
                    "masstock_support_tickets",
                    "client_id",
                    "masstock_clients",
                ))
                .foreign_key(&mut restrict(
                    "masstock_support_tickets",
                    "user_id",
                    "masstock_profiles",
                ))
                .to_owned(),
        )
        .await
}

/// The spec's indexes, named after their tables with the prefix.
async fn indexes(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    const PLAIN: &[(&str, &str, &[&str])] = &[
        (
            "idx_masstock_profiles_email",
            "masstock_profiles",
            &["email"],
        ),
        (
            "idx_masstock_profiles_status",
            "masstock_profiles",
            &["status"],
        ),
        (
            "idx_masstock_clients_status",
            "masstock_clients",
            &["status"],
        ),
        ("idx_masstock_clients_email", "masstock_clients", &["email"]),
        (
            "idx_masstock_client_members_client_id",
            "masstock_client_members",
            &["client_id"],
        ),
        (
            "idx_masstock_client_members_user_id",
            "masstock_client_members",
            &["user_id"],
        ),
        (
            "idx_masstock_workflow_templates_is_active",
            "masstock_workflow_templates",
            &["is_active"],
        ),
        (
            "idx_masstock_workflow_templates_workflow_type",
            "masstock_workflow_templates",
            &["workflow_type"],
        ),
        (
            "idx_masstock_workflows_status",
            "masstock_workflows",
            &["status"],
        ),
        (
            "idx_masstock_workflows_client_id",
            "masstock_workflows",
            &["client_id"],
        ),
        (
            "idx_masstock_workflows_template_id",
            "masstock_workflows",
            &["template_id"],
        ),
        (
            "idx_masstock_workflow_requests_client_id",
            "masstock_workflow_requests",
            &["client_id"],
        ),
        (
            "idx_masstock_workflow_requests_workflow_id",
            "masstock_workflow_requests",
            &["workflow_id"],
        ),
        (
            "idx_masstock_workflow_requests_status",
            "masstock_workflow_requests",
            &["status"],
        ),
        (
            "idx_masstock_workflow_executions_workflow_id",
            "masstock_workflow_executions",
            &["workflow_id"],
        ),
        (
            "idx_masstock_workflow_executions_client_id",
            "masstock_workflow_executions",
            &["client_id"],
        ),
        (
            "idx_masstock_workflow_executions_triggered_by",
            "masstock_workflow_executions",
            &["triggered_by_user_id"],
        ),
        (
            "idx_masstock_workflow_executions_status",
            "masstock_workflow_executions",
            &["status"],
        ),
        (
            "idx_masstock_workflow_executions_created_at",
            "masstock_workflow_executions",
            &["created_at DESC"],
        ),
        (
            "idx_masstock_workflow_batch_results_execution_id",
            "masstock_workflow_batch_results",
            &["execution_id"],
        ),
        (
            "idx_masstock_workflow_batch_results_status",
            "masstock_workflow_batch_results",
            &["status"],
        ),
        (
            "idx_masstock_support_tickets_client_id",
            "masstock_support_tickets",
            &["client_id"],
        ),
        (
            "idx_masstock_support_tickets_user_id",
            "masstock_support_tickets",
            &["user_id"],
        ),
        (
            "idx_masstock_support_tickets_status",
            "masstock_support_tickets",
            &["status"],
        ),
        (
            "idx_masstock_support_tickets_priority",
            "masstock_support_tickets",
            &["priority"],
        ),
    ];
    for (name, table, columns) in PLAIN {
        index(manager, name, table, columns).await?;
    }
    for (name, table, columns) in [
        (
            "idx_masstock_client_members_unique",
            "masstock_client_members",
            ["client_id", "user_id"],
        ),
        (
            "idx_masstock_workflow_batch_results_execution_batch",
            "masstock_workflow_batch_results",
            ["execution_id", "batch_index"],
        ),
    ] {
        let mut stmt = Index::create();
        stmt.name(name).table(t(table)).unique();
        for column in columns {
            stmt.col(t(column));
        }
        manager.create_index(stmt).await?;
    }
    Ok(())
}
