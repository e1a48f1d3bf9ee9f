//! `accounts`: one identity for every domain (it stands in for Supabase's auth.users).
//!
//! The table was first created by the Studios migration; databases made before it moved here
//! already have it, hence `if_not_exists`.

use sea_orm_migration::prelude::*;

use crate::common::{timestamp_now, uuid_pk};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Alias::new("accounts"))
                    .if_not_exists()
                    .col(uuid_pk(Alias::new("id")))
                    .col(
                        ColumnDef::new(Alias::new("email"))
                            .string_len(255)
                            .not_null()
                            .unique_key()
                            // Stored normalised so the UNIQUE holds across case and spacing.
                            .check(Expr::cust(
                                "email = lower(trim(email)) AND length(email) >= 3",
                            )),
                    )
                    .col(timestamp_now(Alias::new("created_at")))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(Alias::new("accounts"))
                    .if_exists()
                    .to_owned(),
            )
            .await
    }
}
