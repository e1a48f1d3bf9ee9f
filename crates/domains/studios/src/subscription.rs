//! Root subscription fields of the Studios domain. Each event is matched by id, then loaded
//! through fresh loaders of the subscriber (memberships read again), so an event reaches only
//! subscribers who may see its row at the moment it is delivered.

use async_graphql::{Context, Object, Subscription};
use futures_util::{FutureExt, Stream};
use std::sync::Arc;
use studiogate_entities_studios::{kanban_boards, kanban_cards, kanban_stages};
use studiogate_graph::error::GraphResult;
use studiogate_graph::events::{deliveries, PerEvent};
use studiogate_graph::GraphError;
use uuid::Uuid;

use crate::context::{studios_ctx, StudiosCtx};
use crate::events::{KanbanChange, StudiosEvent};
use crate::loader::Loaders;
use crate::objects::{KanbanBoard, KanbanCard, KanbanStage, WorkflowExecution};

#[derive(Default)]
pub struct StudiosSubscription;

/// The data one event is loaded with: the subscriber's context and loaders, built afresh.
type Fresh = Arc<(Arc<StudiosCtx>, Loaders)>;

/// What the subscriptions of one connection share per event (see [`PerEvent`]); every
/// request's data holds one, and a websocket connection's data is one request's.
pub type SharedEvents = Arc<PerEvent<Fresh>>;

fn fresh_data(base: &Arc<StudiosCtx>) -> impl Fn() -> Fresh + Send + Sync + 'static {
    let base = base.clone();
    move || {
        let fresh = Arc::new(base.fresh());
        let loaders = Loaders::new(&fresh);
        Arc::new((fresh, loaders))
    }
}

fn shared(ctx: &Context<'_>) -> SharedEvents {
    ctx.data_opt::<SharedEvents>().cloned().unwrap_or_default()
}

#[Subscription]
impl StudiosSubscription {
    /// An execution each time it changes (created, status change, claim, runner report, lease
    /// expiry; heartbeats are not announced): give `executionId` for one execution or `studioId` for every execution of a
    /// studio. Events of rows the viewer can no longer see are not delivered.
    async fn workflow_execution_updated(
        &self,
        ctx: &Context<'_>,
        studio_id: Option<Uuid>,
        execution_id: Option<Uuid>,
    ) -> async_graphql::Result<impl Stream<Item = GraphResult<WorkflowExecution>>> {
        let base = studios_ctx(ctx).clone();
        let fresh = Arc::new(base.fresh());
        let loaders = Loaders::new(&fresh);
        match (studio_id, execution_id) {
            (Some(id), None) => {
                crate::services::visible_studio(&fresh, id).await?;
            }
            (None, Some(id)) => {
                if loaders.execution.load_one(id).await?.is_none() {
                    return Err(GraphError::not_found("WorkflowExecution").into());
                }
            }
            _ => {
                return Err(GraphError::bad_input(
                    "studioId",
                    "Give exactly one of `studioId` and `executionId`",
                )
                .into())
            }
        }
        let matches = move |event: &StudiosEvent| match event {
            StudiosEvent::Execution { id, studio_id: s } => {
                Some(*id) == execution_id || Some(*s) == studio_id
            }
            StudiosEvent::Kanban { .. } => false,
        };
        let load = |fresh: Fresh, event| {
            async move {
                let StudiosEvent::Execution { id, .. } = event else {
                    return Ok(None);
                };
                let loaders = &fresh.1;
                Ok(loaders
                    .execution
                    .load_one(id)
                    .await?
                    .map(WorkflowExecution::from))
            }
            .boxed()
        };
        Ok(deliveries(
            &base.events,
            matches,
            fresh_data(&base),
            shared(ctx),
            load,
        ))
    }

    /// Every change of a kanban board: cards created, moved, updated or deleted, stages
    /// created, moved or changed.
    async fn kanban_board_changed(
        &self,
        ctx: &Context<'_>,
        board_id: Uuid,
    ) -> async_graphql::Result<impl Stream<Item = GraphResult<KanbanBoardEvent>>> {
        let base = studios_ctx(ctx).clone();
        let fresh = Arc::new(base.fresh());
        if Loaders::new(&fresh)
            .board
            .load_one(board_id)
            .await?
            .is_none()
        {
            return Err(GraphError::not_found("KanbanBoard").into());
        }
        let matches = move |event: &StudiosEvent| matches!(event, StudiosEvent::Kanban { board_id: b, .. } if *b == board_id);
        let load = |data: Fresh, event| {
            async move {
                let (fresh, loaders) = &*data;
                let StudiosEvent::Kanban {
                    board_id,
                    change,
                    card_id,
                    stage_id,
                } = event
                else {
                    return Ok(None);
                };
                let Some(board) = loaders.board.load_one(board_id).await? else {
                    return Ok(None);
                };
                let card = match card_id {
                    Some(id) if change != KanbanChange::CardDeleted => {
                        crate::services::kanban::card::visible(fresh, id).await.ok()
                    }
                    _ => None,
                };
                let stage = match stage_id {
                    Some(id) => loaders.stage.load_one(id).await?,
                    None => None,
                };
                Ok(Some(KanbanBoardEvent {
                    change,
                    board,
                    card_id,
                    card,
                    stage,
                }))
            }
            .boxed()
        };
        Ok(deliveries(
            &base.events,
            matches,
            fresh_data(&base),
            shared(ctx),
            load,
        ))
    }
}

/// One change of a kanban board.
pub struct KanbanBoardEvent {
    change: KanbanChange,
    board: kanban_boards::Model,
    card_id: Option<Uuid>,
    card: Option<kanban_cards::Model>,
    stage: Option<kanban_stages::Model>,
}

/// One change of a kanban board.
#[Object]
impl KanbanBoardEvent {
    /// What changed.
    async fn change(&self) -> KanbanChange {
        self.change
    }

    /// The board, as it is now.
    async fn board(&self) -> KanbanBoard {
        KanbanBoard(self.board.clone())
    }

    /// The card concerned (also for a deleted card); null for stage changes.
    async fn card_id(&self) -> Option<Uuid> {
        self.card_id
    }

    /// The card as it is now; null for stage changes and deleted cards.
    async fn card(&self) -> Option<KanbanCard> {
        self.card.clone().map(KanbanCard)
    }

    /// The stage concerned (the card's stage for card changes), as it is now.
    async fn stage(&self) -> Option<KanbanStage> {
        self.stage.clone().map(KanbanStage)
    }
}
