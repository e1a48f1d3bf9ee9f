//! Boards of a studio: created, renamed or redescribed by any approved member, deleted (with
//! their stages and cards) by company admins only.

use sea_orm::{ActiveModelTrait, ColumnTrait, ModelTrait, QueryFilter, Set};
use studiogate_entities_studios::kanban_boards as boards;
use studiogate_graph::GraphError;
use uuid::Uuid;

use super::visible_board;
use crate::context::StudiosCtx;
use crate::error::{Named, StudiosError};
use crate::rules::kanban as rules;
use crate::services::{fresh, now, require_admin, visible_studio};

/// A board of one of the viewer's companies (NOT_FOUND otherwise).
pub async fn visible(ctx: &StudiosCtx, id: Uuid) -> Result<boards::Model, GraphError> {
    visible_board(ctx, id).await
}

pub async fn create(
    ctx: &StudiosCtx,
    studio_id: Uuid,
    name: &str,
    description: Option<String>,
) -> Result<boards::Model, StudiosError> {
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
    .map_err(StudiosError::taken(Named::Board))
}

/// Changes to a board; fields left out stay as they are.
#[derive(Default)]
pub struct BoardChanges {
    pub name: Option<String>,
    pub description: Option<Option<String>>,
}

/// Renames or redescribes a board. `seen`: the `updatedAt` the client last saw (a board's
/// `updatedAt` also moves when its stages are created, moved or deleted, which lock it).
pub async fn update(
    ctx: &StudiosCtx,
    board_id: Uuid,
    seen: Option<chrono::DateTime<chrono::Utc>>,
    changes: BoardChanges,
) -> Result<boards::Model, StudiosError> {
    let board = visible_board(ctx, board_id)
        .await
        .map_err(|e| e.with_field("id"))?;
    fresh(seen, board.updated_at, "KanbanBoard")?;
    let mut row = boards::ActiveModel {
        updated_at: Set(now()),
        ..Default::default()
    };
    if let Some(name) = &changes.name {
        row.name = Set(rules::board_name(name)?);
    }
    if let Some(description) = changes.description {
        row.description = Set(description);
    }
    let result = ctx
        .scope()
        .await?
        .update_kanban_boards()
        .set(row)
        .filter(boards::Column::Id.eq(board.id))
        .filter(boards::Column::UpdatedAt.eq(board.updated_at))
        .exec(&ctx.db)
        .await
        .map_err(StudiosError::taken(Named::Board))?;
    if result.rows_affected != 1 {
        return Err(StudiosError::Stale {
            entity: "KanbanBoard",
        });
    }
    Ok(visible_board(ctx, board.id).await?)
}

/// Deletes a board with its stages and cards (the schema cascades); company admins only.
pub async fn delete(ctx: &StudiosCtx, board_id: Uuid) -> Result<Uuid, StudiosError> {
    let board = visible_board(ctx, board_id)
        .await
        .map_err(|e| e.with_field("boardId"))?;
    let studio = visible_studio(ctx, board.studio_id).await?;
    require_admin(ctx, studio.company_id).await?;
    let id = board.id;
    board.delete(&ctx.db).await?;
    Ok(id)
}
