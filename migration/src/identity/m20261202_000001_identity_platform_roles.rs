//! Platform roles, per domain: an account may be the platform administrator of one product
//! and nobody in another. Tenant roles stay in each domain's memberships; the token's `service`
//! role (runners) stays in the token.

use sea_orm_migration::prelude::*;

use crate::common::{fk, one_of, timestamp_now, uuid_ref};

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
                    .table(t("platform_roles"))
                    .col(uuid_ref(t("account_id")))
                    // The domain's name (`studios`, `masstock`, ...).
                    .col(
                        ColumnDef::new(t("domain"))
                            .string_len(32)
                            .not_null()
                            .check(Expr::cust("length(domain) >= 1")),
                    )
                    .col(
                        ColumnDef::new(t("role"))
                            .string_len(32)
                            .not_null()
                            .check(one_of("role", &["admin"])),
                    )
                    .col(timestamp_now(t("granted_at")))
                    .primary_key(
                        Index::create()
                            .col(t("account_id"))
                            .col(t("domain"))
                            .col(t("role")),
                    )
                    .foreign_key(&mut fk(
                        t("platform_roles"),
                        t("account_id"),
                        t("accounts"),
                        t("id"),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(t("platform_roles"))
                    .if_exists()
                    .to_owned(),
            )
            .await
    }
}
