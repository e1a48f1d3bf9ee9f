//! The Studios side of account life: every account has a profile.

use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, DatabaseTransaction, DbErr, Set};
use studiogate_entities_studios::{scope, user_profiles};
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
        let now = chrono::Utc::now().fixed_offset();
        user_profiles::ActiveModel {
            id: Set(account_id),
            full_name: Set(full_name.to_owned()),
            created_at: Set(now),
            last_login_at: Set(Some(now)),
        }
        .insert(txn)
        .await
        .map(|_| ())
    }

    async fn signed_in(&self, txn: &DatabaseTransaction, account_id: Uuid) -> Result<(), DbErr> {
        scope::update_own_profile(account_id)
            .col_expr(
                user_profiles::Column::LastLoginAt,
                Expr::value(chrono::Utc::now().fixed_offset()),
            )
            .exec(txn)
            .await
            .map(|_| ())
    }
}
