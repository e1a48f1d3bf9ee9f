//! Positions 0..n-1 of the cards of a stage and of the stages of a board. A writer first
//! locks the parent rows (an UPDATE, so it works alike on PostgreSQL and SQLite), reads the
//! current order, and writes every position back: never a gap or a duplicate, also under
//! concurrent moves.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseTransaction, QueryFilter, QueryOrder};
use studiogate_entities_studios::{
    kanban_boards as boards, kanban_cards as cards, kanban_stages as stages, TenantScope,
};
use studiogate_graph::GraphError;
use uuid::Uuid;

use crate::services::now;

/// Positions move above this while being renumbered, clear of the UNIQUE and CHECK limits.
pub const PARKING: i32 = 1_000_000;

/// Takes the write lock on the parent rows, in id order so two movers cannot deadlock.
pub async fn lock_stages(
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

pub async fn lock_board(
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

pub async fn card_order(
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
pub async fn write_card_orders<C: ConnectionTrait>(
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

pub async fn write_stage_order(
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

/// The board's stages, left to right.
pub async fn stage_order(
    txn: &DatabaseTransaction,
    scope: &TenantScope,
    board: Uuid,
) -> Result<Vec<Uuid>, GraphError> {
    Ok(scope
        .kanban_stages()
        .filter(stages::Column::BoardId.eq(board))
        .order_by_asc(stages::Column::Position)
        .all(txn)
        .await?
        .into_iter()
        .map(|s| s.id)
        .collect())
}
