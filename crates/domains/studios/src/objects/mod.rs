//! GraphQL objects. Each wraps an entity model; fields are chosen one by one, so no column
//! (such as a file's storage path) reaches the API by accident.

mod company;
mod execution;
mod file;
mod kanban;
mod studio;
mod template;
mod user;

pub use company::{Company, Membership};
pub use execution::WorkflowExecution;
pub use file::File;
pub use kanban::{CardFieldDefinition, KanbanBoard, KanbanCard, KanbanStage};
pub use studio::Studio;
pub use template::WorkflowTemplate;
pub use user::{User, Viewer};

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
