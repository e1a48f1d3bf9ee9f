//! Card fields are the platform's typed custom fields (`studiogate_platform::fields`); this
//! maps the card field type the API shows onto the platform's.

pub use studiogate_platform::fields::{check_values, Definition, FieldType, FieldValue};

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
}
