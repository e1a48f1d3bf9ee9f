//! Black-box tests: the real binary over HTTP, on SQLite always and on PostgreSQL when
//! `TEST_DATABASE_URL` is set. One test binary, so the workspace links once.

mod audit;
mod auth;
mod config;
mod files;
mod files_access;
mod files_lifecycle;
mod hardening;
mod http;
mod idempotency;
mod identity;
mod isolation;
mod jwks;
mod kairo;
mod kanban;
mod limits;
mod masstock;
mod nested;
mod observability;
mod pagination;
mod realtime;
mod refusals;
mod relations;
mod robustness;
mod roles;
mod runner;
mod snapshots;
mod support;
mod walk;
mod writes;
