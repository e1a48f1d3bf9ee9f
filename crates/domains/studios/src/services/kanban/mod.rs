//! Kanban boards, their stages (columns) and cards, and the custom fields a studio's cards
//! carry. Every reorder happens in one transaction that first locks the parent rows, reads the
//! current order and writes positions 0..n-1 back ([`position`]).

pub mod board;
pub mod card;
pub mod field_definition;
mod position;
pub mod stage;

use studiogate_entities_studios::{kanban_boards as boards, kanban_stages as stages};
use studiogate_graph::loader::visible_row;
use studiogate_graph::GraphError;
use uuid::Uuid;

use crate::context::StudiosCtx;

async fn visible_board(ctx: &StudiosCtx, id: Uuid) -> Result<boards::Model, GraphError> {
    visible_row::<boards::Entity, _>(ctx, id, "KanbanBoard").await
}

async fn visible_stage(ctx: &StudiosCtx, id: Uuid) -> Result<stages::Model, GraphError> {
    visible_row::<stages::Entity, _>(ctx, id, "KanbanStage")
        .await
        .map_err(|e| e.with_field("stageId"))
}
