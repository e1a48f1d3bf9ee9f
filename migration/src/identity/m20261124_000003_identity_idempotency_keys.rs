//! Idempotency keys: the first response to a request carrying an `Idempotency-Key` header,
//! kept per account for 24 hours so a retried create writes nothing new.

use sea_orm_migration::prelude::*;

use crate::common::{fk, index, timestamp_now, uuid_ref};

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
                    .table(t("idempotency_keys"))
                    .col(uuid_ref(t("account_id")))
                    .col(ColumnDef::new(t("key")).string_len(255).not_null())
                    // SHA-256 (hex) of the operation, its variables and its name.
                    .col(ColumnDef::new(t("request_hash")).string_len(64).not_null())
                    // Null while the first request is still running.
                    .col(ColumnDef::new(t("response")).json_binary().null())
                    .col(timestamp_now(t("created_at")))
                    .primary_key(Index::create().col(t("account_id")).col(t("key")))
                    .foreign_key(&mut fk(
                        t("idempotency_keys"),
                        t("account_id"),
                        t("accounts"),
                        t("id"),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_idempotency_keys_created_at",
            "idempotency_keys",
            &["created_at"],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(t("idempotency_keys"))
                    .if_exists()
                    .to_owned(),
            )
            .await
    }
}
