//! Identity entities: `generated/` is `sea-orm-cli generate entity` output (`just entities`),
//! never edited by hand. Identity rows belong to one account each and are only ever selected
//! by that account's id, so there is no tenant scope here.

#[allow(clippy::all, unused_imports)]
pub mod generated;

pub use generated::*;
