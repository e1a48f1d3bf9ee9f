//! Stage workflow triggers (specs/studios.md, WorkflowTriggerConfig): when a card enters or
//! leaves a stage, or a custom field changes, every active trigger whose conditions hold starts
//! an execution of its template with the card as input, in the same transaction as the change.

use serde::Deserialize;
use serde_json::Value;
use studiogate_graph::GraphError;
use uuid::Uuid;

use super::fields::FieldValue;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trigger {
    pub template_id: Uuid,
    pub conditions: Vec<Condition>,
    pub is_active: bool,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub field_name: Option<String>,
    #[serde(default)]
    pub field_value: Option<Value>,
    #[serde(default)]
    pub operator: Option<String>,
}

/// A stage's stored triggers after the field `name` was renamed (`to`) or deleted (`None`):
/// conditions on it follow the new name; a trigger with a condition on a deleted field can
/// never hold again, so it is made inactive rather than left to fire on its other conditions.
/// `None` when no trigger of the list watches the field.
pub fn follow_field(raw: &Value, name: &str, to: Option<&str>) -> Option<Value> {
    let mut triggers = raw.as_array()?.clone();
    let mut changed = false;
    for trigger in &mut triggers {
        let Some(conditions) = trigger.get_mut("conditions").and_then(Value::as_array_mut) else {
            continue;
        };
        let mut watched = false;
        for condition in conditions.iter_mut() {
            if condition.get("field_name").and_then(Value::as_str) == Some(name) {
                watched = true;
                if let Some(to) = to {
                    condition["field_name"] = Value::String(to.to_owned());
                }
            }
        }
        if watched {
            changed = true;
            if to.is_none() {
                trigger["is_active"] = Value::Bool(false);
            }
        }
    }
    changed.then_some(Value::Array(triggers))
}

/// What happened to the card.
pub enum Event<'a> {
    Entered,
    Left,
    Changed(&'a [String]),
}

const OPERATORS: [&str; 5] = ["=", "!=", ">", "<", "contains"];

/// Workflow triggers one stage may hold. Each one that fires starts an execution inside the
/// card change's transaction (a template lookup and an insert), and a move fires the exit
/// triggers of one stage and the entry triggers of another: 20 keeps the worst move at 40
/// executions and about 80 statements, while a stage's automations number a handful.
pub const MAX_TRIGGERS_PER_STAGE: usize = 20;

/// A trigger list as a client writes it: at most [`MAX_TRIGGERS_PER_STAGE`] (counted before
/// anything else is read), each well-formed.
pub fn validate(raw: &Value) -> Result<Vec<Trigger>, GraphError> {
    if raw
        .as_array()
        .is_some_and(|list| list.len() > MAX_TRIGGERS_PER_STAGE)
    {
        return Err(GraphError::bad_input(
            "triggers",
            format!("A stage holds at most {MAX_TRIGGERS_PER_STAGE} workflow triggers"),
        ));
    }
    parse(raw)
}

/// Parses and checks a stage's trigger list as stored (rows written before the limit may hold
/// more; see `services::trigger::run`).
pub fn parse(raw: &Value) -> Result<Vec<Trigger>, GraphError> {
    let triggers: Vec<Trigger> = serde_json::from_value(raw.clone()).map_err(|e| {
        GraphError::bad_input("triggers", format!("not a list of workflow triggers: {e}"))
    })?;
    for (i, t) in triggers.iter().enumerate() {
        if t.conditions.is_empty() {
            return Err(GraphError::bad_input(
                format!("triggers.{i}.conditions"),
                "a trigger needs at least one condition",
            ));
        }
        for (j, c) in t.conditions.iter().enumerate() {
            let at = format!("triggers.{i}.conditions.{j}");
            match c.kind.as_str() {
                "stage_entry" | "stage_exit" => {}
                "attribute_change" => {
                    let op_ok = c
                        .operator
                        .as_deref()
                        .is_some_and(|o| OPERATORS.contains(&o));
                    if c.field_name.is_none() || !op_ok || c.field_value.is_none() {
                        return Err(GraphError::bad_input(at, "attribute_change needs field_name, operator (=, !=, >, <, contains) and field_value"));
                    }
                }
                _ => {
                    return Err(GraphError::bad_input(
                        at,
                        "type must be stage_entry, stage_exit or attribute_change",
                    ))
                }
            }
        }
    }
    Ok(triggers)
}

fn compare(operator: &str, actual: &Value, expected: &Value) -> bool {
    match operator {
        "=" => actual == expected,
        "!=" => actual != expected,
        ">" | "<" => {
            let ordering = match (actual.as_f64(), expected.as_f64()) {
                (Some(a), Some(b)) => a.partial_cmp(&b),
                _ => match (actual.as_str(), expected.as_str()) {
                    (Some(a), Some(b)) => Some(a.cmp(b)),
                    _ => None,
                },
            };
            ordering
                == Some(if operator == ">" {
                    std::cmp::Ordering::Greater
                } else {
                    std::cmp::Ordering::Less
                })
        }
        "contains" => match (actual, expected) {
            (Value::String(a), Value::String(b)) => a.contains(b.as_str()),
            (Value::Array(items), v) => items.contains(v),
            _ => false,
        },
        _ => false,
    }
}

fn holds(c: &Condition, values: &[FieldValue]) -> bool {
    let (Some(name), Some(op), Some(expected)) = (&c.field_name, &c.operator, &c.field_value)
    else {
        return false;
    };
    values
        .iter()
        .find(|v| &v.field_name == name)
        .is_some_and(|v| compare(op, &v.field_value, expected))
}

/// Whether `trigger` fires for `event` on a card with `values`: the event must be one the
/// trigger names, and every attribute condition must hold.
pub fn fires(trigger: &Trigger, event: &Event<'_>, values: &[FieldValue]) -> bool {
    if !trigger.is_active {
        return false;
    }
    let named = trigger.conditions.iter().any(|c| match event {
        Event::Entered => c.kind == "stage_entry",
        Event::Left => c.kind == "stage_exit",
        Event::Changed(fields) => {
            c.kind == "attribute_change"
                && c.field_name.as_ref().is_some_and(|f| fields.contains(f))
        }
    });
    named
        && trigger
            .conditions
            .iter()
            .filter(|c| c.kind == "attribute_change")
            .all(|c| holds(c, values))
}

#[cfg(test)]
mod tests {

    #[test]
    fn triggers_follow_a_renamed_field_and_stop_on_a_deleted_one() {
        let stored = serde_json::json!([
            { "template_id": Uuid::nil(), "is_active": true, "conditions": [
                { "type": "attribute_change", "field_name": "Priority", "operator": "=", "field_value": "High" },
                { "type": "stage_entry" } ] },
            { "template_id": Uuid::nil(), "is_active": true, "conditions": [
                { "type": "stage_entry" } ] }
        ]);
        let renamed = follow_field(&stored, "Priority", Some("Urgency")).expect("watched");
        assert_eq!(renamed[0]["conditions"][0]["field_name"], "Urgency");
        assert_eq!(renamed[0]["is_active"], true);
        assert_eq!(renamed[1], stored[1]);
        let deleted = follow_field(&stored, "Priority", None).expect("watched");
        assert_eq!(deleted[0]["is_active"], false);
        assert_eq!(deleted[0]["conditions"], stored[0]["conditions"]);
        assert_eq!(deleted[1], stored[1]);
        assert!(follow_field(&stored, "Other", None).is_none());
        assert!(parse(&renamed).is_ok() && parse(&deleted).is_ok());
    }
    use super::*;
    use serde_json::json;

    fn priority(value: &str) -> Vec<FieldValue> {
        vec![FieldValue {
            field_name: "Priority".into(),
            field_type: "dropdown".into(),
            field_value: json!(value),
            field_config: None,
        }]
    }

    fn trigger(conditions: Value, active: bool) -> Trigger {
        parse(
            &json!([{ "template_id": Uuid::nil(), "conditions": conditions, "is_active": active }]),
        )
        .expect("valid")
        .remove(0)
    }

    #[test]
    fn entry_triggers_fire_on_entry_when_attributes_hold() {
        let t = trigger(
            json!([{ "type": "stage_entry" }, { "type": "attribute_change", "field_name": "Priority", "operator": "=", "field_value": "High" }]),
            true,
        );
        assert!(fires(&t, &Event::Entered, &priority("High")));
        assert!(!fires(&t, &Event::Entered, &priority("Low")));
        assert!(!fires(&t, &Event::Left, &priority("High")));
        let off = trigger(json!([{ "type": "stage_entry" }]), false);
        assert!(!fires(&off, &Event::Entered, &[]));
    }

    #[test]
    fn attribute_triggers_fire_when_their_field_changes() {
        let t = trigger(
            json!([{ "type": "attribute_change", "field_name": "Priority", "operator": "!=", "field_value": "Low" }]),
            true,
        );
        assert!(fires(
            &t,
            &Event::Changed(&["Priority".into()]),
            &priority("High")
        ));
        assert!(!fires(
            &t,
            &Event::Changed(&["Estimate".into()]),
            &priority("High")
        ));
        assert!(!fires(&t, &Event::Entered, &priority("High")));
    }

    #[test]
    fn operators_compare_numbers_strings_and_lists() {
        assert!(compare(">", &json!(5), &json!(3)));
        assert!(compare("<", &json!("2026-01-01"), &json!("2026-02-01")));
        assert!(compare("contains", &json!("urgent fix"), &json!("urgent")));
        assert!(compare("contains", &json!(["a", "b"]), &json!("b")));
        assert!(!compare(">", &json!("x"), &json!(1)));
    }

    #[test]
    fn malformed_triggers_are_refused() {
        assert!(parse(
            &json!([{ "template_id": Uuid::nil(), "conditions": [], "is_active": true }])
        )
        .is_err());
        assert!(parse(&json!([{ "template_id": Uuid::nil(), "conditions": [{ "type": "attribute_change", "field_name": "P" }], "is_active": true }])).is_err());
        assert!(parse(&json!([{ "template_id": Uuid::nil(), "conditions": [{ "type": "teleport" }], "is_active": true }])).is_err());
    }

    #[test]
    fn a_stage_holds_at_most_the_trigger_limit() {
        let one = json!({ "template_id": Uuid::nil(), "conditions": [{ "type": "stage_entry" }], "is_active": true });
        let full = Value::Array(vec![one.clone(); MAX_TRIGGERS_PER_STAGE]);
        assert_eq!(
            validate(&full).expect("at the limit").len(),
            MAX_TRIGGERS_PER_STAGE
        );
        let over = Value::Array(vec![one; MAX_TRIGGERS_PER_STAGE + 1]);
        let err = validate(&over).expect_err("over the limit");
        assert_eq!(err.field.as_deref(), Some("triggers"));
        assert_eq!(parse(&over).expect("stored rows still parse").len(), 21);
    }
}
