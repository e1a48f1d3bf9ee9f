//! The audit outbox: a domain records who did what to which entity, with the row before and
//! after, through the connection of the change itself (its transaction), so the trail has
//! exactly the changes that committed.

use sea_orm::sea_query::{
    Alias, Asterisk, CommonTableExpression, Expr, Query, SimpleExpr, WithClause,
};
use sea_orm::{
    ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult, QueryTrait, Set, UpdateMany,
};
use serde_json::Value;
use studiogate_entities_platform::audit_events;
use studiogate_graph::BeginWrite;
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
    audit_events::Entity::insert(row(event))
        .exec_without_returning(db)
        .await
        .map(|_| ())
}

/// Runs `update` (`RETURNING *`) and records `event` for it, atomically: the change and its
/// audit row commit together, and an UPDATE that matches no row (a stale or foreign one)
/// leaves no audit row. Returns the changed rows. `event.after` is what the caller expects
/// the row to become.
///
/// On PostgreSQL this is one statement, and one statement needs no BEGIN and COMMIT:
/// `WITH changed AS (UPDATE ... RETURNING *), audited AS (INSERT ... SELECT ... FROM changed)
/// SELECT * FROM changed`. SQLite has no data-modifying WITH: there the UPDATE and the INSERT
/// run in a transaction.
pub async fn update_recorded<E, C>(
    db: &C,
    update: UpdateMany<E>,
    event: AuditEvent,
) -> Result<Vec<E::Model>, DbErr>
where
    E: EntityTrait,
    E::Model: FromQueryResult,
    C: ConnectionTrait + BeginWrite,
{
    let backend = db.get_database_backend();
    if backend != DbBackend::Postgres {
        let txn = db.begin_write().await?;
        let rows = crate::jobs::returning(&txn, update).await?;
        if !rows.is_empty() {
            record(&txn, event).await?;
        }
        txn.commit().await?;
        return Ok(rows);
    }
    let (changed, audited) = (Alias::new("changed"), Alias::new("audited"));
    let mut update = update.into_query();
    update.returning_all();
    let values: Vec<SimpleExpr> = vec![
        Expr::val(Uuid::new_v4()).into(),
        Expr::val(event.domain).into(),
        Expr::val(event.tenant_id).into(),
        Expr::val(event.actor_id).into(),
        Expr::val(event.action).into(),
        Expr::val(event.entity).into(),
        Expr::val(event.entity_id).into(),
        Expr::val(event.before).into(),
        Expr::val(event.after).into(),
        Expr::val(chrono::Utc::now().fixed_offset()).into(),
    ];
    let insert = Query::insert()
        .into_table(audit_events::Entity)
        .columns([
            audit_events::Column::Id,
            audit_events::Column::Domain,
            audit_events::Column::TenantId,
            audit_events::Column::ActorId,
            audit_events::Column::Action,
            audit_events::Column::Entity,
            audit_events::Column::EntityId,
            audit_events::Column::Before,
            audit_events::Column::After,
            audit_events::Column::CreatedAt,
        ])
        .select_from(
            Query::select()
                .exprs(values)
                .from(changed.clone())
                .to_owned(),
        )
        .map(|insert| insert.to_owned());
    let insert = insert.map_err(|e| DbErr::Custom(e.to_string()))?;
    let with = WithClause::new()
        .cte(
            CommonTableExpression::new()
                .query(update)
                .table_name(changed.clone())
                .to_owned(),
        )
        .cte(
            CommonTableExpression::new()
                .query(insert)
                .table_name(audited)
                .to_owned(),
        )
        .to_owned();
    let statement = Query::select()
        .column(Asterisk)
        .from(changed)
        .to_owned()
        .with(with);
    E::find()
        .from_raw_sql(backend.build(&statement))
        .all(db)
        .await
}

/// The audit row of `event`, stamped now.
fn row(event: AuditEvent) -> audit_events::ActiveModel {
    audit_events::ActiveModel {
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
    }
}
