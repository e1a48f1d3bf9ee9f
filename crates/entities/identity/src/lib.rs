//! Identity entities: `generated/` is `sea-orm-cli generate entity` output (`just entities`),
//! never edited by hand. Identity rows belong to one account each, so there is no tenant scope
//! here; `scope` holds the account- and credential-keyed statements the domain starts from.

#[allow(clippy::all, unused_imports)]
pub mod generated;
pub mod scope;

pub use generated::*;
