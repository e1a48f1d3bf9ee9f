//! The catalog's rules for workflow templates (specs/studios.md, WorkflowTemplate).

use studiogate_graph::GraphError;

fn length(field: &str, value: &str, min: usize, max: usize) -> Result<(), GraphError> {
    let n = value.trim().chars().count();
    if (min..=max).contains(&n) {
        Ok(())
    } else {
        Err(GraphError::bad_input(
            field,
            format!("`{field}` must be {min}-{max} characters"),
        ))
    }
}

pub fn name(value: &str) -> Result<(), GraphError> {
    length("name", value, 3, 200)
}

pub fn description(value: &str) -> Result<(), GraphError> {
    length("description", value, 10, 1000)
}

/// `MAJOR.MINOR.PATCH`, no leading zeros, as the spec's CHECK reads.
pub fn version(value: &str) -> Result<(), GraphError> {
    let parts: Vec<&str> = value.split('.').collect();
    let numeric = |p: &&str| {
        !p.is_empty()
            && p.bytes().all(|b| b.is_ascii_digit())
            && (p.len() == 1 || !p.starts_with('0'))
    };
    if parts.len() == 3 && parts.iter().all(numeric) && value.len() <= 20 {
        Ok(())
    } else {
        Err(GraphError::bad_input(
            "version",
            "`version` must be a semantic version such as 1.4.0",
        ))
    }
}

pub fn duration(minutes: i32) -> Result<(), GraphError> {
    if (1..=1440).contains(&minutes) {
        Ok(())
    } else {
        Err(GraphError::bad_input(
            "estimatedDurationMinutes",
            "`estimatedDurationMinutes` must be 1-1440",
        ))
    }
}

/// The schema must itself be a valid JSON Schema (checked against its meta-schema) that a
/// validator can be built from.
pub fn json_schema(field: &str, schema: &serde_json::Value) -> Result<(), GraphError> {
    if !schema.is_object() {
        return Err(GraphError::bad_input(
            field,
            format!("`{field}` must be a JSON Schema object"),
        ));
    }
    jsonschema::meta::validate(schema).map_err(|e| {
        GraphError::bad_input(field, format!("`{field}` is not a valid JSON Schema: {e}"))
    })?;
    jsonschema::validator_for(schema).map(|_| ()).map_err(|e| {
        GraphError::bad_input(field, format!("`{field}` is not a usable JSON Schema: {e}"))
    })
}

pub fn tags(values: &[String]) -> Result<(), GraphError> {
    if values.len() > 20 || values.iter().any(|t| t.trim().is_empty() || t.len() > 50) {
        return Err(GraphError::bad_input(
            "tags",
            "at most 20 tags of 1-50 characters each",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn versions_follow_semver() {
        for ok in ["0.0.1", "1.4.0", "10.20.30"] {
            assert!(version(ok).is_ok(), "{ok}");
        }
        for bad in ["1.0", "01.0.0", "1.0.0-beta", "a.b.c", "1..0", ""] {
            assert!(version(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn lengths_and_durations_are_bounded() {
        assert!(name("ab").is_err());
        assert!(name("abc").is_ok());
        assert!(description("too short").is_err());
        assert!(description(&"x".repeat(1001)).is_err());
        assert!(duration(0).is_err());
        assert!(duration(1440).is_ok());
        assert!(duration(1441).is_err());
    }

    #[test]
    fn input_schemas_must_be_json_schemas() {
        assert!(json_schema("inputSchema", &json!({ "type": "object" })).is_ok());
        let err = json_schema("inputSchema", &json!({ "type": "banana" })).expect_err("bad type");
        assert_eq!(err.field.as_deref(), Some("inputSchema"));
        assert!(json_schema("inputSchema", &json!("object")).is_err());
    }
}
