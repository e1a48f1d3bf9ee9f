//! Field checks shared by the domain's inputs.

use studiogate_graph::GraphError;

/// A trimmed value of `min..=max` characters.
pub fn length(field: &str, value: &str, min: usize, max: usize) -> Result<String, GraphError> {
    let value = value.trim();
    let n = value.chars().count();
    if (min..=max).contains(&n) {
        Ok(value.to_owned())
    } else {
        Err(GraphError::bad_input(
            field,
            format!("`{field}` must be {min}-{max} characters"),
        ))
    }
}

/// The shape the spec's CHECK accepts: `local@domain.tld`.
pub fn email(field: &str, value: &str) -> Result<String, GraphError> {
    let value = value.trim();
    let ok = value.len() <= 255
        && matches!(value.split_once('@'), Some((local, domain))
        if !local.is_empty()
            && local.chars().all(|c| c.is_ascii_alphanumeric() || "._%+-".contains(c))
            && domain.chars().all(|c| c.is_ascii_alphanumeric() || ".-".contains(c))
            && domain.rsplit_once('.').is_some_and(|(host, tld)| {
                !host.is_empty() && tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic())
            }));
    if ok {
        Ok(value.to_owned())
    } else {
        Err(GraphError::bad_input(
            field,
            format!("`{field}` is not a valid email address"),
        ))
    }
}

/// Digits with an optional leading `+` and spaces, dashes, dots or parentheses; 7-15 digits.
pub fn phone(field: &str, value: &str) -> Result<String, GraphError> {
    let value = value.trim();
    let digits = value.chars().filter(char::is_ascii_digit).count();
    let body = value.strip_prefix('+').unwrap_or(value);
    let ok = value.len() <= 20
        && (7..=15).contains(&digits)
        && body
            .chars()
            .all(|c| c.is_ascii_digit() || " -.()".contains(c));
    if ok {
        Ok(value.to_owned())
    } else {
        Err(GraphError::bad_input(
            field,
            format!("`{field}` is not a valid phone number"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_follow_the_spec_pattern() {
        assert!(email("contactEmail", "ops@acme.example").is_ok());
        for bad in ["", "acme", "a@b", "a@b.c", "a b@c.com", "a@b.c0m"] {
            assert!(email("contactEmail", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn phones_have_7_to_15_digits() {
        assert!(phone("contactPhone", "+1 (555) 010-2000").is_ok());
        for bad in ["123", "+1 555 abc 2000", "+1234567890123456"] {
            assert!(phone("contactPhone", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn lengths_trim_first() {
        assert_eq!(length("name", "  Acme  ", 3, 100).expect("ok"), "Acme");
        assert!(length("name", "  ab ", 3, 100).is_err());
    }
}
