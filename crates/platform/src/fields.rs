//! Typed custom fields: a definition has a type and a configuration of that type's shape, and
//! the values an entity carries are checked against its definitions. First written for
//! Studios' kanban cards (specs/studios.md, CardFieldDefinition); the production spec's
//! universal custom fields are the same idea.

use chrono::{DateTime, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use studiogate_graph::GraphError;

/// The kinds of custom field, as they are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    Text,
    Number,
    Date,
    Dropdown,
    Checkbox,
}

impl FieldType {
    pub fn as_db(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Number => "number",
            Self::Date => "date",
            Self::Dropdown => "dropdown",
            Self::Checkbox => "checkbox",
        }
    }
}

/// A definition as the rules need it.
pub struct Definition {
    pub name: String,
    pub field_type: FieldType,
    pub config: Value,
    pub required: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TextConfig {
    max_length: u32,
    #[serde(default)]
    #[allow(dead_code)]
    placeholder: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NumberConfig {
    #[serde(default)]
    min_value: Option<f64>,
    #[serde(default)]
    max_value: Option<f64>,
    decimal_places: u32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DateConfig {
    #[serde(default)]
    min_date: Option<String>,
    #[serde(default)]
    max_date: Option<String>,
    include_time: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DropdownConfig {
    options: Vec<String>,
    allow_multiple: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CheckboxConfig {
    #[allow(dead_code)]
    default_value: bool,
    #[allow(dead_code)]
    label_text: String,
}

/// One value on a card, as stored in `kanban_cards.custom_fields`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct FieldValue {
    pub field_name: String,
    pub field_type: String,
    pub field_value: Value,
    /// The value's own configuration (the spec's optional `field_config`), kept as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field_config: Option<Value>,
}

fn bad(field: &str, message: impl Into<String>) -> GraphError {
    GraphError::bad_input(field, message)
}

fn parse<T: for<'de> Deserialize<'de>>(config: &Value, kind: &str) -> Result<T, GraphError> {
    serde_json::from_value(config.clone()).map_err(|e| {
        bad(
            "fieldConfig",
            format!("not a valid {kind} field configuration: {e}"),
        )
    })
}

/// A date or date-time as ISO 8601.
fn date(value: &str) -> Option<DateTime<chrono::FixedOffset>> {
    DateTime::parse_from_rfc3339(value).ok().or_else(|| {
        NaiveDate::parse_from_str(value, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|dt| dt.and_utc().fixed_offset())
    })
}

/// Checks a definition's configuration against its type.
pub fn check_config(field_type: FieldType, config: &Value) -> Result<(), GraphError> {
    match field_type {
        FieldType::Text => {
            let c: TextConfig = parse(config, "text")?;
            if c.max_length == 0 {
                return Err(bad(
                    "fieldConfig.max_length",
                    "`max_length` must be at least 1",
                ));
            }
        }
        FieldType::Number => {
            let c: NumberConfig = parse(config, "number")?;
            if c.decimal_places > 10 {
                return Err(bad(
                    "fieldConfig.decimal_places",
                    "`decimal_places` must be 0-10",
                ));
            }
            if let (Some(min), Some(max)) = (c.min_value, c.max_value) {
                if min > max {
                    return Err(bad(
                        "fieldConfig.min_value",
                        "`min_value` must not exceed `max_value`",
                    ));
                }
            }
        }
        FieldType::Date => {
            let c: DateConfig = parse(config, "date")?;
            for (name, value) in [("min_date", &c.min_date), ("max_date", &c.max_date)] {
                if value.as_deref().is_some_and(|v| date(v).is_none()) {
                    return Err(bad(
                        &format!("fieldConfig.{name}"),
                        format!("`{name}` must be an ISO 8601 date"),
                    ));
                }
            }
        }
        FieldType::Dropdown => {
            let c: DropdownConfig = parse(config, "dropdown")?;
            let mut unique = c.options.clone();
            unique.sort();
            unique.dedup();
            if c.options.is_empty() || unique.len() != c.options.len() {
                return Err(bad(
                    "fieldConfig.options",
                    "`options` must be a non-empty list without repeats",
                ));
            }
        }
        FieldType::Checkbox => {
            parse::<CheckboxConfig>(config, "checkbox")?;
        }
    }
    Ok(())
}

fn check_value(def: &Definition, value: &Value, at: &str) -> Result<(), GraphError> {
    let wrong = |what: &str| bad(at, format!("`{}` {what}", def.name));
    match def.field_type {
        FieldType::Text => {
            let c: TextConfig = parse(&def.config, "text")?;
            let s = value.as_str().ok_or_else(|| wrong("must be text"))?;
            if s.chars().count() > c.max_length as usize {
                return Err(wrong(&format!(
                    "must be at most {} characters",
                    c.max_length
                )));
            }
        }
        FieldType::Number => {
            let c: NumberConfig = parse(&def.config, "number")?;
            let n = value.as_f64().ok_or_else(|| wrong("must be a number"))?;
            if c.min_value.is_some_and(|min| n < min) || c.max_value.is_some_and(|max| n > max) {
                return Err(wrong("is out of range"));
            }
            let decimals = value
                .to_string()
                .split_once('.')
                .map(|(_, d)| d.len())
                .unwrap_or(0);
            if decimals > c.decimal_places as usize {
                return Err(wrong(&format!(
                    "allows {} decimal places",
                    c.decimal_places
                )));
            }
        }
        FieldType::Date => {
            let c: DateConfig = parse(&def.config, "date")?;
            let s = value
                .as_str()
                .ok_or_else(|| wrong("must be an ISO 8601 date"))?;
            let d = date(s).ok_or_else(|| wrong("must be an ISO 8601 date"))?;
            if !c.include_time && s.contains('T') {
                return Err(wrong("takes a date without a time"));
            }
            let before_min = c
                .min_date
                .as_deref()
                .and_then(date)
                .is_some_and(|min| d < min);
            let after_max = c
                .max_date
                .as_deref()
                .and_then(date)
                .is_some_and(|max| d > max);
            if before_min || after_max {
                return Err(wrong("is outside the allowed dates"));
            }
        }
        FieldType::Dropdown => {
            let c: DropdownConfig = parse(&def.config, "dropdown")?;
            let chosen: Vec<&str> = match (value, c.allow_multiple) {
                (Value::String(s), _) => vec![s.as_str()],
                (Value::Array(items), true) => items.iter().filter_map(Value::as_str).collect(),
                (Value::Array(_), false) => return Err(wrong("takes a single option")),
                _ => return Err(wrong("must be one of its options")),
            };
            if chosen.is_empty() || chosen.iter().any(|v| !c.options.iter().any(|o| o == v)) {
                return Err(wrong("must be one of its options"));
            }
        }
        FieldType::Checkbox => {
            value
                .as_bool()
                .ok_or_else(|| wrong("must be true or false"))?;
        }
    }
    Ok(())
}

/// Checks a card's values against the studio's definitions: known fields only, each of its
/// type and within its configuration, every required field present.
pub fn check_values(defs: &[Definition], raw: &Value) -> Result<Vec<FieldValue>, GraphError> {
    let values: Vec<FieldValue> = serde_json::from_value(raw.clone()).map_err(|_| {
        bad(
            "customFields",
            "`customFields` must be a list of { field_name, field_type, field_value, field_config? }",
        )
    })?;
    for (i, v) in values.iter().enumerate() {
        let at = format!("customFields.{i}.field_value");
        let def = defs
            .iter()
            .find(|d| d.name == v.field_name)
            .ok_or_else(|| {
                bad(
                    &format!("customFields.{i}.field_name"),
                    format!("The studio has no field `{}`", v.field_name),
                )
            })?;
        if v.field_type != def.field_type.as_db() {
            return Err(bad(
                &format!("customFields.{i}.field_type"),
                format!("`{}` is a {} field", def.name, def.field_type.as_db()),
            ));
        }
        if values
            .iter()
            .filter(|o| o.field_name == v.field_name)
            .count()
            > 1
        {
            return Err(bad(
                &format!("customFields.{i}.field_name"),
                format!("`{}` is given twice", v.field_name),
            ));
        }
        if !v.field_value.is_null() {
            check_value(def, &v.field_value, &at)?;
        }
        if v.field_config.as_ref().is_some_and(|c| !c.is_object()) {
            return Err(bad(
                &format!("customFields.{i}.field_config"),
                "`field_config` must be an object",
            ));
        }
    }
    for def in defs.iter().filter(|d| d.required) {
        let present = values
            .iter()
            .any(|v| v.field_name == def.name && !v.field_value.is_null());
        if !present {
            return Err(bad("customFields", format!("`{}` is required", def.name)));
        }
    }
    Ok(values)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn defs() -> Vec<Definition> {
        vec![
            Definition {
                name: "Priority".into(),
                field_type: FieldType::Dropdown,
                config: json!({ "options": ["Low", "High"], "allow_multiple": false }),
                required: true,
            },
            Definition {
                name: "Estimate".into(),
                field_type: FieldType::Number,
                config: json!({ "min_value": 0, "max_value": 100, "decimal_places": 1 }),
                required: false,
            },
            Definition {
                name: "Notes".into(),
                field_type: FieldType::Text,
                config: json!({ "max_length": 5 }),
                required: false,
            },
            Definition {
                name: "Due".into(),
                field_type: FieldType::Date,
                config: json!({ "min_date": "2026-01-01", "include_time": false }),
                required: false,
            },
            Definition {
                name: "Tags".into(),
                field_type: FieldType::Dropdown,
                config: json!({ "options": ["a", "b"], "allow_multiple": true }),
                required: false,
            },
            Definition {
                name: "Done".into(),
                field_type: FieldType::Checkbox,
                config: json!({ "default_value": false, "label_text": "Done" }),
                required: false,
            },
        ]
    }

    fn v(name: &str, kind: &str, value: Value) -> Value {
        json!({ "field_name": name, "field_type": kind, "field_value": value })
    }

    #[test]
    fn valid_values_pass() {
        let values = json!([
            v("Priority", "dropdown", json!("High")),
            v("Estimate", "number", json!(2.5)),
            v("Notes", "text", json!("ok")),
            v("Due", "date", json!("2026-03-01")),
            v("Tags", "dropdown", json!(["a", "b"])),
            v("Done", "checkbox", json!(true)),
        ]);
        assert_eq!(check_values(&defs(), &values).expect("valid").len(), 6);
    }

    #[test]
    fn each_rule_refuses_with_a_path() {
        let high = v("Priority", "dropdown", json!("High"));
        for (extra, field) in [
            (
                v("Estimate", "number", json!(101)),
                "customFields.1.field_value",
            ),
            (
                v("Estimate", "number", json!(1.25)),
                "customFields.1.field_value",
            ),
            (
                v("Notes", "text", json!("too long")),
                "customFields.1.field_value",
            ),
            (
                v("Due", "date", json!("2025-12-31")),
                "customFields.1.field_value",
            ),
            (
                v("Due", "date", json!("2026-03-01T10:00:00Z")),
                "customFields.1.field_value",
            ),
            (
                v("Tags", "dropdown", json!(["a", "z"])),
                "customFields.1.field_value",
            ),
            (
                v("Done", "checkbox", json!("yes")),
                "customFields.1.field_value",
            ),
            (
                v("Estimate", "text", json!("1")),
                "customFields.1.field_type",
            ),
            (
                v("Colour", "text", json!("red")),
                "customFields.1.field_name",
            ),
        ] {
            let err = check_values(&defs(), &json!([high, extra])).expect_err("refused");
            assert_eq!(err.field.as_deref(), Some(field), "{extra}");
        }
        let single = check_values(
            &defs(),
            &json!([v("Priority", "dropdown", json!(["Low", "High"]))]),
        );
        assert!(single.is_err(), "allow_multiple is false");
        let missing = check_values(&defs(), &json!([])).expect_err("required");
        assert!(missing.message.contains("Priority"));
    }

    #[test]
    fn configurations_are_typed() {
        assert!(check_config(FieldType::Text, &json!({ "max_length": 10 })).is_ok());
        assert!(check_config(FieldType::Text, &json!({})).is_err());
        assert!(check_config(
            FieldType::Number,
            &json!({ "min_value": 5, "max_value": 1, "decimal_places": 0 })
        )
        .is_err());
        assert!(check_config(
            FieldType::Dropdown,
            &json!({ "options": ["a", "a"], "allow_multiple": false })
        )
        .is_err());
        assert!(check_config(
            FieldType::Date,
            &json!({ "min_date": "soon", "include_time": true })
        )
        .is_err());
        assert!(check_config(
            FieldType::Checkbox,
            &json!({ "default_value": true, "label_text": "x" })
        )
        .is_ok());
    }
}
