//! The domain's write rules: each function checks access through the tenant scope (a foreign
//! row is NOT_FOUND), validates, and writes in one transaction.

pub mod company;
pub mod execution;
pub mod file;
pub mod kanban;
mod lease;
pub mod membership;
pub mod profile;
pub mod runner;
pub mod studio;
pub mod template;
pub mod trigger;

use chrono::{DateTime, FixedOffset, Utc};
use studiogate_entities_studios::{companies, studios};
use studiogate_graph::loader::visible_row;
use studiogate_graph::GraphError;
use uuid::Uuid;

use crate::context::StudiosCtx;
use crate::enums::MembershipRole;
use crate::error::StudiosError;

pub fn now() -> DateTime<FixedOffset> {
    Utc::now().fixed_offset()
}

/// The client's `updatedAt`, if it sent one, must match the row's.
pub fn fresh(
    seen: Option<DateTime<Utc>>,
    stored: DateTime<FixedOffset>,
    entity: &'static str,
) -> Result<(), StudiosError> {
    match seen {
        Some(seen) if seen != stored.to_utc() => Err(StudiosError::Stale { entity }),
        _ => Ok(()),
    }
}

/// A company the viewer is an approved member of.
pub async fn visible_company(ctx: &StudiosCtx, id: Uuid) -> Result<companies::Model, GraphError> {
    visible_row::<companies::Entity, _>(ctx, id, "Company").await
}

/// A studio of one of the viewer's companies.
pub async fn visible_studio(ctx: &StudiosCtx, id: Uuid) -> Result<studios::Model, GraphError> {
    visible_row::<studios::Entity, _>(ctx, id, "Studio").await
}

/// Company admins only; the company is already known to be visible.
pub async fn require_admin(ctx: &StudiosCtx, company_id: Uuid) -> Result<(), StudiosError> {
    match ctx.role_in(company_id).await?.as_deref() {
        Some(role) if role == MembershipRole::Admin.as_db() => Ok(()),
        _ => Err(StudiosError::NotAdmin),
    }
}
