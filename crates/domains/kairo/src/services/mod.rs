//! The domain's writes, one module per concept. Each runs in one transaction, writes through
//! the viewer's scope, and publishes its events after commit.

pub mod asset;
pub mod automation;
pub mod company;
pub mod lead;
pub mod project;
pub mod run;
pub mod service;

use sea_orm::{DbErr, SqlErr};

use crate::error::KairoError;

/// A unique slug taken (the constraint decides, so two racing writes cannot both win).
pub(crate) fn slug_conflict(err: DbErr, slug: &str) -> KairoError {
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => KairoError::SlugTaken {
            slug: slug.to_owned(),
        },
        _ => KairoError::from(err),
    }
}

pub(crate) fn now() -> chrono::DateTime<chrono::FixedOffset> {
    chrono::Utc::now().fixed_offset()
}
