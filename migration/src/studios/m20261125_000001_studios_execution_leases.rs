//! Runner leases on workflow executions: a runner that claims an execution holds it until
//! `lease_expires_at`; heartbeats push that out, and an execution whose lease ran out goes back
//! to pending as a retry. `claimed_by` is the account of the runner's service token.

use sea_orm_migration::prelude::*;

use crate::common::{index, timestamp_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn t(name: &str) -> Alias {
    Alias::new(name)
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds a single column per ALTER TABLE.
        manager
            .alter_table(
                Table::alter()
                    .table(t("workflow_executions"))
                    .add_column(timestamp_null(t("lease_expires_at")))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(t("workflow_executions"))
                    .add_column(ColumnDef::new(t("claimed_by")).uuid().null())
                    .to_owned(),
            )
            .await?;
        // The sweeper looks for running executions whose lease ran out.
        index(
            manager,
            "idx_workflow_executions_lease",
            "workflow_executions",
            &["status", "lease_expires_at"],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_workflow_executions_lease")
                    .table(t("workflow_executions"))
                    .to_owned(),
            )
            .await?;
        for column in ["claimed_by", "lease_expires_at"] {
            manager
                .alter_table(
                    Table::alter()
                        .table(t("workflow_executions"))
                        .drop_column(t(column))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
