//! The domain's writes, one module per concept. Each checks who may write through the client
//! scope (a platform admin's for what the spec gives admins alone, the viewer's own
//! memberships for what members do), runs in one transaction where it writes more than one
//! row, and publishes its events after commit.

pub mod client;
pub mod execution;
pub mod lease;
pub mod member;
pub mod profile;
pub mod request;
pub mod runner;
pub mod template;
pub mod ticket;
pub mod workflow;

use chrono::{DateTime, FixedOffset};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, UpdateMany,
};
use studiogate_entities_masstock::{ClientScope, Clients};
use studiogate_graph::GraphError;
use uuid::Uuid;

use crate::context::MasstockCtx;
use crate::enums::MemberRole;
use crate::error::MasstockError;

pub fn now() -> DateTime<FixedOffset> {
    chrono::Utc::now().fixed_offset()
}

/// The scope of a platform admin's write: every client. Refused to anyone else (the field's
/// policy already is, so this is the second lock on the same door).
pub fn admin_scope(ctx: &MasstockCtx) -> Result<ClientScope, MasstockError> {
    let account_id = ctx.account_id()?;
    if !ctx.is_admin() {
        return Err(GraphError::forbidden().into());
    }
    Ok(ClientScope {
        account_id,
        clients: Clients::All,
    })
}

/// The viewer's role in `client_id`, which they must be an active member of; a client they
/// are not a member of answers as a missing one.
pub async fn member_of(ctx: &MasstockCtx, client_id: Uuid) -> Result<MemberRole, MasstockError> {
    ctx.role_in(client_id).await?.ok_or_else(|| {
        GraphError::not_found("MasstockClient")
            .with_field("clientId")
            .into()
    })
}

/// The viewer must own `client_id`.
pub async fn owner_of(ctx: &MasstockCtx, client_id: Uuid) -> Result<(), MasstockError> {
    match member_of(ctx, client_id).await? {
        MemberRole::Owner => Ok(()),
        MemberRole::Collaborator => Err(MasstockError::OwnersOnly),
    }
}

/// One row changed by `update` (already narrowed by scope and id), or NOT_FOUND naming `what`.
pub async fn updated_one<E, C>(
    db: &C,
    update: UpdateMany<E>,
    what: &str,
) -> Result<E::Model, MasstockError>
where
    E: EntityTrait,
    E::Model: FromQueryResult,
    C: ConnectionTrait,
{
    studiogate_platform::jobs::returning(db, update)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| GraphError::not_found(what).into())
}

/// `update` narrowed to the row `id` of column `key`.
pub fn by_id<E: EntityTrait>(update: UpdateMany<E>, key: E::Column, id: Uuid) -> UpdateMany<E> {
    update.filter(key.eq(id))
}

/// A conditional write that found no row although the row was read just before: it changed
/// meanwhile (other errors pass unchanged).
pub fn changed_meanwhile(what: &'static str) -> impl FnOnce(MasstockError) -> MasstockError {
    move |err| match err {
        MasstockError::Graph(g) if g.code == studiogate_graph::ErrorCode::NotFound => {
            MasstockError::ChangedMeanwhile { what }
        }
        other => other,
    }
}
