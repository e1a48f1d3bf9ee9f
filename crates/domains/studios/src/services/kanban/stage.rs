//! Stages (columns) of a board: created and moved with the board's other stages renumbered,
//! and their workflow triggers.

use sea_orm::{ActiveModelTrait, ColumnTrait, QueryFilter, Set, TransactionTrait};
use studiogate_entities_studios::{kanban_stages as stages, workflow_templates as templates};
use studiogate_graph::loader::{visible_row, Visible};
use studiogate_graph::GraphError;
use uuid::Uuid;

use super::position::{lock_board, stage_order, write_stage_order, PARKING};
use super::{visible_board, visible_stage};
use crate::context::StudiosCtx;
use crate::error::{Named, StudiosError};
use crate::events::{KanbanChange, StudiosEvent};
use crate::rules::kanban as rules;
use crate::services::now;

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
    let txn = ctx.db.begin().await?;
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
    let txn = ctx.db.begin().await?;
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
