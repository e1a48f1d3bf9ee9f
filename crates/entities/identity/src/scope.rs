//! Identity's selects, updates and deletes, each keyed the way identity reaches its rows. Every
//! identity row belongs to one account, and the domain crate (where `clippy.toml` denies the
//! bare `find`, `find_by_id`, `update_many` and `delete_many`) starts every statement from one
//! of these, so the key cannot be left out:
//!
//! - by the account's id: the caller's own account (the viewer, a token's subject) or the
//!   account an operator names;
//! - by a credential, before anyone is authenticated: the e-mail of a sign-in, the hash of a
//!   refresh token, and the session that token belongs to.

use sea_orm::prelude::Uuid;
use sea_orm::{ColumnTrait, DeleteMany, EntityTrait, QueryFilter, Select, UpdateMany};

use crate::generated::{accounts, platform_roles, refresh_tokens, sessions};

/// One account by its id (deleted ones included: callers that must skip them filter
/// `deleted_at`).
pub fn account(id: Uuid) -> Select<accounts::Entity> {
    accounts::Entity::find().filter(accounts::Column::Id.eq(id))
}

/// The account that signs in with this (normalised) e-mail.
pub fn account_by_email(email: String) -> Select<accounts::Entity> {
    accounts::Entity::find().filter(accounts::Column::Email.eq(email))
}

/// Writes to one account's row.
pub fn update_account(id: Uuid) -> UpdateMany<accounts::Entity> {
    accounts::Entity::update_many().filter(accounts::Column::Id.eq(id))
}

/// The account's sessions.
pub fn sessions_of(account: Uuid) -> Select<sessions::Entity> {
    sessions::Entity::find().filter(sessions::Column::AccountId.eq(account))
}

/// Writes to the account's sessions (sign-out, revocation on a password change).
pub fn update_sessions_of(account: Uuid) -> UpdateMany<sessions::Entity> {
    sessions::Entity::update_many().filter(sessions::Column::AccountId.eq(account))
}

/// The session a refresh token belongs to (the token, looked up by its hash, is the
/// credential).
pub fn session(id: Uuid) -> Select<sessions::Entity> {
    sessions::Entity::find().filter(sessions::Column::Id.eq(id))
}

/// Writes to that one session (rotation, revocation of a reused token's family).
pub fn update_session(id: Uuid) -> UpdateMany<sessions::Entity> {
    sessions::Entity::update_many().filter(sessions::Column::Id.eq(id))
}

/// The refresh token presented, by the hash of its secret.
pub fn refresh_token(hash: String) -> Select<refresh_tokens::Entity> {
    refresh_tokens::Entity::find().filter(refresh_tokens::Column::TokenHash.eq(hash))
}

/// Writes to one refresh token found by [`refresh_token`] (marking it used).
pub fn update_refresh_token(id: Uuid) -> UpdateMany<refresh_tokens::Entity> {
    refresh_tokens::Entity::update_many().filter(refresh_tokens::Column::Id.eq(id))
}

/// The account's platform roles.
pub fn roles_of(account: Uuid) -> Select<platform_roles::Entity> {
    platform_roles::Entity::find().filter(platform_roles::Column::AccountId.eq(account))
}

/// Removes some of the account's platform roles (the caller narrows it to one).
pub fn delete_roles_of(account: Uuid) -> DeleteMany<platform_roles::Entity> {
    platform_roles::Entity::delete_many().filter(platform_roles::Column::AccountId.eq(account))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::{DbBackend, QueryTrait};

    fn sql(statement: &impl QueryTrait) -> String {
        statement.build(DbBackend::Postgres).to_string()
    }

    /// Each helper is narrowed to the account, session, token or e-mail it is given.
    #[test]
    fn every_helper_is_narrowed_to_what_it_names() {
        let id = Uuid::from_u128(0x1d);
        let key = id.to_string();
        for (name, sql) in [
            ("account", sql(&account(id))),
            ("update_account", sql(&update_account(id))),
            ("sessions_of", sql(&sessions_of(id))),
            ("update_sessions_of", sql(&update_sessions_of(id))),
            ("session", sql(&session(id))),
            ("update_session", sql(&update_session(id))),
            ("update_refresh_token", sql(&update_refresh_token(id))),
            ("roles_of", sql(&roles_of(id))),
            ("delete_roles_of", sql(&delete_roles_of(id))),
        ] {
            assert!(sql.contains(&key), "{name} is not narrowed to {key}: {sql}");
        }
        assert!(sql(&account_by_email("a@b.example".into())).contains("'a@b.example'"));
        assert!(sql(&refresh_token("f00d".into())).contains("'f00d'"));
    }
}
