use async_graphql::{Context, InputObject, Json, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, Utc};
use studiogate_graph::error::GraphResult;
use studiogate_graph::GraphError;
use uuid::Uuid;

use crate::context::writer;
use crate::enums::CardFieldType;
use crate::objects::{CardFieldDefinition, KanbanBoard, KanbanCard, KanbanStage};
use crate::services::kanban;
use crate::services::kanban::board::BoardChanges;
use crate::services::kanban::card::{CardChanges, NewCard};
use crate::services::kanban::stage::StageChanges;

#[derive(Default)]
pub struct KanbanMutation;

/// A new board in a studio.
#[derive(InputObject)]
pub struct CreateKanbanBoardInput {
    pub studio_id: Uuid,
    /// 3-100 characters, unique within the studio.
    pub name: String,
    pub description: Option<String>,
}

/// A new stage (column) of a board.
#[derive(InputObject)]
pub struct CreateKanbanStageInput {
    pub board_id: Uuid,
    /// 2-50 characters, unique within the board.
    pub name: String,
    /// `#RRGGBB`.
    pub color: String,
    /// Where to insert it (0-based); the end when left out. Later stages move right.
    pub position: Option<i32>,
}

/// A new card in a stage.
#[derive(InputObject)]
pub struct CreateKanbanCardInput {
    pub stage_id: Uuid,
    /// 1-200 characters.
    pub title: String,
    pub description: Option<String>,
    /// An approved member of the company.
    pub assignee_id: Option<Uuid>,
    pub due_date: Option<DateTime<Utc>>,
    pub custom_fields: Option<Json<serde_json::Value>>,
    /// Where to insert it (0-based); the end when left out.
    pub position: Option<i32>,
}

/// Moves a card within its stage or to another stage of the same board.
#[derive(InputObject)]
pub struct MoveKanbanCardInput {
    pub card_id: Uuid,
    pub stage_id: Uuid,
    /// The card's new position (0-based); the end when left out.
    pub position: Option<i32>,
}

/// Moves a stage on its board.
#[derive(InputObject)]
pub struct MoveKanbanStageInput {
    pub stage_id: Uuid,
    /// The stage's new position (0-based); past the end means last.
    pub position: i32,
}

/// A card by id.
#[derive(InputObject)]
pub struct DeleteKanbanCardInput {
    pub card_id: Uuid,
}

/// The board as it now is.
#[derive(SimpleObject)]
pub struct KanbanBoardPayload {
    pub kanban_board: KanbanBoard,
}

/// The stage as it now is.
#[derive(SimpleObject)]
pub struct KanbanStagePayload {
    pub kanban_stage: KanbanStage,
}

/// The card as it now is.
#[derive(SimpleObject)]
pub struct KanbanCardPayload {
    pub kanban_card: KanbanCard,
}

/// Changes to a card; fields left out stay as they are (`null` clears optional ones).
#[derive(InputObject)]
pub struct UpdateKanbanCardInput {
    pub id: Uuid,
    /// The `updatedAt` you last saw; if the card changed since, CONFLICT (`STALE_OBJECT`).
    pub updated_at: Option<DateTime<Utc>>,
    pub title: Option<String>,
    pub description: MaybeUndefined<String>,
    pub assignee_id: MaybeUndefined<Uuid>,
    pub due_date: MaybeUndefined<DateTime<Utc>>,
    /// The full list of values, checked against the studio's field definitions; a change
    /// runs the stage's attribute triggers.
    pub custom_fields: Option<Json<serde_json::Value>>,
}

/// A stage's workflow triggers, replaced as a whole.
#[derive(InputObject)]
pub struct SetKanbanStageTriggersInput {
    pub stage_id: Uuid,
    /// `[{ template_id, is_active, conditions: [{ type: stage_entry | stage_exit |
    /// attribute_change, field_name?, operator?: = | != | > | < | contains, field_value? }] }]`,
    /// at most 20 triggers (BAD_USER_INPUT on `triggers` otherwise).
    pub triggers: Json<serde_json::Value>,
}

/// A custom field for a studio's cards.
#[derive(InputObject)]
pub struct CreateCardFieldDefinitionInput {
    pub studio_id: Uuid,
    /// 1-50 characters, unique within the studio.
    pub field_name: String,
    pub field_type: CardFieldType,
    /// Typed by `fieldType`: text `{max_length, placeholder?}`, number `{min_value?, max_value?,
    /// decimal_places}`, date `{min_date?, max_date?, include_time}`, dropdown `{options,
    /// allow_multiple}`, checkbox `{default_value, label_text}`.
    pub field_config: Json<serde_json::Value>,
    #[graphql(default)]
    pub is_required: bool,
    /// Unique within the studio; the next free one when left out.
    pub display_order: Option<i32>,
}

/// The definition as it now is.
#[derive(SimpleObject)]
pub struct CardFieldDefinitionPayload {
    pub card_field_definition: CardFieldDefinition,
}

fn maybe<T>(value: MaybeUndefined<T>) -> Option<Option<T>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v)),
    }
}

/// What was deleted.
#[derive(SimpleObject)]
pub struct DeleteKanbanCardPayload {
    pub deleted_card_id: Uuid,
}

/// Changes to a board; fields left out stay as they are (`null` clears the description).
#[derive(InputObject)]
pub struct UpdateKanbanBoardInput {
    pub id: Uuid,
    /// The `updatedAt` you last saw; if the board changed since (creating, moving or deleting
    /// its stages changes it too), CONFLICT (`STALE_OBJECT`).
    pub updated_at: Option<DateTime<Utc>>,
    /// 3-100 characters, unique within the studio.
    pub name: Option<String>,
    pub description: MaybeUndefined<String>,
}

/// A board by id.
#[derive(InputObject)]
pub struct DeleteKanbanBoardInput {
    pub board_id: Uuid,
}

/// What was deleted (the board's stages and cards went with it).
#[derive(SimpleObject)]
pub struct DeleteKanbanBoardPayload {
    pub deleted_board_id: Uuid,
}

/// A stage's new name or colour; fields left out stay as they are.
#[derive(InputObject)]
pub struct UpdateKanbanStageInput {
    pub id: Uuid,
    /// The `updatedAt` you last saw; if the stage changed since (cards entering or leaving it
    /// change it too), CONFLICT (`STALE_OBJECT`).
    pub updated_at: Option<DateTime<Utc>>,
    /// 2-50 characters, unique within the board.
    pub name: Option<String>,
    /// `#RRGGBB`.
    pub color: Option<String>,
}

/// A stage to delete, and where its cards go.
#[derive(InputObject)]
pub struct DeleteKanbanStageInput {
    pub stage_id: Uuid,
    /// Another stage of the same board. Required when the stage holds cards (CONFLICT,
    /// reason `STAGE_NOT_EMPTY`, otherwise): they move to the end of it, in their order, and
    /// each move runs the deleted stage's exit triggers and this stage's entry triggers.
    pub move_cards_to_stage_id: Option<Uuid>,
}

/// What was deleted, and the board as it now is.
#[derive(SimpleObject)]
pub struct DeleteKanbanStagePayload {
    pub deleted_stage_id: Uuid,
    pub kanban_board: KanbanBoard,
}

#[Object]
impl KanbanMutation {
    /// Creates a board in a studio.
    async fn create_kanban_board(
        &self,
        ctx: &Context<'_>,
        input: CreateKanbanBoardInput,
    ) -> GraphResult<KanbanBoardPayload> {
        let board =
            kanban::board::create(writer(ctx), input.studio_id, &input.name, input.description)
                .await
                .map_err(GraphError::from)?;
        Ok(KanbanBoardPayload {
            kanban_board: KanbanBoard(board),
        })
    }

    /// Adds a stage to a board; positions stay 0..n-1.
    async fn create_kanban_stage(
        &self,
        ctx: &Context<'_>,
        input: CreateKanbanStageInput,
    ) -> GraphResult<KanbanStagePayload> {
        let stage = kanban::stage::create(
            writer(ctx),
            input.board_id,
            &input.name,
            &input.color,
            input.position,
        )
        .await
        .map_err(GraphError::from)?;
        Ok(KanbanStagePayload {
            kanban_stage: KanbanStage(stage),
        })
    }

    /// Moves a stage; the board's stages are renumbered atomically.
    async fn move_kanban_stage(
        &self,
        ctx: &Context<'_>,
        input: MoveKanbanStageInput,
    ) -> GraphResult<KanbanStagePayload> {
        let stage = kanban::stage::move_to(writer(ctx), input.stage_id, input.position)
            .await
            .map_err(GraphError::from)?;
        Ok(KanbanStagePayload {
            kanban_stage: KanbanStage(stage),
        })
    }

    /// Adds a card to a stage; positions stay 0..n-1. The stage's entry triggers run as for a
    /// card moved in; one whose input does not match its template's input schema refuses the
    /// card with BAD_USER_INPUT (reason `TRIGGER_INPUT_INVALID`) and nothing is written.
    async fn create_kanban_card(
        &self,
        ctx: &Context<'_>,
        input: CreateKanbanCardInput,
    ) -> GraphResult<KanbanCardPayload> {
        let card = NewCard {
            title: input.title,
            description: input.description,
            assignee_id: input.assignee_id,
            due_date: input.due_date.map(|d| d.fixed_offset()),
            custom_fields: input
                .custom_fields
                .map(|j| j.0)
                .unwrap_or_else(|| serde_json::json!([])),
            position: input.position,
        };
        let card = kanban::card::create(writer(ctx), input.stage_id, card)
            .await
            .map_err(GraphError::from)?;
        Ok(KanbanCardPayload {
            kanban_card: KanbanCard(card),
        })
    }

    /// Moves a card; both stages are renumbered atomically. Moving to another stage runs the
    /// old stage's exit triggers and the new stage's entry triggers with the card as the move
    /// left it; a trigger whose input does not match its template's input schema refuses the
    /// move with BAD_USER_INPUT (reason `TRIGGER_INPUT_INVALID`, `violations` with JSON
    /// pointers) and nothing is written.
    async fn move_kanban_card(
        &self,
        ctx: &Context<'_>,
        input: MoveKanbanCardInput,
    ) -> GraphResult<KanbanCardPayload> {
        let card =
            kanban::card::move_to(writer(ctx), input.card_id, input.stage_id, input.position)
                .await
                .map_err(GraphError::from)?;
        Ok(KanbanCardPayload {
            kanban_card: KanbanCard(card),
        })
    }

    /// Changes a card.
    async fn update_kanban_card(
        &self,
        ctx: &Context<'_>,
        input: UpdateKanbanCardInput,
    ) -> GraphResult<KanbanCardPayload> {
        let changes = CardChanges {
            title: input.title,
            description: maybe(input.description),
            assignee_id: maybe(input.assignee_id),
            due_date: maybe(input.due_date).map(|d| d.map(|d| d.fixed_offset())),
            custom_fields: input.custom_fields.map(|j| j.0),
        };
        let card = kanban::card::update(writer(ctx), input.id, input.updated_at, changes)
            .await
            .map_err(GraphError::from)?;
        Ok(KanbanCardPayload {
            kanban_card: KanbanCard(card),
        })
    }

    /// Replaces a stage's workflow triggers.
    async fn set_kanban_stage_triggers(
        &self,
        ctx: &Context<'_>,
        input: SetKanbanStageTriggersInput,
    ) -> GraphResult<KanbanStagePayload> {
        let stage = kanban::stage::set_triggers(writer(ctx), input.stage_id, input.triggers.0)
            .await
            .map_err(GraphError::from)?;
        Ok(KanbanStagePayload {
            kanban_stage: KanbanStage(stage),
        })
    }

    /// Adds a custom field to a studio's cards.
    async fn create_card_field_definition(
        &self,
        ctx: &Context<'_>,
        input: CreateCardFieldDefinitionInput,
    ) -> GraphResult<CardFieldDefinitionPayload> {
        let def = kanban::field_definition::create(
            writer(ctx),
            input.studio_id,
            &input.field_name,
            input.field_type,
            input.field_config.0,
            input.is_required,
            input.display_order,
        )
        .await
        .map_err(GraphError::from)?;
        Ok(CardFieldDefinitionPayload {
            card_field_definition: CardFieldDefinition(def),
        })
    }

    /// Deletes a card and closes the gap. Its creator or an admin of its company may;
    /// anyone else gets FORBIDDEN.
    async fn delete_kanban_card(
        &self,
        ctx: &Context<'_>,
        input: DeleteKanbanCardInput,
    ) -> GraphResult<DeleteKanbanCardPayload> {
        let id = kanban::card::delete(writer(ctx), input.card_id)
            .await
            .map_err(GraphError::from)?;
        Ok(DeleteKanbanCardPayload {
            deleted_card_id: id,
        })
    }
    /// Renames or redescribes a board.
    async fn update_kanban_board(
        &self,
        ctx: &Context<'_>,
        input: UpdateKanbanBoardInput,
    ) -> GraphResult<KanbanBoardPayload> {
        let changes = BoardChanges {
            name: input.name,
            description: maybe(input.description),
        };
        let board = kanban::board::update(writer(ctx), input.id, input.updated_at, changes)
            .await
            .map_err(GraphError::from)?;
        Ok(KanbanBoardPayload {
            kanban_board: KanbanBoard(board),
        })
    }

    /// Deletes a board with its stages and cards. Company admins only (FORBIDDEN otherwise).
    async fn delete_kanban_board(
        &self,
        ctx: &Context<'_>,
        input: DeleteKanbanBoardInput,
    ) -> GraphResult<DeleteKanbanBoardPayload> {
        let id = kanban::board::delete(writer(ctx), input.board_id)
            .await
            .map_err(GraphError::from)?;
        Ok(DeleteKanbanBoardPayload {
            deleted_board_id: id,
        })
    }

    /// Renames or recolours a stage.
    async fn update_kanban_stage(
        &self,
        ctx: &Context<'_>,
        input: UpdateKanbanStageInput,
    ) -> GraphResult<KanbanStagePayload> {
        let changes = StageChanges {
            name: input.name,
            color: input.color,
        };
        let stage = kanban::stage::update(writer(ctx), input.id, input.updated_at, changes)
            .await
            .map_err(GraphError::from)?;
        Ok(KanbanStagePayload {
            kanban_stage: KanbanStage(stage),
        })
    }

    /// Deletes a stage; the board's stages close up (positions stay 0..n-1). A stage holding
    /// cards needs `moveCardsToStageId`.
    async fn delete_kanban_stage(
        &self,
        ctx: &Context<'_>,
        input: DeleteKanbanStageInput,
    ) -> GraphResult<DeleteKanbanStagePayload> {
        let studios = writer(ctx);
        let stage = kanban::stage::delete(studios, input.stage_id, input.move_cards_to_stage_id)
            .await
            .map_err(GraphError::from)?;
        let board = kanban::board::visible(studios, stage.board_id).await?;
        Ok(DeleteKanbanStagePayload {
            deleted_stage_id: stage.id,
            kanban_board: KanbanBoard(board),
        })
    }
}
