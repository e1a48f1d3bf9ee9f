//! Schema migrations, one module per domain, each with its own ordered list. Which domains run,
//! and in what order, is the binary's list of domains: each domain names its list
//! (`Domain::migrations`), and the server runs them in that order.
//!
//! Every migration runs unchanged on SQLite and PostgreSQL. Tables are built with sea-query so
//! each backend gets its own column types; the few constraints only PostgreSQL can express
//! (regular expressions, GIN indexes) go through [`common::Backend`]. Migration names carry
//! their domain (`m20261124_000001_studios_create_tables`): the name is what the database
//! records, so a file keeps its name once it has run anywhere.

pub use sea_orm_migration::prelude::*;

mod common;
pub mod identity;
pub mod kairo;
pub mod masstock;
pub mod platform;
pub mod studios;
