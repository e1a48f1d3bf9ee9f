//! Black-box tests: the real binary over HTTP, on SQLite always and on PostgreSQL when
//! `TEST_DATABASE_URL` is set. One test binary, so the workspace links once.

mod analytics;
mod audit;
mod auth;
mod config;
mod executions_transitions;
mod field_definitions;
mod files;
mod hardening;
mod http;
mod idempotency;
mod identity;
mod isolation;
mod jwks;
mod kairo;
mod kanban;
mod kanban_manage;
mod kanban_triggers;
mod limits;
mod masstock;
mod nested;
mod observability;
mod pagination;
mod people;
mod profiles;
mod realtime;
mod refusals;
mod relations;
mod robustness;
mod roles;
mod runner;
mod runner_activepieces;
mod snapshots;
mod support;
mod walk;
mod writes;
