//! Entities of the shared platform services: `generated/` is `sea-orm-cli generate entity`
//! output (`just entities`), never edited by hand. Audit events are written by the platform
//! crate on behalf of domains and read by nobody through the API yet.

#[allow(clippy::all, unused_imports)]
pub mod generated;

pub use generated::*;
