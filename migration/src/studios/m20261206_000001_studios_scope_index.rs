//! The tenant scope's membership lookup, answered from an index alone. On PostgreSQL every
//! reading statement selects the viewer's approved companies itself
//! (`SELECT company_id FROM user_companies WHERE user_id = $1 AND status = 'approved'`, once
//! per scoped half). The spec's `idx_user_companies_user_id` holds `user_id` only, so each
//! lookup also read the rows from the table, and the planner preferred scanning the whole
//! table; with `company_id` in the index the lookup is an index-only scan
//! (`bench/results/2026-12-06-scope-index.md`). The index keeps its name and its predicate: it
//! serves every query the spec's did.

use sea_orm_migration::prelude::*;

use crate::common::raw;

#[derive(DeriveMigrationName)]
pub struct Migration;

const OLD: &str =
    "CREATE INDEX idx_user_companies_user_id ON user_companies (user_id) WHERE status = 'approved'";
const NEW: &str =
    "CREATE INDEX idx_user_companies_user_id ON user_companies (user_id, company_id) \
                   WHERE status = 'approved'";

async fn replace(manager: &SchemaManager<'_>, with: &str) -> Result<(), DbErr> {
    raw(manager, "DROP INDEX idx_user_companies_user_id").await?;
    raw(manager, with).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        replace(manager, NEW).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        replace(manager, OLD).await
    }
}
