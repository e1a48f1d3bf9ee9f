//! Stages (columns) of a board: created, moved and deleted with the board's other stages
//! renumbered, renamed and recoloured, and their workflow triggers.

use sea_orm::{ActiveModelTrait, ColumnTrait, ModelTrait, QueryFilter, QueryOrder, Set};
use studiogate_entities_studios::{
    kanban_cards as cards, kanban_stages as stages, workflow_templates as templates,
};
use studiogate_graph::loader::{visible_row, Visible};
use studiogate_graph::{BeginWrite, GraphError};
use uuid::Uuid;

use super::position::{
    card_order, lock_board, lock_stages, stage_order, write_card_orders, write_stage_order, PARKING,
};
use super::{visible_board, visible_stage};
use crate::context::StudiosCtx;
use crate::error::{Named, StudiosError};
use crate::events::{publish, KanbanChange, StudiosEvent};
use crate::rules::kanban as rules;
use crate::rules::trigger::Event;
use crate::services::{fresh, now, trigger};

pub async fn create(
    ctx: &StudiosCtx,
    board_id: Uuid,
    name: &str,
    color: &str,
    position: Option<i32>,
) -> Result<stages::Model, StudiosError> {
    let board = visible_board(ctx, board_id).await?;
    let (name, color, position) = (
        rules::stage_name(name)?,
        rules::color(color)?,
        rules::position(position)?,
    );
    let scope = ctx.scope().await?;
    let txn = ctx.db.begin_write().await?;
    lock_board(&txn, &scope, board.id).await?;
    let mut order = stage_order(&txn, &scope, board.id).await?;
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
    .map_err(StudiosError::taken(Named::Stage))?;
    rules::insert_at(&mut order, id, position);
    write_stage_order(&txn, &scope, &order).await?;
    txn.commit().await?;
    let event = StudiosEvent::stage(board.id, KanbanChange::StageCreated, id);
    ctx.events.publish(&event).await;
    Ok(visible_row::<stages::Entity, _>(ctx, id, "KanbanStage").await?)
}

/// Moves a stage to `position` on its board; the other stages close up around it.
pub async fn move_to(
    ctx: &StudiosCtx,
    stage_id: Uuid,
    position: i32,
) -> Result<stages::Model, StudiosError> {
    let stage = visible_stage(ctx, stage_id).await?;
    let position = rules::position(Some(position))?;
    let scope = ctx.scope().await?;
    let txn = ctx.db.begin_write().await?;
    lock_board(&txn, &scope, stage.board_id).await?;
    let mut order = stage_order(&txn, &scope, stage.board_id).await?;
    order.retain(|id| *id != stage.id);
    rules::insert_at(&mut order, stage.id, position);
    write_stage_order(&txn, &scope, &order).await?;
    txn.commit().await?;
    let event = StudiosEvent::stage(stage.board_id, KanbanChange::StageMoved, stage.id);
    ctx.events.publish(&event).await;
    Ok(visible_stage(ctx, stage.id).await?)
}

/// Replaces a stage's workflow triggers (at most `MAX_TRIGGERS_PER_STAGE`); every template must
/// be an active catalog entry.
pub async fn set_triggers(
    ctx: &StudiosCtx,
    stage_id: Uuid,
    raw: serde_json::Value,
) -> Result<stages::Model, StudiosError> {
    let stage = visible_stage(ctx, stage_id).await?;
    let list = crate::rules::trigger::validate(&raw)?;
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
            )
            .into());
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

/// A new name or colour for a stage; fields left out stay as they are.
#[derive(Default)]
pub struct StageChanges {
    pub name: Option<String>,
    pub color: Option<String>,
}

/// Renames or recolours a stage. `seen`: the `updatedAt` the client last saw (the stage's
/// `updatedAt` also moves when cards enter or leave it, since a card move locks its stages).
pub async fn update(
    ctx: &StudiosCtx,
    stage_id: Uuid,
    seen: Option<chrono::DateTime<chrono::Utc>>,
    changes: StageChanges,
) -> Result<stages::Model, StudiosError> {
    let stage = visible_stage(ctx, stage_id)
        .await
        .map_err(|e| e.with_field("id"))?;
    fresh(seen, stage.updated_at, "KanbanStage")?;
    let mut row = stages::ActiveModel {
        updated_at: Set(now()),
        ..Default::default()
    };
    if let Some(name) = &changes.name {
        row.name = Set(rules::stage_name(name)?);
    }
    if let Some(color) = &changes.color {
        row.color = Set(rules::color(color)?);
    }
    let scope = ctx.scope().await?;
    let result = scope
        .update_kanban_stages()
        .set(row)
        .filter(stages::Column::Id.eq(stage.id))
        .filter(stages::Column::UpdatedAt.eq(stage.updated_at))
        .exec(&ctx.db)
        .await
        .map_err(StudiosError::taken(Named::Stage))?;
    if result.rows_affected != 1 {
        return Err(StudiosError::Stale {
            entity: "KanbanStage",
        });
    }
    let event = StudiosEvent::stage(stage.board_id, KanbanChange::StageUpdated, stage.id);
    ctx.events.publish(&event).await;
    Ok(visible_stage(ctx, stage.id).await?)
}

/// Deletes a stage; the board's other stages close up (positions stay 0..n-1). A stage that
/// holds cards is deleted only with `move_cards_to`, another stage of the same board: its
/// cards go to the end of that stage in their order, as moves (the deleted stage's exit
/// triggers and the target's entry triggers run for each), in the same transaction.
pub async fn delete(
    ctx: &StudiosCtx,
    stage_id: Uuid,
    move_cards_to: Option<Uuid>,
) -> Result<stages::Model, StudiosError> {
    const TARGET: &str = "moveCardsToStageId";
    let stage = visible_stage(ctx, stage_id).await?;
    let target = match move_cards_to {
        None => None,
        Some(id) if id == stage.id => {
            return Err(GraphError::bad_input(
                TARGET,
                "Cards cannot move to the stage being deleted",
            )
            .into())
        }
        Some(id) => {
            let target = visible_stage(ctx, id)
                .await
                .map_err(|e| e.with_field(TARGET))?;
            if target.board_id != stage.board_id {
                return Err(GraphError::bad_input(
                    TARGET,
                    "Cards move to a stage of the same board",
                )
                .into());
            }
            Some(target)
        }
    };
    let scope = ctx.scope().await?;
    let txn = ctx.db.begin_write().await?;
    lock_board(&txn, &scope, stage.board_id).await?;
    let mut locked = vec![stage.id];
    locked.extend(target.as_ref().map(|t| t.id));
    lock_stages(&txn, &scope, locked).await?;
    let leaving = card_order(&txn, &scope, stage.id).await?;
    let mut events = Vec::new();
    if !leaving.is_empty() {
        let Some(target) = &target else {
            return Err(StudiosError::StageNotEmpty {
                cards: leaving.len(),
            });
        };
        let mut order = card_order(&txn, &scope, target.id).await?;
        order.extend(leaving.iter().copied());
        write_card_orders(&txn, &scope, &[(target.id, &order)]).await?;
        // The moved cards as they now are, in one read.
        let moved = scope
            .kanban_cards()
            .filter(cards::Column::Id.is_in(leaving.iter().copied()))
            .order_by_asc(cards::Column::Position)
            .all(&txn)
            .await?;
        for card in &moved {
            for (of, event) in [(&stage, Event::Left), (target, Event::Entered)] {
                let started = trigger::run(ctx, &txn, &scope, of, card, event)
                    .await
                    .map_err(|e| e.with_field(TARGET))?;
                events.extend(started);
            }
            let change = KanbanChange::CardMoved;
            events.push(StudiosEvent::card(
                stage.board_id,
                change,
                card.id,
                target.id,
            ));
        }
    }
    stage.clone().delete(&txn).await?;
    let before = stage_order(&txn, &scope, stage.board_id).await?;
    write_stage_order(&txn, &scope, &before).await?;
    txn.commit().await?;
    // The stages right of the deleted one moved one place left.
    let shifted = before.iter().skip(stage.position.max(0) as usize);
    for id in shifted {
        events.push(StudiosEvent::stage(
            stage.board_id,
            KanbanChange::StageMoved,
            *id,
        ));
    }
    publish(&ctx.events, events).await;
    Ok(stage)
}
