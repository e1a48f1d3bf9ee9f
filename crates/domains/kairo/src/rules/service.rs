//! Services' rules: what `createService` and `updateService` both check.

use crate::error::KairoError;

/// A service's content is an object or a list of blocks.
pub fn content(content: &serde_json::Value) -> Result<(), KairoError> {
    if !content.is_object() && !content.is_array() {
        return Err(KairoError::invalid(
            "content",
            "INVALID_CONTENT",
            "Content is an object or a list of blocks",
        ));
    }
    Ok(())
}

/// The featured order, when set, is 0 or more.
pub fn featured_order(order: Option<i32>) -> Result<(), KairoError> {
    if order.is_some_and(|o| o < 0) {
        return Err(KairoError::invalid(
            "featuredOrder",
            "NEGATIVE",
            "The featured order is 0 or more",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn reason(err: KairoError) -> &'static str {
        match err {
            KairoError::Invalid { reason, .. } => reason,
            other => panic!("not a validation error: {other}"),
        }
    }

    #[test]
    fn content_is_an_object_or_a_list() {
        assert!(content(&json!({ "blocks": [] })).is_ok());
        assert!(content(&json!([{ "type": "text" }])).is_ok());
        assert_eq!(
            reason(content(&json!("text")).expect_err("a string")),
            "INVALID_CONTENT"
        );
    }

    #[test]
    fn featured_order_is_not_negative() {
        assert!(featured_order(None).is_ok());
        assert!(featured_order(Some(0)).is_ok());
        assert_eq!(
            reason(featured_order(Some(-1)).expect_err("negative")),
            "NEGATIVE"
        );
    }
}
