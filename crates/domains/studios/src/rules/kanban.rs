//! Kanban ordering: positions within a board (stages) or a stage (cards) are always 0..n-1.

use studiogate_graph::GraphError;
use uuid::Uuid;

use super::text;

/// `#RRGGBB`.
pub fn color(value: &str) -> Result<String, GraphError> {
    let ok = value.len() == 7
        && value.starts_with('#')
        && value[1..].bytes().all(|b| b.is_ascii_hexdigit());
    if ok {
        Ok(value.to_uppercase())
    } else {
        Err(GraphError::bad_input(
            "color",
            "`color` must be a hex colour such as #3B82F6",
        ))
    }
}

pub fn stage_name(value: &str) -> Result<String, GraphError> {
    text::length("name", value, 2, 50)
}

pub fn board_name(value: &str) -> Result<String, GraphError> {
    text::length("name", value, 3, 100)
}

pub fn card_title(value: &str) -> Result<String, GraphError> {
    text::length("title", value, 1, 200)
}

/// Puts `item` at `position` (clamped to the end) in `list`, which must not contain it.
pub fn insert_at(list: &mut Vec<Uuid>, item: Uuid, position: Option<i32>) {
    let at = position
        .map(|p| usize::try_from(p).unwrap_or(0).min(list.len()))
        .unwrap_or(list.len());
    list.insert(at, item);
}

pub fn position(value: Option<i32>) -> Result<Option<i32>, GraphError> {
    match value {
        Some(p) if p < 0 => Err(GraphError::bad_input(
            "position",
            "`position` must be 0 or more",
        )),
        other => Ok(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_are_hex() {
        assert_eq!(color("#3b82f6").expect("ok"), "#3B82F6");
        for bad in ["3B82F6", "#3B82F", "#GGGGGG", "#3B82F6A"] {
            assert!(color(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn insertion_clamps_to_the_end() {
        let (a, b, c) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let mut list = vec![a, b];
        insert_at(&mut list, c, Some(99));
        assert_eq!(list, vec![a, b, c]);
        list.retain(|x| *x != c);
        insert_at(&mut list, c, Some(0));
        assert_eq!(list, vec![c, a, b]);
        assert!(position(Some(-1)).is_err());
    }
}
