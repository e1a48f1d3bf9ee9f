//! The MasStock side of account life: every account has a MasStock profile (the spec's
//! `users` row), created with the account and stamped at each sign-in.

use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, DatabaseTransaction, DbErr, Set};
use studiogate_entities_masstock::{masstock_profiles as profiles, scope};
use studiogate_graph::AccountHooks;
use uuid::Uuid;

pub struct ProfileHooks;

#[async_trait::async_trait]
impl AccountHooks for ProfileHooks {
    async fn account_created(
        &self,
        txn: &DatabaseTransaction,
        account_id: Uuid,
        full_name: &str,
    ) -> Result<(), DbErr> {
        let email = studiogate_entities_identity::scope::account(account_id)
            .one(txn)
            .await?
            .map(|a| a.email)
            .unwrap_or_default();
        let now = chrono::Utc::now().fixed_offset();
        profiles::ActiveModel {
            id: Set(account_id),
            email: Set(email),
            name: Set(full_name.to_owned()),
            status: Set(crate::enums::Status::Active.as_db().to_owned()),
            created_at: Set(now),
            updated_at: Set(now),
            last_login: Set(Some(now)),
        }
        .insert(txn)
        .await
        .map(|_| ())
    }

    async fn signed_in(&self, txn: &DatabaseTransaction, account_id: Uuid) -> Result<(), DbErr> {
        scope::update_own_profile(account_id)
            .col_expr(
                profiles::Column::LastLogin,
                Expr::value(chrono::Utc::now().fixed_offset()),
            )
            .exec(txn)
            .await
            .map(|_| ())
    }
}
