//! Account status (specs/studios.md, User: `active` <-> `inactive`), set by platform admins.
//! An inactive account cannot sign in and its refresh tokens are refused; every existing
//! account stays active.

use sea_orm_migration::prelude::*;

use crate::common::one_of;

#[derive(DeriveMigrationName)]
pub struct Migration;

fn t(name: &str) -> Alias {
    Alias::new(name)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(t("accounts"))
                    .add_column(
                        ColumnDef::new(t("status"))
                            .string_len(20)
                            .not_null()
                            .default("active")
                            .check(one_of("status", &["active", "inactive"])),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(t("accounts"))
                    .drop_column(t("status"))
                    .to_owned(),
            )
            .await
    }
}
