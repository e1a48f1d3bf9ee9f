//! Business rules as plain functions: state machines and input checks, callable without
//! GraphQL.

pub mod input;
pub mod transition;
