//! Kanban boards, stages and cards. Every reorder happens in one transaction that first locks
//! the parent rows (an UPDATE, so it works alike on PostgreSQL and SQLite), reads the current
//! order, and writes positions 0..n-1 back: never a gap or a duplicate, also under concurrent
//! moves.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, QueryFilter, QueryOrder,
    Set, TransactionTrait,
};
use studiogate_entities_studios::{
    kanban_boards as boards, kanban_cards as cards, kanban_stages as stages, TenantScope,
};
use studiogate_graph::loader::visible_row;
use studiogate_graph::loader::Visible;
use studiogate_graph::GraphError;
use uuid::Uuid;

use super::{now, unique, visible_studio};
use crate::context::StudiosCtx;
use crate::enums::MembershipStatus;
use crate::events::{publish, KanbanChange, StudiosEvent};
use crate::rules::fields::{self, FieldValue};
use crate::rules::kanban as rules;
use crate::rules::triggers::Event;
use crate::services::triggers;

/// Positions move above this while being renumbered, clear of the UNIQUE and CHECK limits.
const PARKING: i32 = 1_000_000;

async fn visible_board(ctx: &StudiosCtx, id: Uuid) -> Result<boards::Model, GraphError> {
    visible_row::<boards::Entity, _>(ctx, id, "KanbanBoard").await
}

async fn visible_stage(ctx: &StudiosCtx, id: Uuid) -> Result<stages::Model, GraphError> {
    visible_row::<stages::Entity, _>(ctx, id, "KanbanStage")
        .await
        .map_err(|e| e.with_field("stageId"))
}

pub async fn visible_card(ctx: &StudiosCtx, id: Uuid) -> Result<cards::Model, GraphError> {
    visible_row::<cards::Entity, _>(ctx, id, "KanbanCard").await
}

pub async fn create_board(
    ctx: &StudiosCtx,
    studio_id: Uuid,
    name: &str,
    description: Option<String>,
) -> Result<boards::Model, GraphError> {
    let studio = visible_studio(ctx, studio_id).await?;
    boards::ActiveModel {
        id: Set(Uuid::new_v4()),
        studio_id: Set(studio.id),
        name: Set(rules::board_name(name)?),
        description: Set(description),
        created_by: Set(ctx.account_id()?),
        created_at: Set(now()),
        updated_at: Set(now()),
    }
    .insert(&ctx.db)
    .await
    .map_err(|e| unique(e, "name", "The studio already has a board with this name"))
}

/// Takes the write lock on the parent rows, in id order so two movers cannot deadlock.
async fn lock_stages(
    txn: &DatabaseTransaction,
    scope: &TenantScope,
    mut ids: Vec<Uuid>,
) -> Result<(), GraphError> {
    ids.sort();
    ids.dedup();
    for id in ids {
        scope
            .update_kanban_stages()
            .col_expr(stages::Column::UpdatedAt, Expr::value(now()))
            .filter(stages::Column::Id.eq(id))
            .exec(txn)
            .await?;
    }
    Ok(())
}

async fn lock_board(
    txn: &DatabaseTransaction,
    scope: &TenantScope,
    id: Uuid,
) -> Result<(), GraphError> {
    scope
        .update_kanban_boards()
        .col_expr(boards::Column::UpdatedAt, Expr::value(now()))
        .filter(boards::Column::Id.eq(id))
        .exec(txn)
        .await?;
    Ok(())
}

async fn card_order(
    txn: &DatabaseTransaction,
    scope: &TenantScope,
    stage: Uuid,
) -> Result<Vec<Uuid>, GraphError> {
    Ok(scope
        .kanban_cards()
        .filter(cards::Column::StageId.eq(stage))
        .order_by_asc(cards::Column::Position)
        .all(txn)
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect())
}

/// Writes each `(stage, order)` as positions 0..n-1 of that stage. Every card involved is
/// parked first, so no intermediate state collides with UNIQUE (stage_id, position).
async fn write_card_orders<C: ConnectionTrait>(
    txn: &C,
    scope: &TenantScope,
    orders: &[(Uuid, &[Uuid])],
) -> Result<(), GraphError> {
    let all: Vec<Uuid> = orders
        .iter()
        .flat_map(|(_, order)| order.iter().copied())
        .collect();
    if all.is_empty() {
        return Ok(());
    }
    scope
        .update_kanban_cards()
        .col_expr(
            cards::Column::Position,
            Expr::col(cards::Column::Position).add(PARKING),
        )
        .filter(cards::Column::Id.is_in(all))
        .filter(cards::Column::Position.lt(PARKING))
        .exec(txn)
        .await?;
    for (stage, order) in orders {
        for (position, id) in order.iter().enumerate() {
            scope
                .update_kanban_cards()
                .col_expr(cards::Column::StageId, Expr::value(*stage))
                .col_expr(cards::Column::Position, Expr::value(position as i32))
                .filter(cards::Column::Id.eq(*id))
                .exec(txn)
                .await?;
        }
    }
    Ok(())
}

pub async fn create_stage(
    ctx: &StudiosCtx,
    board_id: Uuid,
    name: &str,
    color: &str,
    position: Option<i32>,
) -> Result<stages::Model, GraphError> {
    let board = visible_board(ctx, board_id).await?;
    let (name, color, position) = (
        rules::stage_name(name)?,
        rules::color(color)?,
        rules::position(position)?,
    );
    let scope = ctx.scope().await?;
    let txn = ctx.db.begin().await?;
    lock_board(&txn, &scope, board.id).await?;
    let mut order: Vec<Uuid> = scope
        .kanban_stages()
        .filter(stages::Column::BoardId.eq(board.id))
        .order_by_asc(stages::Column::Position)
        .all(&txn)
        .await?
        .into_iter()
        .map(|s| s.id)
        .collect();
    let id = Uuid::new_v4();
    stages::ActiveModel {
        id: Set(id),
        board_id: Set(board.id),
        name: Set(name),
        color: Set(color),
        position: Set(PARKING + order.len() as i32),
        workflow_triggers: Set(serde_json::json!([])),
        created_at: Set(now()),
        updated_at: Set(now()),
    }
    .insert(&txn)
    .await
    .map_err(|e| unique(e, "name", "The board already has a stage with this name"))?;
    rules::insert_at(&mut order, id, position);
    write_stage_order(&txn, &scope, &order).await?;
    txn.commit().await?;
    let event = StudiosEvent::stage(board.id, KanbanChange::StageCreated, id);
    ctx.events.publish(&event).await;
    visible_row::<stages::Entity, _>(ctx, id, "KanbanStage").await
}

async fn write_stage_order(
    txn: &DatabaseTransaction,
    scope: &TenantScope,
    order: &[Uuid],
) -> Result<(), GraphError> {
    scope
        .update_kanban_stages()
        .col_expr(
            stages::Column::Position,
            Expr::col(stages::Column::Position).add(PARKING),
        )
        .filter(stages::Column::Id.is_in(order.iter().copied()))
        .filter(stages::Column::Position.lt(PARKING))
        .exec(txn)
        .await?;
    for (position, id) in order.iter().enumerate() {
        scope
            .update_kanban_stages()
            .col_expr(stages::Column::Position, Expr::value(position as i32))
            .filter(stages::Column::Id.eq(*id))
            .exec(txn)
            .await?;
    }
    Ok(())
}

/// The fields of a new card.
pub struct NewCard {
    pub title: String,
    pub description: Option<String>,
    pub assignee_id: Option<Uuid>,
    pub due_date: Option<chrono::DateTime<chrono::FixedOffset>>,
    pub custom_fields: serde_json::Value,
    pub position: Option<i32>,
}

/// An assignee must be an approved member of the board's company.
async fn check_assignee(
    ctx: &StudiosCtx,
    stage: &stages::Model,
    assignee: Option<Uuid>,
) -> Result<(), GraphError> {
    let Some(assignee) = assignee else {
        return Ok(());
    };
    let board = visible_board(ctx, stage.board_id).await?;
    let studio = visible_studio(ctx, board.studio_id).await?;
    let member = Visible::<studiogate_entities_studios::user_companies::Entity>::visible(ctx)
        .await?
        .filter(
            studiogate_entities_studios::user_companies::Column::CompanyId.eq(studio.company_id),
        )
        .filter(studiogate_entities_studios::user_companies::Column::UserId.eq(assignee))
        .filter(
            studiogate_entities_studios::user_companies::Column::Status
                .eq(MembershipStatus::Approved.as_db()),
        )
        .one(&ctx.db)
        .await?;
    match member {
        Some(_) => Ok(()),
        None => Err(GraphError::bad_input(
            "assigneeId",
            "The assignee must be an approved member of the company",
        )),
    }
}

pub async fn create_card(
    ctx: &StudiosCtx,
    stage_id: Uuid,
    card: NewCard,
) -> Result<cards::Model, GraphError> {
    let stage = visible_stage(ctx, stage_id).await?;
    let title = rules::card_title(&card.title)?;
    let position = rules::position(card.position)?;
    check_assignee(ctx, &stage, card.assignee_id).await?;
    let studio_id = visible_board(ctx, stage.board_id).await?.studio_id;
    let values = fields::check_values(
        &triggers::definitions(ctx, studio_id).await?,
        &card.custom_fields,
    )?;
    let custom_fields = serde_json::to_value(values).map_err(|e| GraphError::internal(&e))?;
    let scope = ctx.scope().await?;
    let txn = ctx.db.begin().await?;
    lock_stages(&txn, &scope, vec![stage.id]).await?;
    let mut order = card_order(&txn, &scope, stage.id).await?;
    let id = Uuid::new_v4();
    cards::ActiveModel {
        id: Set(id),
        board_id: Set(stage.board_id),
        stage_id: Set(stage.id),
        title: Set(title),
        description: Set(card.description),
        position: Set(PARKING + order.len() as i32),
        assignee_id: Set(card.assignee_id),
        due_date: Set(card.due_date),
        custom_fields: Set(custom_fields),
        created_by: Set(ctx.account_id()?),
        created_at: Set(now()),
        updated_at: Set(now()),
    }
    .insert(&txn)
    .await?;
    rules::insert_at(&mut order, id, position);
    write_card_orders(&txn, &scope, &[(stage.id, &order)]).await?;
    txn.commit().await?;
    let event = StudiosEvent::card(stage.board_id, KanbanChange::CardCreated, id, stage.id);
    ctx.events.publish(&event).await;
    visible_card(ctx, id).await
}

/// Moves a card to `position` of `stage_id` (its own stage or another of the same board).
pub async fn move_card(
    ctx: &StudiosCtx,
    card_id: Uuid,
    stage_id: Uuid,
    position: Option<i32>,
) -> Result<cards::Model, GraphError> {
    let card = visible_card(ctx, card_id).await?;
    let target = visible_stage(ctx, stage_id).await?;
    if target.board_id != card.board_id {
        return Err(GraphError::bad_input(
            "stageId",
            "A card moves between stages of its own board",
        ));
    }
    let position = rules::position(position)?;
    let scope = ctx.scope().await?;
    let txn = ctx.db.begin().await?;
    lock_stages(&txn, &scope, vec![card.stage_id, target.id]).await?;
    // Read again under the lock: a concurrent move may have moved this card already.
    let source = scope
        .kanban_cards()
        .filter(cards::Column::Id.eq(card.id))
        .one(&txn)
        .await?
        .ok_or_else(|| GraphError::not_found("KanbanCard"))?
        .stage_id;
    let mut from = card_order(&txn, &scope, source).await?;
    from.retain(|id| *id != card.id);
    let mut started = Vec::new();
    if source == target.id {
        rules::insert_at(&mut from, card.id, position);
        write_card_orders(&txn, &scope, &[(target.id, &from)]).await?;
    } else {
        let mut to = card_order(&txn, &scope, target.id).await?;
        rules::insert_at(&mut to, card.id, position);
        write_card_orders(&txn, &scope, &[(source, &from), (target.id, &to)]).await?;
        let left = scope
            .kanban_stages()
            .filter(stages::Column::Id.eq(source))
            .one(&txn)
            .await?
            .ok_or_else(|| GraphError::not_found("KanbanStage"))?;
        started.extend(triggers::run(ctx, &txn, &scope, &left, &card, Event::Left).await?);
        started.extend(triggers::run(ctx, &txn, &scope, &target, &card, Event::Entered).await?);
    }
    scope
        .update_kanban_cards()
        .col_expr(cards::Column::UpdatedAt, Expr::value(now()))
        .filter(cards::Column::Id.eq(card.id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    started.push(StudiosEvent::card(
        card.board_id,
        KanbanChange::CardMoved,
        card.id,
        target.id,
    ));
    publish(&ctx.events, started).await;
    visible_card(ctx, card.id).await
}

/// Deletes a card and closes the gap it leaves.
pub async fn delete_card(ctx: &StudiosCtx, card_id: Uuid) -> Result<Uuid, GraphError> {
    let card = visible_card(ctx, card_id).await?;
    let scope = ctx.scope().await?;
    let txn = ctx.db.begin().await?;
    lock_stages(&txn, &scope, vec![card.stage_id]).await?;
    scope
        .delete_kanban_cards()
        .filter(cards::Column::Id.eq(card.id))
        .exec(&txn)
        .await?;
    let order = card_order(&txn, &scope, card.stage_id).await?;
    write_card_orders(&txn, &scope, &[(card.stage_id, &order)]).await?;
    txn.commit().await?;
    let event = StudiosEvent::card(
        card.board_id,
        KanbanChange::CardDeleted,
        card.id,
        card.stage_id,
    );
    ctx.events.publish(&event).await;
    Ok(card.id)
}

/// Changes to a card; fields left out stay as they are.
#[derive(Default)]
pub struct CardChanges {
    pub title: Option<String>,
    pub description: Option<Option<String>>,
    pub assignee_id: Option<Option<Uuid>>,
    pub due_date: Option<Option<chrono::DateTime<chrono::FixedOffset>>>,
    pub custom_fields: Option<serde_json::Value>,
}

/// Updates a card; a change of custom fields runs the stage's attribute triggers.
pub async fn update_card(
    ctx: &StudiosCtx,
    card_id: Uuid,
    seen: Option<chrono::DateTime<chrono::Utc>>,
    changes: CardChanges,
) -> Result<cards::Model, GraphError> {
    let card = visible_card(ctx, card_id).await?;
    super::fresh(seen, card.updated_at, "KanbanCard")?;
    let stage = visible_stage(ctx, card.stage_id).await?;
    let mut row: cards::ActiveModel = card.clone().into();
    if let Some(title) = &changes.title {
        row.title = Set(rules::card_title(title)?);
    }
    if let Some(description) = changes.description {
        row.description = Set(description);
    }
    if let Some(assignee) = changes.assignee_id {
        check_assignee(ctx, &stage, assignee).await?;
        row.assignee_id = Set(assignee);
    }
    if let Some(due) = changes.due_date {
        row.due_date = Set(due);
    }
    let mut changed_fields = Vec::new();
    if let Some(raw) = &changes.custom_fields {
        let studio_id = visible_board(ctx, stage.board_id).await?.studio_id;
        let new = fields::check_values(&triggers::definitions(ctx, studio_id).await?, raw)?;
        let old: Vec<FieldValue> =
            serde_json::from_value(card.custom_fields.clone()).unwrap_or_default();
        let value_of = |list: &[FieldValue], name: &str| {
            list.iter()
                .find(|v| v.field_name == name)
                .map(|v| v.field_value.clone())
        };
        for name in new.iter().chain(old.iter()).map(|v| v.field_name.clone()) {
            if value_of(&new, &name) != value_of(&old, &name) && !changed_fields.contains(&name) {
                changed_fields.push(name);
            }
        }
        row.custom_fields = Set(serde_json::to_value(new).map_err(|e| GraphError::internal(&e))?);
    }
    row.updated_at = Set(now());
    let scope = ctx.scope().await?;
    let txn = ctx.db.begin().await?;
    let result = scope
        .update_kanban_cards()
        .set(row)
        .filter(cards::Column::Id.eq(card.id))
        .filter(cards::Column::UpdatedAt.eq(card.updated_at))
        .exec(&txn)
        .await?;
    if result.rows_affected != 1 {
        return Err(GraphError::stale("KanbanCard"));
    }
    let updated = scope
        .kanban_cards()
        .filter(cards::Column::Id.eq(card.id))
        .one(&txn)
        .await?
        .ok_or_else(|| GraphError::not_found("KanbanCard"))?;
    let mut started = Vec::new();
    if !changed_fields.is_empty() {
        started = triggers::run(
            ctx,
            &txn,
            &scope,
            &stage,
            &updated,
            Event::Changed(&changed_fields),
        )
        .await?;
    }
    txn.commit().await?;
    started.push(StudiosEvent::card(
        updated.board_id,
        KanbanChange::CardUpdated,
        updated.id,
        updated.stage_id,
    ));
    publish(&ctx.events, started).await;
    Ok(updated)
}

/// Replaces a stage's workflow triggers; every template must be an active catalog entry.
pub async fn set_stage_triggers(
    ctx: &StudiosCtx,
    stage_id: Uuid,
    raw: serde_json::Value,
) -> Result<stages::Model, GraphError> {
    use studiogate_entities_studios::workflow_templates as templates;
    let stage = visible_stage(ctx, stage_id).await?;
    let list = crate::rules::triggers::parse(&raw)?;
    for (i, trigger) in list.iter().enumerate() {
        let template = Visible::<templates::Entity>::visible(ctx)
            .await?
            .filter(templates::Column::Id.eq(trigger.template_id))
            .filter(templates::Column::IsActive.eq(true))
            .one(&ctx.db)
            .await?;
        if template.is_none() {
            return Err(GraphError::bad_input(
                format!("triggers.{i}.template_id"),
                "Not an active workflow template",
            ));
        }
    }
    let mut row: stages::ActiveModel = stage.into();
    row.workflow_triggers = Set(raw);
    row.updated_at = Set(now());
    let stage = row.update(&ctx.db).await?;
    let event = StudiosEvent::stage(stage.board_id, KanbanChange::StageUpdated, stage.id);
    ctx.events.publish(&event).await;
    Ok(stage)
}

/// A new custom field for the studio's cards.
pub async fn create_field_definition(
    ctx: &StudiosCtx,
    studio_id: Uuid,
    name: &str,
    field_type: crate::enums::CardFieldType,
    config: serde_json::Value,
    required: bool,
    display_order: Option<i32>,
) -> Result<studiogate_entities_studios::card_field_definitions::Model, GraphError> {
    use studiogate_entities_studios::card_field_definitions as defs;
    let studio = visible_studio(ctx, studio_id).await?;
    let name = crate::rules::text::length("fieldName", name, 1, 50)?;
    fields::check_config(field_type, &config)?;
    let order = match display_order {
        Some(o) if o < 0 => {
            return Err(GraphError::bad_input(
                "displayOrder",
                "`displayOrder` must be 0 or more",
            ))
        }
        Some(o) => o,
        None => triggers::definitions(ctx, studio.id).await?.len() as i32,
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
    .map_err(|e| {
        unique(
            e,
            "fieldName",
            "The studio already has this field (or this display order)",
        )
    })
}

/// Moves a stage to `position` on its board; the other stages close up around it.
pub async fn move_stage(
    ctx: &StudiosCtx,
    stage_id: Uuid,
    position: i32,
) -> Result<stages::Model, GraphError> {
    let stage = visible_stage(ctx, stage_id).await?;
    let position = rules::position(Some(position))?;
    let scope = ctx.scope().await?;
    let txn = ctx.db.begin().await?;
    lock_board(&txn, &scope, stage.board_id).await?;
    let mut order: Vec<Uuid> = scope
        .kanban_stages()
        .filter(stages::Column::BoardId.eq(stage.board_id))
        .order_by_asc(stages::Column::Position)
        .all(&txn)
        .await?
        .into_iter()
        .map(|s| s.id)
        .filter(|id| *id != stage.id)
        .collect();
    rules::insert_at(&mut order, stage.id, position);
    write_stage_order(&txn, &scope, &order).await?;
    txn.commit().await?;
    let event = StudiosEvent::stage(stage.board_id, KanbanChange::StageMoved, stage.id);
    ctx.events.publish(&event).await;
    visible_stage(ctx, stage.id).await
}
