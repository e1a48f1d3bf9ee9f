//! Platform roles per domain (`platform_roles`): who administers which product. Granted and
//! revoked by operators (`studiogate admin grant|revoke`); read when a viewer authenticates.

use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QuerySelect, Set};
use studiogate_entities_identity::{platform_roles, scope};
use uuid::Uuid;

/// The one platform role there is: administrator of a domain.
pub const ADMIN: &str = "admin";

#[derive(Debug, thiserror::Error)]
pub enum RoleError {
    #[error("no account {0}")]
    UnknownAccount(Uuid),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// The domains `account` administers.
pub async fn admin_of(db: &DatabaseConnection, account: Uuid) -> Result<Vec<String>, DbErr> {
    scope::roles_of(account)
        .filter(platform_roles::Column::Role.eq(ADMIN))
        .select_only()
        .column(platform_roles::Column::Domain)
        .into_tuple::<String>()
        .all(db)
        .await
}

/// Makes `account` an administrator of `domain` (the caller checks that the domain exists).
/// Granting twice is not an error.
pub async fn grant_admin(
    db: &DatabaseConnection,
    account: Uuid,
    domain: &str,
) -> Result<(), RoleError> {
    scope::account(account)
        .one(db)
        .await?
        .ok_or(RoleError::UnknownAccount(account))?;
    platform_roles::Entity::insert(platform_roles::ActiveModel {
        account_id: Set(account),
        domain: Set(domain.to_owned()),
        role: Set(ADMIN.to_owned()),
        granted_at: Set(chrono::Utc::now().fixed_offset()),
    })
    .on_conflict(
        OnConflict::columns([
            platform_roles::Column::AccountId,
            platform_roles::Column::Domain,
            platform_roles::Column::Role,
        ])
        .do_nothing()
        .to_owned(),
    )
    .do_nothing()
    .exec(db)
    .await?;
    Ok(())
}

/// Takes the administration of `domain` from `account`; returns whether it had it.
pub async fn revoke_admin(
    db: &DatabaseConnection,
    account: Uuid,
    domain: &str,
) -> Result<bool, DbErr> {
    let deleted = scope::delete_roles_of(account)
        .filter(platform_roles::Column::Domain.eq(domain))
        .filter(platform_roles::Column::Role.eq(ADMIN))
        .exec(db)
        .await?;
    Ok(deleted.rows_affected > 0)
}
