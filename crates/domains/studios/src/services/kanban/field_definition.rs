//! The custom fields a studio's cards carry: defined, changed, reordered and deleted. Every
//! reorder and delete leaves the studio's `display_order` 0..n-1, and a card's values follow
//! their field in the same transaction: renamed with it, removed with it.

use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseTransaction, QueryFilter, QueryOrder, Set};
use studiogate_entities_studios::{
    card_field_definitions as defs, kanban_boards as boards, kanban_cards as cards,
    kanban_stages as stages, TenantScope,
};
use studiogate_graph::loader::{visible_row, Visible};
use studiogate_graph::{BeginWrite, GraphError};
use uuid::Uuid;

use super::position::PARKING;
use crate::context::StudiosCtx;
use crate::enums::CardFieldType;
use crate::error::{Named, StudiosError};
use crate::events::{publish, KanbanChange, StudiosEvent};
use crate::rules::fields::{self, Definition};
use crate::rules::trigger;
use crate::services::{now, visible_studio};

/// The studio's field definitions, for checking card values.
pub async fn definitions(ctx: &StudiosCtx, studio_id: Uuid) -> Result<Vec<Definition>, GraphError> {
    Visible::<defs::Entity>::visible(ctx)
        .await?
        .filter(defs::Column::StudioId.eq(studio_id))
        .all(&ctx.db)
        .await?
        .into_iter()
        .map(|d| {
            Ok(Definition {
                name: d.field_name,
                field_type: CardFieldType::from_db(&d.field_type)?.into(),
                config: d.field_config,
                required: d.is_required,
            })
        })
        .collect()
}

/// A definition of one of the viewer's studios.
pub async fn visible(ctx: &StudiosCtx, id: Uuid) -> Result<defs::Model, GraphError> {
    visible_row::<defs::Entity, _>(ctx, id, "CardFieldDefinition").await
}

/// A new custom field for the studio's cards.
pub async fn create(
    ctx: &StudiosCtx,
    studio_id: Uuid,
    name: &str,
    field_type: CardFieldType,
    config: serde_json::Value,
    required: bool,
    display_order: Option<i32>,
) -> Result<defs::Model, StudiosError> {
    let studio = visible_studio(ctx, studio_id).await?;
    let name = crate::rules::text::length("fieldName", name, 1, 50)?;
    fields::check_config(field_type, &config)?;
    let order = match display_order {
        Some(o) if o < 0 => {
            return Err(
                GraphError::bad_input("displayOrder", "`displayOrder` must be 0 or more").into(),
            )
        }
        Some(o) => o,
        None => definitions(ctx, studio.id).await?.len() as i32,
    };
    defs::ActiveModel {
        id: Set(Uuid::new_v4()),
        studio_id: Set(studio.id),
        field_name: Set(name),
        field_type: Set(field_type.as_db().into()),
        field_config: Set(config),
        is_required: Set(required),
        display_order: Set(order),
        created_at: Set(now()),
    }
    .insert(&ctx.db)
    .await
    .map_err(StudiosError::taken(Named::FieldDefinition))
}

/// Changes to a definition; fields left out stay as they are. Its type cannot change: the
/// cards' values are of that type.
#[derive(Default)]
pub struct DefinitionChanges {
    pub field_name: Option<String>,
    /// Replaces the whole configuration, stored as given.
    pub field_config: Option<serde_json::Value>,
    pub is_required: Option<bool>,
}

/// Changes a definition; a new name is carried onto every card's value of the field.
pub async fn update(
    ctx: &StudiosCtx,
    id: Uuid,
    changes: DefinitionChanges,
) -> Result<defs::Model, StudiosError> {
    let def = visible(ctx, id).await?;
    let name = match &changes.field_name {
        Some(name) => Some(crate::rules::text::length("fieldName", name, 1, 50)?),
        None => None,
    };
    if let Some(config) = &changes.field_config {
        fields::check_config(CardFieldType::from_db(&def.field_type)?, config)?;
    }
    let scope = ctx.scope().await?;
    let mut update = scope
        .update_card_field_definitions()
        .filter(defs::Column::Id.eq(def.id));
    let changed = name.is_some() || changes.field_config.is_some() || changes.is_required.is_some();
    if let Some(name) = &name {
        update = update.col_expr(defs::Column::FieldName, Expr::value(name.clone()));
    }
    if let Some(config) = changes.field_config {
        update = update.col_expr(defs::Column::FieldConfig, Expr::value(config));
    }
    if let Some(required) = changes.is_required {
        update = update.col_expr(defs::Column::IsRequired, Expr::value(required));
    }
    let txn = ctx.db.begin_write().await?;
    if changed {
        update
            .exec(&txn)
            .await
            .map_err(StudiosError::taken(Named::FieldDefinition))?;
    }
    let mut events = Vec::new();
    if let Some(name) = name.filter(|n| *n != def.field_name) {
        events = rewrite_values(&txn, &scope, def.studio_id, &def.field_name, Some(&name)).await?;
        follow_in_triggers(&txn, &scope, def.studio_id, &def.field_name, Some(&name)).await?;
    }
    let updated = scope
        .card_field_definitions()
        .filter(defs::Column::Id.eq(def.id))
        .one(&txn)
        .await?
        .ok_or_else(|| GraphError::not_found("CardFieldDefinition"))?;
    txn.commit().await?;
    publish(&ctx.events, events).await;
    Ok(updated)
}

/// Puts the studio's fields in the order of `ids`, which lists each of them once; writes
/// `display_order` 0..n-1 and returns the fields in that order.
pub async fn reorder(
    ctx: &StudiosCtx,
    studio_id: Uuid,
    ids: Vec<Uuid>,
) -> Result<Vec<defs::Model>, StudiosError> {
    let studio = visible_studio(ctx, studio_id).await?;
    let scope = ctx.scope().await?;
    let txn = ctx.db.begin_write().await?;
    let current = lock_order(&txn, &scope, studio.id).await?;
    fields::check_order(&current, &ids)?;
    write_order(&txn, &scope, &ids).await?;
    let reordered = scope
        .card_field_definitions()
        .filter(defs::Column::StudioId.eq(studio.id))
        .order_by_asc(defs::Column::DisplayOrder)
        .all(&txn)
        .await?;
    txn.commit().await?;
    Ok(reordered)
}

/// Deletes a definition: its value leaves every card of the studio and the fields after it
/// move up, all in one transaction.
pub async fn delete(ctx: &StudiosCtx, id: Uuid) -> Result<Uuid, StudiosError> {
    let def = visible(ctx, id).await?;
    let scope = ctx.scope().await?;
    let txn = ctx.db.begin_write().await?;
    let mut order = lock_order(&txn, &scope, def.studio_id).await?;
    let deleted = scope
        .delete_card_field_definitions()
        .filter(defs::Column::Id.eq(def.id))
        .exec(&txn)
        .await?;
    if deleted.rows_affected != 1 {
        return Err(GraphError::not_found("CardFieldDefinition").into());
    }
    order.retain(|other| *other != def.id);
    write_order(&txn, &scope, &order).await?;
    let events = rewrite_values(&txn, &scope, def.studio_id, &def.field_name, None).await?;
    follow_in_triggers(&txn, &scope, def.studio_id, &def.field_name, None).await?;
    txn.commit().await?;
    publish(&ctx.events, events).await;
    Ok(def.id)
}

/// Parks the studio's display orders above [`PARKING`] (which also takes the write lock on its
/// definitions, so concurrent reorders run one after the other) and returns their ids in order.
async fn lock_order(
    txn: &DatabaseTransaction,
    scope: &TenantScope,
    studio_id: Uuid,
) -> Result<Vec<Uuid>, GraphError> {
    scope
        .update_card_field_definitions()
        .col_expr(
            defs::Column::DisplayOrder,
            Expr::col(defs::Column::DisplayOrder).add(PARKING),
        )
        .filter(defs::Column::StudioId.eq(studio_id))
        .filter(defs::Column::DisplayOrder.lt(PARKING))
        .exec(txn)
        .await?;
    Ok(scope
        .card_field_definitions()
        .filter(defs::Column::StudioId.eq(studio_id))
        .order_by_asc(defs::Column::DisplayOrder)
        .all(txn)
        .await?
        .into_iter()
        .map(|d| d.id)
        .collect())
}

/// Writes `display_order` 0..n-1 in the order of `ids` (all parked by [`lock_order`]).
async fn write_order(
    txn: &DatabaseTransaction,
    scope: &TenantScope,
    ids: &[Uuid],
) -> Result<(), GraphError> {
    for (order, id) in ids.iter().enumerate() {
        scope
            .update_card_field_definitions()
            .col_expr(defs::Column::DisplayOrder, Expr::value(order as i32))
            .filter(defs::Column::Id.eq(*id))
            .exec(txn)
            .await?;
    }
    Ok(())
}

/// Carries a rename (`to`) of field `name` into the studio's stage triggers, or makes the
/// triggers that watch a deleted one (`None`) inactive (see [`trigger::follow_field`]).
async fn follow_in_triggers(
    txn: &DatabaseTransaction,
    scope: &TenantScope,
    studio_id: Uuid,
    name: &str,
    to: Option<&str>,
) -> Result<(), GraphError> {
    let stages = scope
        .kanban_stages()
        .inner_join(boards::Entity)
        .filter(boards::Column::StudioId.eq(studio_id))
        .all(txn)
        .await?;
    for stage in stages {
        let Some(triggers) = trigger::follow_field(&stage.workflow_triggers, name, to) else {
            continue;
        };
        scope
            .update_kanban_stages()
            .col_expr(stages::Column::WorkflowTriggers, Expr::value(triggers))
            .filter(stages::Column::Id.eq(stage.id))
            .exec(txn)
            .await?;
    }
    Ok(())
}

/// Renames (`to`) or removes (`None`) the value of field `name` on every card of the studio
/// that has one; each changed card gets a new `updated_at` and a change event.
async fn rewrite_values(
    txn: &DatabaseTransaction,
    scope: &TenantScope,
    studio_id: Uuid,
    name: &str,
    to: Option<&str>,
) -> Result<Vec<StudiosEvent>, GraphError> {
    let studio_cards = scope
        .kanban_cards()
        .inner_join(boards::Entity)
        .filter(boards::Column::StudioId.eq(studio_id))
        .all(txn)
        .await?;
    let mut events = Vec::new();
    for card in studio_cards {
        let Some(values) = fields::rewrite_field(&card.custom_fields, name, to) else {
            continue;
        };
        scope
            .update_kanban_cards()
            .col_expr(cards::Column::CustomFields, Expr::value(values))
            .col_expr(cards::Column::UpdatedAt, Expr::value(now()))
            .filter(cards::Column::Id.eq(card.id))
            .exec(txn)
            .await?;
        events.push(StudiosEvent::card(
            card.board_id,
            KanbanChange::CardUpdated,
            card.id,
            card.stage_id,
        ));
    }
    Ok(events)
}
