//! Text fields: trimmed, non-empty where required, bounded.

use crate::error::KairoError;

/// `value` trimmed; BAD_USER_INPUT (`EMPTY` or `TOO_LONG`) on `field` otherwise.
pub fn required(field: &str, value: &str, max: usize) -> Result<String, KairoError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(KairoError::invalid(
            field,
            "EMPTY",
            format!("`{field}` is required"),
        ));
    }
    bounded(field, trimmed, max).map(str::to_owned)
}

/// An optional field: blank means absent.
pub fn optional(
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>, KairoError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => bounded(field, v, max).map(|v| Some(v.to_owned())),
        None => Ok(None),
    }
}

fn bounded<'a>(field: &str, value: &'a str, max: usize) -> Result<&'a str, KairoError> {
    if value.chars().count() > max {
        return Err(KairoError::invalid(
            field,
            "TOO_LONG",
            format!("`{field}` is limited to {max} characters"),
        ));
    }
    Ok(value)
}

/// Tags: each trimmed, non-empty, at most 50 characters; at most 30, no repeats.
pub fn tags(field: &str, tags: &[String]) -> Result<Vec<String>, KairoError> {
    if tags.len() > 30 {
        return Err(KairoError::invalid(field, "TOO_MANY", "At most 30 tags"));
    }
    let mut out: Vec<String> = Vec::with_capacity(tags.len());
    for tag in tags {
        let tag = required(field, tag, 50)?;
        if !out.contains(&tag) {
            out.push(tag);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_text_is_trimmed_and_bounded() {
        assert_eq!(required("name", "  Ada ", 10).expect("ok"), "Ada");
        assert!(matches!(
            required("name", "   ", 10),
            Err(KairoError::Invalid {
                reason: "EMPTY",
                ..
            })
        ));
        assert!(matches!(
            required("name", "abcdefghijk", 10),
            Err(KairoError::Invalid {
                reason: "TOO_LONG",
                ..
            })
        ));
        assert_eq!(optional("phone", Some("  "), 5).expect("ok"), None);
    }

    #[test]
    fn tags_drop_repeats() {
        let got = tags("tags", &["a".into(), " a ".into(), "b".into()]).expect("ok");
        assert_eq!(got, vec!["a".to_owned(), "b".to_owned()]);
    }
}
