//! Account status (specs/studios.md, User: `active` <-> `inactive`). Platform admins set it; an
//! inactive account cannot sign in (it gets the answer of a wrong password) and its refresh
//! tokens are refused, so its sessions end when their current access token expires.

use async_graphql::Enum;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, QueryFilter};
use studiogate_entities_identity::{accounts, scope};
use studiogate_graph::GraphError;
use uuid::Uuid;

use crate::service::IdentityError;
use crate::IdentityCtx;

/// Whose platform administrators set account status: the Studios spec is the one that gives
/// accounts a status, so administering Studios includes it.
pub const ADMIN_DOMAIN: &str = "studios";

/// Whether an account may sign in.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum AccountStatus {
    /// Signs in and refreshes its sessions as usual (every account starts so).
    Active,
    /// Cannot sign in, and its refresh tokens are refused.
    Inactive,
}

impl AccountStatus {
    pub fn as_db(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Inactive => "inactive",
        }
    }
}

/// Sets an account's status. Only for platform admins (the mutation's policy, checked again
/// here); an admin cannot deactivate their own account, so one is always left to undo it.
pub async fn set(
    ctx: &IdentityCtx,
    account_id: Uuid,
    status: AccountStatus,
) -> Result<AccountStatus, IdentityError> {
    let viewer = ctx.viewer.account_id.ok_or(IdentityError::InvalidSession)?;
    if !ctx.viewer.is_platform_admin(ADMIN_DOMAIN) {
        return Err(GraphError::forbidden().into());
    }
    if account_id == viewer && status == AccountStatus::Inactive {
        return Err(
            GraphError::bad_input("accountId", "You cannot deactivate your own account").into(),
        );
    }
    let updated = scope::update_account(account_id)
        .filter(accounts::Column::DeletedAt.is_null())
        .col_expr(accounts::Column::Status, Expr::value(status.as_db()))
        .exec(&ctx.db)
        .await?;
    if updated.rows_affected != 1 {
        return Err(GraphError::not_found("Account")
            .with_field("accountId")
            .into());
    }
    Ok(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The stored values are the migration's CHECK list.
    #[test]
    fn statuses_are_stored_as_the_check_allows() {
        assert_eq!(AccountStatus::Active.as_db(), "active");
        assert_eq!(AccountStatus::Inactive.as_db(), "inactive");
    }
}
