//! Automations: the flow graph's shape, the status machine, and which runs may start.
//!
//! Status: DRAFT -> ACTIVE <-> PAUSED, and any of them -> ARCHIVED, which is final. Only an
//! ACTIVE automation runs. A run goes RUNNING -> SUCCESS | FAILED, once.

use std::collections::HashSet;

use crate::enums::{KairoAutomationStatus, KairoRunStatus};
use crate::error::KairoError;

/// Most nodes one flow may hold.
pub const MAX_NODES: usize = 500;

/// `{ "nodes": [{ "id": "...", "type": "...", ... }], "edges": [{ "source": "...",
/// "target": "..." }] }`: node ids unique and non-empty, every edge between two nodes of the
/// flow, no edge from a node to itself. Other keys are the editor's and are kept.
pub fn flow(value: &serde_json::Value) -> Result<(), KairoError> {
    let invalid = |message: String| KairoError::invalid("flow", "INVALID_FLOW", message);
    let object = value
        .as_object()
        .ok_or_else(|| invalid("A flow is an object with `nodes` and `edges`".to_owned()))?;
    let nodes = object
        .get("nodes")
        .and_then(|n| n.as_array())
        .ok_or_else(|| invalid("`nodes` must be a list".to_owned()))?;
    let edges = object
        .get("edges")
        .and_then(|e| e.as_array())
        .ok_or_else(|| invalid("`edges` must be a list".to_owned()))?;
    if nodes.len() > MAX_NODES {
        return Err(invalid(format!("A flow holds at most {MAX_NODES} nodes")));
    }
    let mut ids = HashSet::new();
    for (i, node) in nodes.iter().enumerate() {
        let id = node.get("id").and_then(|v| v.as_str()).unwrap_or("");
        let kind = node.get("type").and_then(|v| v.as_str()).unwrap_or("");
        if id.trim().is_empty() || kind.trim().is_empty() {
            return Err(invalid(format!("Node {i} needs a string `id` and `type`")));
        }
        if !ids.insert(id) {
            return Err(invalid(format!("Node id {id:?} is used twice")));
        }
    }
    for (i, edge) in edges.iter().enumerate() {
        let end = |key: &str| edge.get(key).and_then(|v| v.as_str()).unwrap_or("");
        let (source, target) = (end("source"), end("target"));
        if !ids.contains(source) || !ids.contains(target) {
            return Err(invalid(format!(
                "Edge {i} must join two nodes of the flow (`source` and `target`)"
            )));
        }
        if source == target {
            return Err(invalid(format!("Edge {i} joins a node to itself")));
        }
    }
    Ok(())
}

/// Whether an automation may go `from -> to`.
pub fn transition(
    from: KairoAutomationStatus,
    to: KairoAutomationStatus,
) -> Result<(), KairoError> {
    use KairoAutomationStatus::*;
    let allowed = matches!(
        (from, to),
        (Draft, Active) | (Active, Paused) | (Paused, Active) | (Draft | Active | Paused, Archived)
    );
    if allowed {
        Ok(())
    } else {
        Err(KairoError::Transition {
            what: "An automation",
            from: from.as_db(),
            to: to.as_db(),
        })
    }
}

/// A run starts only for an ACTIVE automation.
pub fn can_run(status: KairoAutomationStatus) -> Result<(), KairoError> {
    if status == KairoAutomationStatus::Active {
        Ok(())
    } else {
        Err(KairoError::invalid(
            "automationId",
            "NOT_ACTIVE",
            format!(
                "Only ACTIVE automations run; this one is {}",
                status.as_db()
            ),
        ))
    }
}

/// A run finishes as SUCCESS or FAILED, once, from RUNNING.
pub fn finish(from: KairoRunStatus, to: KairoRunStatus) -> Result<(), KairoError> {
    if from == KairoRunStatus::Running && to != KairoRunStatus::Running {
        Ok(())
    } else {
        Err(KairoError::Transition {
            what: "A run",
            from: from.as_db(),
            to: to.as_db(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use KairoAutomationStatus::*;

    #[test]
    fn a_flow_joins_its_own_nodes() {
        let ok = json!({
            "nodes": [{ "id": "a", "type": "trigger" }, { "id": "b", "type": "email", "x": 1 }],
            "edges": [{ "source": "a", "target": "b" }]
        });
        assert!(flow(&ok).is_ok());
        assert!(flow(&json!({ "nodes": [], "edges": [] })).is_ok());
        let bad = [
            json!([]),
            json!({ "nodes": [] }),
            json!({ "nodes": [{ "id": "a" }], "edges": [] }),
            json!({ "nodes": [{ "id": "a", "type": "t" }, { "id": "a", "type": "t" }], "edges": [] }),
            json!({ "nodes": [{ "id": "a", "type": "t" }], "edges": [{ "source": "a", "target": "z" }] }),
            json!({ "nodes": [{ "id": "a", "type": "t" }], "edges": [{ "source": "a", "target": "a" }] }),
        ];
        for b in bad {
            assert!(flow(&b).is_err(), "{b} passed");
        }
    }

    #[test]
    fn statuses_move_as_documented() {
        assert!(transition(Draft, Active).is_ok());
        assert!(transition(Active, Paused).is_ok());
        assert!(transition(Paused, Active).is_ok());
        assert!(transition(Paused, Archived).is_ok());
        assert!(transition(Archived, Active).is_err());
        assert!(transition(Active, Draft).is_err());
        assert!(transition(Draft, Paused).is_err());
        assert!(can_run(Active).is_ok());
        assert!(can_run(Paused).is_err());
    }

    #[test]
    fn runs_finish_once() {
        use KairoRunStatus::*;
        assert!(finish(Running, Success).is_ok());
        assert!(finish(Running, Failed).is_ok());
        assert!(finish(Success, Failed).is_err());
        assert!(finish(Running, Running).is_err());
    }
}
