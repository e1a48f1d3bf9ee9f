//! The domain's change events, as they travel on its topic: ids only, so a subscriber loads
//! each row through its own client-scoped loaders at delivery time (no API key, no input, no
//! error text travels).

use serde::{Deserialize, Serialize};
use studiogate_graph::Topic;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event")]
pub enum MasstockEvent {
    /// An execution was created or changed (claim, progress, outcome, lease expiry).
    #[serde(rename = "masstock.execution")]
    Execution { id: Uuid, client_id: Uuid },
    /// A batch result of an execution changed.
    #[serde(rename = "masstock.batch_result")]
    BatchResult {
        id: Uuid,
        execution_id: Uuid,
        client_id: Uuid,
    },
}

impl MasstockEvent {
    pub fn execution(
        row: &studiogate_entities_masstock::masstock_workflow_executions::Model,
    ) -> Self {
        Self::Execution {
            id: row.id,
            client_id: row.client_id,
        }
    }
}

/// Publishes events of work that is committed by now.
pub async fn publish(bus: &Topic, events: impl IntoIterator<Item = MasstockEvent>) {
    for event in events {
        bus.publish(&event).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_carry_ids_only_and_round_trip() {
        let event = MasstockEvent::BatchResult {
            id: Uuid::nil(),
            execution_id: Uuid::nil(),
            client_id: Uuid::nil(),
        };
        let json = serde_json::to_value(&event).expect("json");
        assert_eq!(json["event"], "masstock.batch_result");
        assert_eq!(json.as_object().map(|o| o.len()), Some(4));
        assert_eq!(
            serde_json::from_value::<MasstockEvent>(json).expect("back"),
            event
        );
    }
}
