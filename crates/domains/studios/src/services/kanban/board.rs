//! Boards of a studio.

use sea_orm::{ActiveModelTrait, Set};
use studiogate_entities_studios::kanban_boards as boards;
use uuid::Uuid;

use crate::context::StudiosCtx;
use crate::error::{Named, StudiosError};
use crate::rules::kanban as rules;
use crate::services::{now, visible_studio};

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
