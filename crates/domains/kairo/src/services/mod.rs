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

/// A client's own company, checked live: a deleted company's clients write nothing to it
/// (it answers as a missing one, as it does to everyone).
pub(crate) async fn live_own_company(
    k: &crate::context::KairoCtx,
    scope: &studiogate_entities_kairo::scope::KairoScope,
) -> Result<(), KairoError> {
    use sea_orm::{ColumnTrait, QueryFilter};
    use studiogate_entities_kairo::kairo_companies as companies;
    let Some(own) = scope.company() else {
        return Ok(());
    };
    let found = scope
        .companies()
        .filter(companies::Column::Id.eq(own))
        .one(&k.db)
        .await?;
    match found {
        Some(_) => Ok(()),
        None => Err(studiogate_graph::GraphError::not_found("KairoCompany")
            .with_field("companyId")
            .into()),
    }
}

pub(crate) fn now() -> chrono::DateTime<chrono::FixedOffset> {
    chrono::Utc::now().fixed_offset()
}
