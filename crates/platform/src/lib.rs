//! Services every domain reuses, written once: file storage with per-bucket size, type and
//! link rules ([`storage`]). Nothing here knows a domain by name: a domain describes its
//! buckets (and, later, its job tables) and calls in.

pub mod storage;

pub use storage::{Bucket, FileStore, Links};
