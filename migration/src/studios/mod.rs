//! The Studios domain's migrations (they need identity's `accounts`).

use sea_orm_migration::MigrationTrait;

mod m20261124_000001_studios_create_tables;
mod m20261125_000001_studios_execution_leases;
mod m20261206_000001_studios_scope_index;

pub fn migrations() -> Vec<Box<dyn MigrationTrait>> {
    vec![
        Box::new(m20261124_000001_studios_create_tables::Migration),
        Box::new(m20261125_000001_studios_execution_leases::Migration),
        Box::new(m20261206_000001_studios_scope_index::Migration),
    ]
}
