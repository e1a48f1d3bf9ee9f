//! The audit outbox: a domain records who did what to which entity, with the row before and
//! after, through the connection of the change itself (its transaction), so the trail has
//! exactly the changes that committed.

use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set};
use serde_json::Value;
use studiogate_entities_platform::audit_events;
use uuid::Uuid;

/// One change, as a domain describes it. `before` and `after` are what the domain chooses to
/// keep of the row (its API fields, say; never secrets or storage paths).
pub struct AuditEvent {
    /// The domain's name (`studios`).
    pub domain: &'static str,
    pub tenant_id: Option<Uuid>,
    /// The account that acted; `None` for the system.
    pub actor_id: Option<Uuid>,
    /// What happened, `<entity>.<verb>` (`studio.updated`).
    pub action: &'static str,
    pub entity: &'static str,
    pub entity_id: Uuid,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

/// Writes `event` on `db`: pass the change's transaction, so both commit or neither does.
pub async fn record<C: ConnectionTrait>(db: &C, event: AuditEvent) -> Result<(), DbErr> {
    // Nothing is read back: one INSERT on every backend.
    let row = audit_events::ActiveModel {
        id: Set(Uuid::new_v4()),
        domain: Set(event.domain.to_owned()),
        tenant_id: Set(event.tenant_id),
        actor_id: Set(event.actor_id),
        action: Set(event.action.to_owned()),
        entity: Set(event.entity.to_owned()),
        entity_id: Set(event.entity_id),
        before: Set(event.before),
        after: Set(event.after),
        created_at: Set(chrono::Utc::now().fixed_offset()),
    };
    audit_events::Entity::insert(row)
        .exec_without_returning(db)
        .await
        .map(|_| ())
}
