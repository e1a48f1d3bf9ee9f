//! Projects: slugs and content blocks.

use crate::error::KairoError;

/// Lower-case letters and digits in groups joined by single hyphens, 1-100 characters.
pub fn slug(field: &str, value: &str) -> Result<String, KairoError> {
    let value = value.trim();
    let groups_ok = value.split('-').all(|g| {
        !g.is_empty()
            && g.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
    });
    if value.is_empty() || value.len() > 100 || !groups_ok {
        return Err(KairoError::invalid(
            field,
            "INVALID_SLUG",
            "A slug is lower-case letters and digits joined by single hyphens (at most 100)",
        ));
    }
    Ok(value.to_owned())
}

/// Content is a JSON array of blocks, each an object with a non-empty string `type`.
pub fn content(value: &serde_json::Value) -> Result<(), KairoError> {
    let invalid = |message: String| KairoError::invalid("content", "INVALID_CONTENT", message);
    let blocks = value
        .as_array()
        .ok_or_else(|| invalid("Content is a list of blocks".to_owned()))?;
    for (i, block) in blocks.iter().enumerate() {
        let kind = block.get("type").and_then(|t| t.as_str()).unwrap_or("");
        if !block.is_object() || kind.trim().is_empty() {
            return Err(invalid(format!(
                "Content block {i} must be an object with a `type`"
            )));
        }
    }
    Ok(())
}

/// Metrics, when given, are a JSON object.
pub fn metrics(value: Option<&serde_json::Value>) -> Result<(), KairoError> {
    match value {
        Some(v) if !v.is_object() => Err(KairoError::invalid(
            "metrics",
            "INVALID_METRICS",
            "Metrics are an object of named figures",
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn slugs_are_kebab_case() {
        assert_eq!(
            slug("slug", "brand-launch-2026").expect("ok"),
            "brand-launch-2026"
        );
        for bad in ["", "Brand", "a--b", "-a", "a-", "a b", "été"] {
            assert!(slug("slug", bad).is_err(), "{bad} passed");
        }
    }

    #[test]
    fn content_is_a_list_of_typed_blocks() {
        assert!(content(&json!([])).is_ok());
        assert!(content(&json!([{ "type": "text", "body": "hi" }])).is_ok());
        assert!(content(&json!({ "type": "text" })).is_err());
        assert!(content(&json!([{ "body": "hi" }])).is_err());
        assert!(content(&json!(["text"])).is_err());
        assert!(metrics(Some(&json!([1]))).is_err());
        assert!(metrics(Some(&json!({ "roi": 3 }))).is_ok());
    }
}
