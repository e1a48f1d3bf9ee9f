//! Card fields are the platform's typed custom fields (`studiogate_platform::fields`); this
//! maps the card field type the API shows onto the platform's, and gives a card the
//! `default_value` of each checkbox field it carries no value for.

pub use studiogate_platform::fields::{Definition, FieldType, FieldValue};

use serde_json::{json, Value};
use studiogate_graph::GraphError;
use uuid::Uuid;

use crate::enums::CardFieldType;

impl From<CardFieldType> for FieldType {
    fn from(value: CardFieldType) -> Self {
        match value {
            CardFieldType::Text => Self::Text,
            CardFieldType::Number => Self::Number,
            CardFieldType::Date => Self::Date,
            CardFieldType::Dropdown => Self::Dropdown,
            CardFieldType::Checkbox => Self::Checkbox,
        }
    }
}

/// Checks a definition's configuration against its type.
pub fn check_config(
    field_type: CardFieldType,
    config: &serde_json::Value,
) -> Result<(), studiogate_graph::GraphError> {
    studiogate_platform::fields::check_config(field_type.into(), config)
}

/// Checks a card's values against the studio's definitions (see
/// [`studiogate_platform::fields::check_values`]), after giving every checkbox field the card
/// leaves out, or sends as `null`, its configured `default_value`. A required checkbox is
/// therefore never missing. Values given keep their place, so error paths point at them.
pub fn check_values(defs: &[Definition], raw: &Value) -> Result<Vec<FieldValue>, GraphError> {
    let Value::Array(given) = raw else {
        return studiogate_platform::fields::check_values(defs, raw);
    };
    let mut values = given.clone();
    for def in defs.iter().filter(|d| d.field_type == FieldType::Checkbox) {
        let Some(default) = def.config.get("default_value").filter(|v| v.is_boolean()) else {
            continue;
        };
        let named = |v: &Value| v.get("field_name").and_then(Value::as_str) == Some(&def.name);
        match values.iter_mut().find(|v| named(v)) {
            Some(Value::Object(value)) => {
                if value.get("field_value").is_none_or(Value::is_null) {
                    value.insert("field_value".into(), default.clone());
                }
            }
            Some(_) => {}
            None => values.push(json!({
                "field_name": def.name,
                "field_type": FieldType::Checkbox.as_db(),
                "field_value": default,
            })),
        }
    }
    studiogate_platform::fields::check_values(defs, &Value::Array(values))
}

/// A reorder lists each of the studio's fields exactly once.
pub fn check_order(current: &[Uuid], given: &[Uuid]) -> Result<(), GraphError> {
    let mut sorted_current = current.to_vec();
    let mut sorted_given = given.to_vec();
    sorted_current.sort();
    sorted_given.sort();
    if sorted_current == sorted_given {
        Ok(())
    } else {
        Err(GraphError::bad_input(
            "fieldIds",
            format!(
                "`fieldIds` must list each of the studio's {} fields once",
                current.len()
            ),
        ))
    }
}

/// A card's values with field `name` renamed to `to`, or left out when `to` is `None`; `None`
/// when the card has no value of that field (nothing to write).
pub fn rewrite_field(values: &Value, name: &str, to: Option<&str>) -> Option<Value> {
    let Value::Array(values) = values else {
        return None;
    };
    let named = |v: &Value| v.get("field_name").and_then(Value::as_str) == Some(name);
    if !values.iter().any(named) {
        return None;
    }
    let rewritten = match to {
        None => values.iter().filter(|v| !named(v)).cloned().collect(),
        Some(to) => values
            .iter()
            .cloned()
            .map(|mut v| {
                if named(&v) {
                    v["field_name"] = json!(to);
                }
                v
            })
            .collect(),
    };
    Some(Value::Array(rewritten))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every card field type the API shows is a platform field type stored under the same name.
    #[test]
    fn card_field_types_map_onto_the_platforms_by_name() {
        for t in [
            CardFieldType::Text,
            CardFieldType::Number,
            CardFieldType::Date,
            CardFieldType::Dropdown,
            CardFieldType::Checkbox,
        ] {
            assert_eq!(FieldType::from(t).as_db(), t.as_db());
        }
    }

    fn checkbox(name: &str, default: bool, required: bool) -> Definition {
        Definition {
            name: name.into(),
            field_type: FieldType::Checkbox,
            config: json!({ "default_value": default, "label_text": name }),
            required,
        }
    }

    fn value_of(values: &[FieldValue], name: &str) -> Option<Value> {
        values
            .iter()
            .find(|v| v.field_name == name)
            .map(|v| v.field_value.clone())
    }

    /// A checkbox left out or sent as `null` takes its default; one given keeps its value.
    #[test]
    fn checkboxes_left_out_take_their_default() {
        let defs = [
            checkbox("Done", true, true),
            checkbox("Urgent", false, false),
        ];
        let values = check_values(&defs, &json!([])).expect("defaults fill required ones");
        assert_eq!(value_of(&values, "Done"), Some(json!(true)));
        assert_eq!(value_of(&values, "Urgent"), Some(json!(false)));

        let given = json!([
            { "field_name": "Urgent", "field_type": "checkbox", "field_value": true },
            { "field_name": "Done", "field_type": "checkbox", "field_value": null },
        ]);
        let values = check_values(&defs, &given).expect("valid");
        assert_eq!(value_of(&values, "Urgent"), Some(json!(true)));
        assert_eq!(value_of(&values, "Done"), Some(json!(true)));
        assert_eq!(values.len(), 2);
    }

    /// Defaults are added after the given values: a refusal still points at what was sent.
    #[test]
    fn defaults_leave_error_paths_alone() {
        let defs = [checkbox("Done", false, false)];
        let bad = json!([{ "field_name": "Done", "field_type": "checkbox", "field_value": "yes" }]);
        let err = check_values(&defs, &bad).expect_err("not a boolean");
        assert_eq!(err.field.as_deref(), Some("customFields.0.field_value"));
        let not_a_list = check_values(&defs, &json!({})).expect_err("not a list");
        assert_eq!(err_field(&not_a_list), Some("customFields"));
    }

    fn err_field(err: &GraphError) -> Option<&str> {
        err.field.as_deref()
    }

    /// Exactly the studio's fields, each once, in any order.
    #[test]
    fn a_reorder_names_every_field_once() {
        let (a, b, c) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
        assert!(check_order(&[a, b, c], &[c, a, b]).is_ok());
        assert!(check_order(&[], &[]).is_ok());
        for given in [
            vec![a, b],
            vec![a, b, c, c],
            vec![a, a, b],
            vec![a, b, Uuid::nil()],
        ] {
            let err = check_order(&[a, b, c], &given).expect_err("refused");
            assert_eq!(err.field.as_deref(), Some("fieldIds"), "{given:?}");
        }
    }

    /// A rename or removal touches only the named field's value and keeps the others as given.
    #[test]
    fn a_fields_value_is_renamed_or_removed_alone() {
        let values = json!([
            { "field_name": "Done", "field_type": "checkbox", "field_value": true },
            { "field_name": "Size", "field_type": "number", "field_value": 3, "extra": 1 },
        ]);
        assert_eq!(
            rewrite_field(&values, "Done", None),
            Some(
                json!([{ "field_name": "Size", "field_type": "number", "field_value": 3, "extra": 1 }])
            )
        );
        let renamed = rewrite_field(&values, "Done", Some("Finished")).expect("renamed");
        assert_eq!(renamed[0]["field_name"], "Finished");
        assert_eq!(renamed[1], values[1]);
        assert_eq!(rewrite_field(&values, "Colour", None), None);
        assert_eq!(rewrite_field(&json!({}), "Done", None), None);
    }
}
