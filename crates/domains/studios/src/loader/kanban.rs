//! The cards of a board as a page: `KanbanBoard.cards`, one windowed statement for the boards
//! of a level and one GROUP BY for their counts, narrowed by [`KanbanCardFilter`].

use async_graphql::InputObject;
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DbBackend, QueryFilter, Select};
use studiogate_entities_studios::kanban_cards as cards;
use studiogate_graph::loader::{ListFilter, Relation};
use uuid::Uuid;

/// Narrows a board's cards; conditions left out match every card, given ones must all hold.
#[derive(InputObject, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct KanbanCardFilter {
    /// Only cards in this stage.
    pub stage_id: Option<Uuid>,
    /// Only cards assigned to this person.
    pub assignee_id: Option<Uuid>,
    /// Only cards due strictly before this instant (cards without a due date are left out).
    pub due_before: Option<DateTime<Utc>>,
}

impl ListFilter<cards::Entity> for KanbanCardFilter {
    fn apply(&self, mut select: Select<cards::Entity>, _: DbBackend) -> Select<cards::Entity> {
        if let Some(stage) = self.stage_id {
            select = select.filter(cards::Column::StageId.eq(stage));
        }
        if let Some(assignee) = self.assignee_id {
            select = select.filter(cards::Column::AssigneeId.eq(assignee));
        }
        if let Some(due) = self.due_before {
            select = select.filter(cards::Column::DueDate.lt(due.fixed_offset()));
        }
        select
    }
}

/// Cards hang off their board, paged newest first (or oldest first) by creation.
pub fn cards_by_board() -> Relation<cards::Entity> {
    Relation {
        parent: cards::Column::BoardId,
        parent_of: |m: &cards::Model| m.board_id,
        time: cards::Column::CreatedAt,
        id: cards::Column::Id,
        lazy: &[],
    }
}
