//! Identity: credentials, lockout and soft delete on `accounts`; sessions with rotating refresh
//! tokens. A session is one sign-in (a refresh token family); each refresh token is used once.

use sea_orm_migration::prelude::*;

use crate::common::{fk, index, timestamp_now, timestamp_null, uuid_pk, uuid_ref};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn t(name: &str) -> Alias {
    Alias::new(name)
}

/// SQLite adds one column per ALTER TABLE.
fn account_columns() -> Vec<ColumnDef> {
    vec![
        // Null for accounts that only ever sign in through an external issuer.
        ColumnDef::new(t("password_hash"))
            .string_len(255)
            .null()
            .take(),
        ColumnDef::new(t("email_verified"))
            .boolean()
            .not_null()
            .default(false)
            .take(),
        timestamp_null(t("last_login_at")),
        ColumnDef::new(t("login_count"))
            .integer()
            .not_null()
            .default(0)
            .check(Expr::cust("login_count >= 0"))
            .take(),
        ColumnDef::new(t("failed_login_attempts"))
            .integer()
            .not_null()
            .default(0)
            .check(Expr::cust("failed_login_attempts >= 0"))
            .take(),
        timestamp_null(t("locked_until")),
        timestamp_null(t("deleted_at")),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for mut column in account_columns() {
            manager
                .alter_table(
                    Table::alter()
                        .table(t("accounts"))
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(t("sessions"))
                    .col(uuid_pk(t("id")))
                    .col(uuid_ref(t("account_id")))
                    .col(ColumnDef::new(t("ip")).string_len(64).null())
                    .col(ColumnDef::new(t("user_agent")).string_len(512).null())
                    .col(timestamp_now(t("created_at")))
                    .col(timestamp_now(t("last_used_at")))
                    .col(
                        ColumnDef::new(t("expires_at"))
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(timestamp_null(t("revoked_at")))
                    .foreign_key(&mut fk(
                        t("sessions"),
                        t("account_id"),
                        t("accounts"),
                        t("id"),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(t("refresh_tokens"))
                    .col(uuid_pk(t("id")))
                    .col(uuid_ref(t("session_id")))
                    // SHA-256 of the token, hex: the token itself is never stored.
                    .col(
                        ColumnDef::new(t("token_hash"))
                            .string_len(64)
                            .not_null()
                            .unique_key(),
                    )
                    .col(timestamp_now(t("created_at")))
                    .col(timestamp_null(t("used_at")))
                    .foreign_key(&mut fk(
                        t("refresh_tokens"),
                        t("session_id"),
                        t("sessions"),
                        t("id"),
                        ForeignKeyAction::Cascade,
                    ))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_sessions_account_id",
            "sessions",
            &["account_id"],
        )
        .await?;
        index(
            manager,
            "idx_refresh_tokens_session_id",
            "refresh_tokens",
            &["session_id"],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["refresh_tokens", "sessions"] {
            manager
                .drop_table(Table::drop().table(t(table)).if_exists().to_owned())
                .await?;
        }
        for column in [
            "deleted_at",
            "locked_until",
            "failed_login_attempts",
            "login_count",
            "last_login_at",
            "email_verified",
            "password_hash",
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(t("accounts"))
                        .drop_column(t(column))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
