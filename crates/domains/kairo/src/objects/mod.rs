//! GraphQL objects. Each wraps an entity model; fields are chosen one by one, so no column
//! (such as an asset's storage path) reaches the API by accident.

mod asset;
mod automation;
mod company;
mod lead;
mod project;
mod service;
mod user;

pub use asset::KairoAsset;
pub use automation::{KairoAutomation, KairoAutomationRun};
pub use company::KairoCompany;
pub use lead::KairoLead;
pub use project::KairoProject;
pub use service::KairoService;
pub use user::KairoUser;

use chrono::{DateTime, FixedOffset, Utc};
use studiogate_graph::Cursor;
use uuid::Uuid;

/// Every timestamp leaves the API in UTC.
pub(crate) fn utc(at: DateTime<FixedOffset>) -> DateTime<Utc> {
    at.with_timezone(&Utc)
}

pub fn cursor(at: DateTime<FixedOffset>, id: Uuid) -> Cursor {
    Cursor { at, id }
}

/// A JSON array of strings (the spec's `TEXT[]`).
pub(crate) fn strings(value: &serde_json::Value) -> Vec<String> {
    value
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect()
}
