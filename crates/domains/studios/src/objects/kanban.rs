use async_graphql::{Context, Json, Object};
use chrono::{DateTime, Utc};
use studiogate_entities_studios::{
    card_field_definitions, kanban_boards, kanban_cards, kanban_stages,
};
use studiogate_graph::error::GraphResult;
use studiogate_graph::loader::paged_connection;
use studiogate_graph::pagination::ListConnection;
use studiogate_graph::{GraphError, ListOrder, PageArgs};
use uuid::Uuid;

use super::{cursor, utc, Studio, User};
use crate::enums::CardFieldType;
use crate::loader::{loaders, KanbanCardFilter};

async fn studio(ctx: &Context<'_>, id: Uuid) -> GraphResult<Studio> {
    loaders(ctx)
        .studio
        .load_one(id)
        .await?
        .map(Studio)
        .ok_or_else(|| GraphError::not_found("Studio").into())
}

async fn board(ctx: &Context<'_>, id: Uuid) -> GraphResult<KanbanBoard> {
    loaders(ctx)
        .board
        .load_one(id)
        .await?
        .map(KanbanBoard)
        .ok_or_else(|| GraphError::not_found("KanbanBoard").into())
}

async fn user(ctx: &Context<'_>, id: Option<Uuid>) -> GraphResult<Option<User>> {
    let Some(id) = id else { return Ok(None) };
    Ok(loaders(ctx).profile.load_one(id).await?.map(User))
}

/// A kanban board of a studio.
pub struct KanbanBoard(pub kanban_boards::Model);

/// A kanban board of a studio.
#[Object]
impl KanbanBoard {
    /// Board id.
    async fn id(&self) -> Uuid {
        self.0.id
    }

    /// Board name, unique within the studio.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// What the board is for.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }

    /// When the board was created.
    async fn created_at(&self) -> DateTime<Utc> {
        utc(self.0.created_at)
    }

    /// When the board was last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        utc(self.0.updated_at)
    }

    /// The studio the board belongs to.
    async fn studio(&self, ctx: &Context<'_>) -> GraphResult<Studio> {
        studio(ctx, self.0.studio_id).await
    }

    /// Who created the board.
    async fn created_by(&self, ctx: &Context<'_>) -> GraphResult<Option<User>> {
        user(ctx, Some(self.0.created_by)).await
    }

    /// The board's stages, left to right.
    async fn stages(&self, ctx: &Context<'_>) -> GraphResult<Vec<KanbanStage>> {
        let stages = loaders(ctx).stages_by_board.load_one(self.0.id).await?;
        Ok(stages
            .unwrap_or_default()
            .into_iter()
            .map(KanbanStage)
            .collect())
    }

    /// The board's cards across its stages, newest first by default (by creation), narrowed
    /// by `filter`. `KanbanStage.cards` lists one stage's cards in board order instead.
    #[graphql(
        complexity = "studiogate_graph::pagination::page_complexity(first, child_complexity)"
    )]
    async fn cards(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
        order: Option<ListOrder>,
        filter: Option<KanbanCardFilter>,
    ) -> GraphResult<ListConnection<KanbanCard>> {
        let l = loaders(ctx);
        paged_connection(
            ctx,
            &l.cards_by_board,
            &l.card_count_by_board,
            self.0.id,
            PageArgs::parse(first, after, order)?,
            filter.unwrap_or_default(),
            |m: &kanban_cards::Model| cursor(m.created_at, m.id),
            KanbanCard,
        )
        .await
    }
}

/// A column of a kanban board.
pub struct KanbanStage(pub kanban_stages::Model);

/// A column of a kanban board.
#[Object]
impl KanbanStage {
    /// Stage id.
    async fn id(&self) -> Uuid {
        self.0.id
    }

    /// Stage name, unique within the board.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Colour as `#RRGGBB`.
    async fn color(&self) -> &str {
        &self.0.color
    }

    /// 0-based position on the board.
    async fn position(&self) -> i32 {
        self.0.position
    }

    /// Workflow triggers fired when cards enter or leave the stage.
    async fn workflow_triggers(&self) -> Json<serde_json::Value> {
        Json(self.0.workflow_triggers.clone())
    }

    /// When the stage was created.
    async fn created_at(&self) -> DateTime<Utc> {
        utc(self.0.created_at)
    }

    /// When the stage was last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        utc(self.0.updated_at)
    }

    /// The board the stage belongs to.
    async fn board(&self, ctx: &Context<'_>) -> GraphResult<KanbanBoard> {
        board(ctx, self.0.board_id).await
    }

    /// The stage's cards, top to bottom.
    async fn cards(&self, ctx: &Context<'_>) -> GraphResult<Vec<KanbanCard>> {
        let cards = loaders(ctx).cards_by_stage.load_one(self.0.id).await?;
        Ok(cards
            .unwrap_or_default()
            .into_iter()
            .map(KanbanCard)
            .collect())
    }
}

/// A work item on a kanban board.
pub struct KanbanCard(pub kanban_cards::Model);

/// A work item on a kanban board.
#[Object]
impl KanbanCard {
    /// Card id.
    async fn id(&self) -> Uuid {
        self.0.id
    }

    /// Title, 1-200 characters.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// Longer description.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }

    /// 0-based position within its stage.
    async fn position(&self) -> i32 {
        self.0.position
    }

    /// Due date, if any.
    async fn due_date(&self) -> Option<DateTime<Utc>> {
        self.0.due_date.map(utc)
    }

    /// Custom field values, as defined by the studio's card field definitions.
    async fn custom_fields(&self) -> Json<serde_json::Value> {
        Json(self.0.custom_fields.clone())
    }

    /// When the card was created.
    async fn created_at(&self) -> DateTime<Utc> {
        utc(self.0.created_at)
    }

    /// When the card was last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        utc(self.0.updated_at)
    }

    /// The board the card is on.
    async fn board(&self, ctx: &Context<'_>) -> GraphResult<KanbanBoard> {
        board(ctx, self.0.board_id).await
    }

    /// The stage the card is in.
    async fn stage(&self, ctx: &Context<'_>) -> GraphResult<KanbanStage> {
        loaders(ctx)
            .stage
            .load_one(self.0.stage_id)
            .await?
            .map(KanbanStage)
            .ok_or_else(|| GraphError::not_found("KanbanStage").into())
    }

    /// Who the card is assigned to.
    async fn assignee(&self, ctx: &Context<'_>) -> GraphResult<Option<User>> {
        user(ctx, self.0.assignee_id).await
    }

    /// Who created the card.
    async fn created_by(&self, ctx: &Context<'_>) -> GraphResult<Option<User>> {
        user(ctx, Some(self.0.created_by)).await
    }
}

/// A custom field cards of a studio can carry.
pub struct CardFieldDefinition(pub card_field_definitions::Model);

/// A custom field cards of a studio can carry.
#[Object]
impl CardFieldDefinition {
    /// Definition id.
    async fn id(&self) -> Uuid {
        self.0.id
    }

    /// Field name, unique within the studio.
    async fn field_name(&self) -> &str {
        &self.0.field_name
    }

    /// Value type.
    async fn field_type(&self) -> GraphResult<CardFieldType> {
        Ok(CardFieldType::from_db(&self.0.field_type)?)
    }

    /// Type-specific configuration (max length, bounds, options, ...).
    async fn field_config(&self) -> Json<serde_json::Value> {
        Json(self.0.field_config.clone())
    }

    /// Whether every card must set it.
    async fn is_required(&self) -> bool {
        self.0.is_required
    }

    /// Display position.
    async fn display_order(&self) -> i32 {
        self.0.display_order
    }

    /// When the definition was created.
    async fn created_at(&self) -> DateTime<Utc> {
        utc(self.0.created_at)
    }

    /// The studio it belongs to.
    async fn studio(&self, ctx: &Context<'_>) -> GraphResult<Studio> {
        studio(ctx, self.0.studio_id).await
    }
}
