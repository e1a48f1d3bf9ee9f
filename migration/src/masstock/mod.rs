//! The MasStock domain's migrations (they need identity's `accounts`).

use sea_orm_migration::MigrationTrait;

mod m20261202_000001_masstock_create_tables;

pub fn migrations() -> Vec<Box<dyn MigrationTrait>> {
    vec![Box::new(m20261202_000001_masstock_create_tables::Migration)]
}
