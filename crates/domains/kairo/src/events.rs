//! The domain's change events, as they travel on the [`Topic`]: ids only, so a subscriber
//! loads each row through its own scope at delivery time.

use serde::{Deserialize, Serialize};
use studiogate_graph::Topic;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event")]
pub enum KairoEvent {
    /// A run was started, finished or failed by the sweeper.
    #[serde(rename = "kairo.run")]
    Run { id: Uuid, automation_id: Uuid },
    /// A lead came in.
    #[serde(rename = "kairo.lead")]
    Lead { id: Uuid },
}

/// Publishes events of work that is committed by now.
pub async fn publish(bus: &Topic, events: impl IntoIterator<Item = KairoEvent>) {
    for event in events {
        bus.publish(&event).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_carry_ids_only_and_round_trip() {
        let event = KairoEvent::Run {
            id: Uuid::nil(),
            automation_id: Uuid::nil(),
        };
        let json = serde_json::to_value(&event).expect("json");
        assert_eq!(json["event"], "kairo.run");
        assert_eq!(
            serde_json::from_value::<KairoEvent>(json).expect("back"),
            event
        );
    }
}
