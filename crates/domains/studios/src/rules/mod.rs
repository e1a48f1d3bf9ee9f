//! Business rules as plain functions: validation, state machines, the last-admin rule. Each is
//! callable without GraphQL and tested beside its code.

pub mod company;
pub mod execution;
pub mod fields;
pub mod file;
pub mod kanban;
pub mod template;
pub mod text;
pub mod trigger;
