//! MasStock entities. `generated/` is `sea-orm-cli generate entity` output from the migrated
//! schema (`just entities`), never edited by hand; `scope` is ours: the only way the rest of
//! the code selects tenant data.

#[allow(clippy::all, unused_imports)]
pub mod generated;
pub mod scope;

pub use generated::*;
pub use scope::{ClientScope, Clients};
