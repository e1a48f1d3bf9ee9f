//! Tables of the shared platform services (not of any one domain): the audit outbox.

use sea_orm_migration::MigrationTrait;

mod m20261202_000002_platform_audit_events;

pub fn migrations() -> Vec<Box<dyn MigrationTrait>> {
    vec![Box::new(m20261202_000002_platform_audit_events::Migration)]
}
