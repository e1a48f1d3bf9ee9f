//! `Idempotency-Key` for mutations: per account, the first successful response to a key is kept
//! for 24 hours and replayed to retries of the same request; the same key with another request
//! is BAD_USER_INPUT; a retry while the first is still running is CONFLICT.

use chrono::{Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set, SqlErr,
};
use sha2::{Digest, Sha256};
use studiogate_graph::{ErrorCode, GraphError};
use uuid::Uuid;

/// The `idempotency_keys` table (identity's migrations create it, since keys belong to
/// accounts). The server reads it through this entity of its own so that it depends on no
/// domain's entity crate.
mod keys {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel, Eq)]
    #[sea_orm(table_name = "idempotency_keys")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub account_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub key: String,
        pub request_hash: String,
        #[sea_orm(column_type = "JsonBinary", nullable)]
        pub response: Option<Json>,
        pub created_at: DateTimeWithTimeZone,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub const HEADER: &str = "idempotency-key";
const KEEP_HOURS: i64 = 24;

/// What to do with a request that carries a key.
pub enum Claim {
    /// First time: run it, then [`finish`] records the outcome.
    Run,
    /// Seen before with the same request: answer with what it answered then.
    Replay(serde_json::Value),
    Refuse(GraphError),
}

/// Only mutations are worth remembering; queries are idempotent already.
pub fn is_mutation(request: &async_graphql::Request) -> bool {
    let Ok(doc) = async_graphql::parser::parse_query(&request.query) else {
        return false;
    };
    let wanted = request.operation_name.as_deref();
    doc.operations.iter().any(|(name, op)| {
        (wanted.is_none() || name.map(|n| n.as_str()) == wanted)
            && op.node.ty == async_graphql::parser::types::OperationType::Mutation
    })
}

pub fn fingerprint(request: &async_graphql::Request) -> String {
    let mut hash = Sha256::new();
    hash.update(request.query.as_bytes());
    hash.update([0]);
    hash.update(serde_json::to_vec(&request.variables).unwrap_or_default());
    hash.update([0]);
    hash.update(request.operation_name.as_deref().unwrap_or("").as_bytes());
    hex::encode(hash.finalize())
}

pub fn valid_key(key: &str) -> bool {
    (1..=255).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic())
}

/// Reserves `key` for this request, or says why not.
pub async fn claim(
    db: &DatabaseConnection,
    account: Uuid,
    key: &str,
    hash: &str,
) -> Result<Claim, GraphError> {
    let expired = Utc::now().fixed_offset() - Duration::hours(KEEP_HOURS);
    keys::Entity::delete_many()
        .filter(keys::Column::AccountId.eq(account))
        .filter(keys::Column::CreatedAt.lt(expired))
        .exec(db)
        .await?;
    let reserved = keys::ActiveModel {
        account_id: Set(account),
        key: Set(key.to_owned()),
        request_hash: Set(hash.to_owned()),
        response: Set(None),
        created_at: Set(Utc::now().fixed_offset()),
    }
    .insert(db)
    .await;
    match reserved {
        Ok(_) => Ok(Claim::Run),
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            let Some(seen) = keys::Entity::find_by_id((account, key.to_owned()))
                .one(db)
                .await?
            else {
                return Ok(Claim::Refuse(in_progress()));
            };
            Ok(if seen.request_hash != hash {
                Claim::Refuse(GraphError::bad_input(
                    "Idempotency-Key",
                    "This Idempotency-Key was used with a different request",
                ))
            } else {
                match seen.response {
                    Some(response) => Claim::Replay(response),
                    None => Claim::Refuse(in_progress()),
                }
            })
        }
        Err(err) => Err(err.into()),
    }
}

fn in_progress() -> GraphError {
    GraphError::new(
        ErrorCode::Conflict,
        "A request with this Idempotency-Key is still running",
    )
    .with_field("Idempotency-Key")
    .with_reason("IDEMPOTENCY_IN_PROGRESS")
}

/// Forgets a key whose request ended without an answer (the request timed out, or its client
/// went away): its reservation (no response yet) is deleted, so a retry runs instead of
/// hearing "still running" for a day. A finished key is left alone.
pub async fn release(db: &DatabaseConnection, account: Uuid, key: &str) -> Result<(), GraphError> {
    keys::Entity::delete_many()
        .filter(keys::Column::AccountId.eq(account))
        .filter(keys::Column::Key.eq(key))
        .filter(keys::Column::Response.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// A claimed key until its request is answered: dropped unanswered (the request future was
/// cancelled by the timeout or a disconnect), it releases the key in a task of its own.
/// If the cancelled request had already committed its write, a retry writes again: the window
/// is between the commit and the recording of the response, a few statements long.
pub struct Reservation {
    db: DatabaseConnection,
    account: Uuid,
    key: String,
    answered: bool,
}

impl Reservation {
    pub fn new(db: DatabaseConnection, account: Uuid, key: String) -> Self {
        Self {
            db,
            account,
            key,
            answered: false,
        }
    }

    /// Records the response (or forgets the key after a failure), and disarms the release.
    pub async fn finish(mut self, response: &async_graphql::Response) -> Result<(), GraphError> {
        self.answered = true;
        finish(&self.db, self.account, &self.key, response).await
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if self.answered {
            return;
        }
        let (db, account, key) = (self.db.clone(), self.account, std::mem::take(&mut self.key));
        tokio::spawn(async move {
            if let Err(err) = release(&db, account, &key).await {
                tracing::warn!(?err, "releasing an unanswered idempotency key");
            }
        });
    }
}

/// Keeps a successful response; forgets the key after a failure so the client can retry.
pub async fn finish(
    db: &DatabaseConnection,
    account: Uuid,
    key: &str,
    response: &async_graphql::Response,
) -> Result<(), GraphError> {
    let row = keys::Entity::find_by_id((account, key.to_owned()));
    if response.is_ok() {
        let body = serde_json::to_value(response).map_err(|e| GraphError::internal(&e))?;
        keys::Entity::update_many()
            .col_expr(keys::Column::Response, Expr::value(body))
            .filter(keys::Column::AccountId.eq(account))
            .filter(keys::Column::Key.eq(key))
            .exec(db)
            .await?;
    } else if let Some(reserved) = row.one(db).await? {
        keys::Entity::delete_by_id((reserved.account_id, reserved.key))
            .exec(db)
            .await?;
    }
    Ok(())
}
