//! Identity's migrations: accounts, credentials, sessions, idempotency keys, platform roles,
//! account status.

use sea_orm_migration::MigrationTrait;

mod m20261123_000001_identity_accounts;
mod m20261124_000002_identity_credentials;
mod m20261124_000003_identity_idempotency_keys;
mod m20261202_000001_identity_platform_roles;
mod m20261203_000001_identity_account_status;

pub fn migrations() -> Vec<Box<dyn MigrationTrait>> {
    vec![
        Box::new(m20261123_000001_identity_accounts::Migration),
        Box::new(m20261124_000002_identity_credentials::Migration),
        Box::new(m20261124_000003_identity_idempotency_keys::Migration),
        Box::new(m20261202_000001_identity_platform_roles::Migration),
        Box::new(m20261203_000001_identity_account_status::Migration),
    ]
}
