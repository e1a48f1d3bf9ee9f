//! Schema migrations, one module per domain, in the order they must run.
//!
//! Every migration runs unchanged on SQLite and PostgreSQL. Tables are built with sea-query so
//! each backend gets its own column types; the few constraints only PostgreSQL can express
//! (regular expressions, GIN indexes) go through [`common::Backend`].

pub use sea_orm_migration::prelude::*;

mod common;
mod m20261124_000001_studios_create_tables;
mod m20261124_000002_identity_credentials;
mod m20261124_000003_identity_idempotency_keys;
mod m20261125_000001_studios_execution_leases;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_studios_create_tables::Migration),
            Box::new(m20261124_000002_identity_credentials::Migration),
            Box::new(m20261124_000003_identity_idempotency_keys::Migration),
            Box::new(m20261125_000001_studios_execution_leases::Migration),
        ]
    }
}
