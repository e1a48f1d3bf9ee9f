//! KAIRO entities. `generated/` is `sea-orm-cli generate entity` output from the migrated
//! PostgreSQL schema (`just entities`), never edited by hand; `scope` is ours: the only way
//! the KAIRO domain selects and writes its rows.

#[allow(clippy::all, unused_imports)]
pub mod generated;
pub mod scope;

pub use generated::*;
pub use scope::{Access, KairoScope};
