//! What a `User` shows beyond the profile: the sign-in e-mail, to the people the tenant scope's
//! `account_emails` lets read it. One statement per batch, two columns.

use async_graphql::dataloader::Loader;
use sea_orm::{ConnectionTrait, QueryFilter, QuerySelect};
use std::collections::HashMap;
use std::sync::Arc;
use studiogate_entities_studios::accounts;
use studiogate_graph::loader::in_keys;
use studiogate_graph::GraphError;
use uuid::Uuid;

use crate::context::StudiosCtx;

/// Sign-in e-mail per account id, for the accounts the viewer may read it of (others are absent).
pub struct EmailByUserIdLoader(pub Arc<StudiosCtx>);

impl Loader<Uuid> for EmailByUserIdLoader {
    type Value = String;
    type Error = GraphError;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, String>, GraphError> {
        studiogate_graph::telemetry::batch("accounts.email_by_id", keys.len(), async {
            let scope = self.0.scope().await?;
            let backend = self.0.db.get_database_backend();
            let rows: Vec<(Uuid, String)> = scope
                .account_emails()
                .filter(in_keys(accounts::Column::Id, keys, backend))
                .select_only()
                .column(accounts::Column::Id)
                .column(accounts::Column::Email)
                .into_tuple()
                .all(&self.0.db)
                .await?;
            Ok(rows.into_iter().collect())
        })
        .await
    }
}
