//! KAIRO's business rules as plain functions: validation and state machines, callable (and
//! tested) without GraphQL or a database.

pub mod asset;
pub mod automation;
pub mod lead;
pub mod project;
pub mod service;
pub mod text;
