//! The KAIRO side of account life: every new account gets a CLIENT profile of no company
//! (the spec's `users` row); staff roles and companies are assigned by an ADMIN.

use sea_orm::{ActiveModelTrait, DatabaseTransaction, DbErr, Set};
use studiogate_entities_kairo::kairo_profiles;
use studiogate_graph::AccountHooks;
use uuid::Uuid;

use crate::enums::KairoRole;

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
        kairo_profiles::ActiveModel {
            id: Set(account_id),
            name: Set(Some(full_name.to_owned()).filter(|n| !n.trim().is_empty())),
            role: Set(KairoRole::Client.as_db().to_owned()),
            company_id: Set(None),
            avatar_url: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
            deleted_at: Set(None),
        }
        .insert(txn)
        .await
        .map(|_| ())
    }

    async fn signed_in(&self, _txn: &DatabaseTransaction, _account_id: Uuid) -> Result<(), DbErr> {
        Ok(())
    }
}
