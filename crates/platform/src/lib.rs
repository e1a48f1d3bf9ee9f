//! Services every domain reuses, written once: file storage with per-bucket size, type and
//! link rules ([`storage`]), the runner job engine ([`jobs`]), the audit outbox ([`audit`])
//! and typed custom fields ([`fields`]). Nothing here knows a domain by
//! name: a domain describes its buckets and calls in. [`SharedTables`] brings the platform's
//! own tables into the list of domains.

pub mod audit;
pub mod fields;
pub mod jobs;
pub mod storage;
mod tables;

pub use audit::{record, AuditEvent};
pub use jobs::{JobColumns, JobTable, Statuses};
pub use storage::{Bucket, FileStore, Links};
pub use tables::SharedTables;
