//! Input checks: each refusal names its field and a `reason`.

use crate::error::MasstockError;

/// Most prompts one execution takes when its workflow's config names no `max_prompts`.
pub const DEFAULT_MAX_PROMPTS: usize = 100;
const MAX_PROMPT_CHARS: usize = 2_000;
const MAX_API_KEY_CHARS: usize = 512;

/// A required text of at most `max` characters, trimmed.
pub fn text(field: &'static str, value: &str, max: usize) -> Result<String, MasstockError> {
    let value = value.trim();
    if value.is_empty() {
        return Err(MasstockError::invalid(
            field,
            "REQUIRED",
            format!("`{field}` must not be empty"),
        ));
    }
    if value.chars().count() > max {
        return Err(MasstockError::invalid(
            field,
            "TOO_LONG",
            format!("`{field}` is at most {max} characters"),
        ));
    }
    Ok(value.to_owned())
}

/// An optional text: blank is none.
pub fn optional(
    field: &'static str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>, MasstockError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => text(field, v, max).map(Some),
        None => Ok(None),
    }
}

/// An address of the shape `local@domain.tld`.
pub fn email(field: &'static str, value: &str) -> Result<String, MasstockError> {
    let value = text(field, value, 255)?.to_lowercase();
    let ok = value.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !value.contains(char::is_whitespace)
    });
    if !ok {
        return Err(MasstockError::invalid(
            field,
            "INVALID_EMAIL",
            format!("`{field}` is not an email address"),
        ));
    }
    Ok(value)
}

/// What a workflow's `config` says about its executions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunConfig {
    pub max_prompts: usize,
    pub requires_api_key: bool,
    pub supports_reference_images: bool,
}

impl RunConfig {
    pub fn of(config: &serde_json::Value) -> Self {
        let max_prompts = config["max_prompts"]
            .as_u64()
            .map(|n| n.clamp(1, 1_000) as usize)
            .unwrap_or(DEFAULT_MAX_PROMPTS);
        Self {
            max_prompts,
            requires_api_key: config["requires_api_key"].as_bool().unwrap_or(false),
            supports_reference_images: config["supports_reference_images"]
                .as_bool()
                .unwrap_or(false),
        }
    }
}

/// The prompts of an execution: 1..max, each non-empty and at most 2,000 characters.
pub fn prompts(values: &[String], config: &RunConfig) -> Result<Vec<String>, MasstockError> {
    if values.is_empty() {
        return Err(MasstockError::invalid(
            "prompts",
            "REQUIRED",
            "An execution needs at least one prompt",
        ));
    }
    if values.len() > config.max_prompts {
        return Err(MasstockError::invalid(
            "prompts",
            "TOO_MANY_PROMPTS",
            format!("This workflow takes at most {} prompts", config.max_prompts),
        ));
    }
    values
        .iter()
        .map(|p| text("prompts", p, MAX_PROMPT_CHARS))
        .collect()
}

/// The API key, required when the workflow's config says so. The message never repeats it.
pub fn api_key(value: Option<&str>, config: &RunConfig) -> Result<Option<String>, MasstockError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None if config.requires_api_key => Err(MasstockError::invalid(
            "apiKey",
            "API_KEY_REQUIRED",
            "This workflow needs an API key",
        )),
        None => Ok(None),
        Some(key) if key.chars().count() > MAX_API_KEY_CHARS || key.contains(char::is_control) => {
            Err(MasstockError::invalid(
                "apiKey",
                "INVALID_API_KEY",
                format!("An API key is at most {MAX_API_KEY_CHARS} printable characters"),
            ))
        }
        Some(key) => Ok(Some(key.to_owned())),
    }
}

/// Money from the API (a currency amount) to the stored thousandths.
pub fn mills(field: &'static str, amount: f64) -> Result<i64, MasstockError> {
    if !amount.is_finite() || !(0.0..=1_000_000.0).contains(&amount) {
        return Err(MasstockError::invalid(
            field,
            "OUT_OF_RANGE",
            format!("`{field}` is an amount from 0 to 1,000,000"),
        ));
    }
    Ok((amount * 1_000.0).round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn prompts_respect_the_workflow_limit() {
        let config = RunConfig::of(&json!({ "max_prompts": 2, "requires_api_key": true }));
        assert_eq!(config.max_prompts, 2);
        assert!(prompts(&["a".into(), "b".into()], &config).is_ok());
        let err = prompts(&["a".into(), "b".into(), "c".into()], &config).expect_err("3 > 2");
        assert!(matches!(
            err,
            MasstockError::Invalid {
                reason: "TOO_MANY_PROMPTS",
                ..
            }
        ));
        assert!(prompts(&[], &config).is_err());
        assert!(prompts(&["  ".into()], &config).is_err());
    }

    #[test]
    fn the_api_key_is_required_when_the_config_says_so_and_never_echoed() {
        let config = RunConfig::of(&json!({ "requires_api_key": true }));
        assert!(api_key(None, &config).is_err());
        let err = api_key(Some(&"x".repeat(600)), &config).expect_err("too long");
        assert!(!err.to_string().contains("xxx"));
        let relaxed = RunConfig::of(&json!({}));
        assert_eq!(api_key(None, &relaxed).expect("optional"), None);
        assert_eq!(relaxed.max_prompts, DEFAULT_MAX_PROMPTS);
    }

    #[test]
    fn emails_and_money_are_checked() {
        assert_eq!(email("email", " A@B.co ").expect("ok"), "a@b.co");
        assert!(email("email", "nope").is_err());
        assert_eq!(mills("cost", 0.039).expect("ok"), 39);
        assert!(mills("cost", -1.0).is_err());
    }
}
