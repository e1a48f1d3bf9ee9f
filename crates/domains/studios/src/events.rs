//! The domain's change events, as they travel on the [`Topic`]: ids only, so a subscriber
//! loads each row through its own tenant-scoped loaders at delivery time.

use async_graphql::Enum;
use serde::{Deserialize, Serialize};
use studiogate_graph::Topic;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event")]
pub enum StudiosEvent {
    /// An execution was created or changed (status, lease, report).
    #[serde(rename = "studios.execution")]
    Execution { id: Uuid, studio_id: Uuid },
    /// A card or stage of a board changed.
    #[serde(rename = "studios.kanban")]
    Kanban {
        board_id: Uuid,
        change: KanbanChange,
        card_id: Option<Uuid>,
        stage_id: Option<Uuid>,
    },
}

/// What changed on a kanban board.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum KanbanChange {
    CardCreated,
    CardMoved,
    CardUpdated,
    CardDeleted,
    StageCreated,
    StageMoved,
    StageUpdated,
}

impl StudiosEvent {
    pub fn execution(row: &studiogate_entities_studios::workflow_executions::Model) -> Self {
        Self::Execution {
            id: row.id,
            studio_id: row.studio_id,
        }
    }

    pub fn card(board_id: Uuid, change: KanbanChange, card_id: Uuid, stage_id: Uuid) -> Self {
        Self::Kanban {
            board_id,
            change,
            card_id: Some(card_id),
            stage_id: Some(stage_id),
        }
    }

    pub fn stage(board_id: Uuid, change: KanbanChange, stage_id: Uuid) -> Self {
        Self::Kanban {
            board_id,
            change,
            card_id: None,
            stage_id: Some(stage_id),
        }
    }
}

/// Publishes events of work that is committed by now.
pub async fn publish(bus: &Topic, events: impl IntoIterator<Item = StudiosEvent>) {
    for event in events {
        bus.publish(&event).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_carry_ids_only_and_round_trip() {
        let event = StudiosEvent::card(
            Uuid::nil(),
            KanbanChange::CardMoved,
            Uuid::nil(),
            Uuid::nil(),
        );
        let json = serde_json::to_value(&event).expect("json");
        assert_eq!(json["event"], "studios.kanban");
        assert_eq!(json["change"], "CARD_MOVED");
        assert_eq!(
            serde_json::from_value::<StudiosEvent>(json).expect("back"),
            event
        );
    }
}
