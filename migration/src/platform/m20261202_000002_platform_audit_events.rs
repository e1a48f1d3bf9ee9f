//! The audit outbox: who did what to which entity, with the row before and after, written in
//! the same transaction as the change (so there is no change without its event, and no event
//! of a change that rolled back). Every domain writes here, tagged with its name and tenant.

use sea_orm_migration::prelude::*;

use crate::common::{index, timestamp_now, uuid_pk};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn t(name: &str) -> Alias {
    Alias::new(name)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(t("audit_events"))
                    .col(uuid_pk(t("id")))
                    .col(ColumnDef::new(t("domain")).string_len(32).not_null())
                    // The tenant the entity belongs to (a company, a client, a brand...).
                    .col(ColumnDef::new(t("tenant_id")).uuid().null())
                    // The account that acted; null for the system (a sweeper, a trigger).
                    // No foreign key: the trail outlives a deleted account.
                    .col(ColumnDef::new(t("actor_id")).uuid().null())
                    .col(
                        ColumnDef::new(t("action"))
                            .string_len(64)
                            .not_null()
                            .check(Expr::cust("length(action) >= 1")),
                    )
                    .col(ColumnDef::new(t("entity")).string_len(64).not_null())
                    .col(ColumnDef::new(t("entity_id")).uuid().not_null())
                    .col(ColumnDef::new(t("before")).json_binary().null())
                    .col(ColumnDef::new(t("after")).json_binary().null())
                    .col(timestamp_now(t("created_at")))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_audit_events_tenant",
            "audit_events",
            &["domain", "tenant_id", "created_at"],
        )
        .await?;
        index(
            manager,
            "idx_audit_events_entity",
            "audit_events",
            &["entity", "entity_id", "created_at"],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(t("audit_events"))
                    .if_exists()
                    .to_owned(),
            )
            .await
    }
}
