//! Studios: created and changed by approved members of their company, deleted by its admins.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, IntoActiveModel, ModelTrait, QueryFilter,
    QuerySelect, Set, TryIntoModel,
};
use serde_json::{json, Value};
use studiogate_entities_studios::{files, studios};
use studiogate_graph::{BeginWrite, GraphError};
use studiogate_platform::{audit, AuditEvent};
use uuid::Uuid;

use super::{fresh, now, require_admin, visible_company, visible_studio};
use crate::context::StudiosCtx;
use crate::enums::BusinessArea;
use crate::error::{Named, StudiosError};
use crate::rules::text;

/// What the audit trail keeps of a studio: its API fields.
fn audited(row: &studios::Model) -> Value {
    json!({
        "name": row.name,
        "description": row.description,
        "businessArea": row.business_area,
        "companyId": row.company_id,
    })
}

/// Records a change of `studio` in the audit outbox, on `db` (the change's transaction).
async fn record(
    db: &impl ConnectionTrait,
    ctx: &StudiosCtx,
    action: &'static str,
    before: Option<&studios::Model>,
    after: Option<&studios::Model>,
) -> Result<(), GraphError> {
    let Some(row) = after.or(before) else {
        return Ok(());
    };
    audit::record(
        db,
        AuditEvent {
            domain: crate::DOMAIN,
            tenant_id: Some(row.company_id),
            actor_id: ctx.viewer.account_id,
            action,
            entity: "studio",
            entity_id: row.id,
            before: before.map(audited),
            after: after.map(audited),
        },
    )
    .await
    .map_err(GraphError::from)
}

pub async fn create(
    ctx: &StudiosCtx,
    company_id: Uuid,
    name: &str,
    description: Option<String>,
    business_area: BusinessArea,
) -> Result<studios::Model, StudiosError> {
    let company = visible_company(ctx, company_id).await?;
    let txn = ctx.db.begin_write().await?;
    let row = studios::ActiveModel {
        id: Set(Uuid::new_v4()),
        company_id: Set(company.id),
        name: Set(text::length("name", name, 3, 100)?),
        description: Set(description
            .map(|d| d.trim().to_owned())
            .filter(|d| !d.is_empty())),
        business_area: Set(business_area.as_db().into()),
        created_by: Set(ctx.account_id()?),
        created_at: Set(now()),
        updated_at: Set(now()),
    }
    .insert(&txn)
    .await
    .map_err(StudiosError::taken(Named::Studio))?;
    record(&txn, ctx, "studio.created", None, Some(&row)).await?;
    txn.commit().await?;
    Ok(row)
}

pub struct StudioChanges {
    pub name: Option<String>,
    /// `Some(None)` clears the description.
    pub description: Option<Option<String>>,
    pub business_area: Option<BusinessArea>,
}

pub async fn update(
    ctx: &StudiosCtx,
    id: Uuid,
    seen: Option<DateTime<Utc>>,
    changes: StudioChanges,
) -> Result<studios::Model, StudiosError> {
    let current = visible_studio(ctx, id).await?;
    fresh(seen, current.updated_at, "Studio")?;
    let mut row = current.clone().into_active_model();
    if let Some(name) = &changes.name {
        row.name = Set(text::length("name", name, 3, 100)?);
    }
    if let Some(description) = changes.description {
        row.description = Set(description
            .map(|d| d.trim().to_owned())
            .filter(|d| !d.is_empty()));
    }
    if let Some(area) = changes.business_area {
        row.business_area = Set(area.as_db().into());
    }
    row.updated_at = Set(now());
    // What the row becomes: the audit's `after`. The UPDATE is guarded by `updated_at`, so it
    // changes the row as `current` read it or nothing.
    let next = row.clone().try_into_model()?;
    let scope = ctx.scope().await?;
    let update = scope
        .update_studios()
        .set(row)
        .filter(studios::Column::Id.eq(current.id))
        .filter(studios::Column::UpdatedAt.eq(current.updated_at));
    let event = AuditEvent {
        domain: crate::DOMAIN,
        tenant_id: Some(current.company_id),
        actor_id: ctx.viewer.account_id,
        action: "studio.updated",
        entity: "studio",
        entity_id: current.id,
        before: Some(audited(&current)),
        after: Some(audited(&next)),
    };
    // No row: someone changed it first.
    let updated = audit::update_recorded(&ctx.db, update, event)
        .await
        .map_err(StudiosError::taken(Named::Studio))?
        .pop()
        .ok_or(StudiosError::Stale { entity: "Studio" })?;
    Ok(updated)
}

/// A company admin deletes the studio; its executions, files, boards and field definitions go
/// with it (ON DELETE CASCADE), and its files' bytes leave the store once the delete has
/// committed (a delete that fails removes no bytes).
pub async fn delete(ctx: &StudiosCtx, id: Uuid) -> Result<Uuid, StudiosError> {
    let current = visible_studio(ctx, id).await?;
    require_admin(ctx, current.company_id).await?;
    let scope = ctx.scope().await?;
    let txn = ctx.db.begin_write().await?;
    // The audit row first: on SQLite its INSERT takes the write lock, so no file can be added
    // to the studio between the read of the paths below and the delete.
    record(&txn, ctx, "studio.deleted", Some(&current), None).await?;
    // Every file of the studio, private ones included.
    let paths: Vec<String> = scope
        .files_for_totals()
        .filter(files::Column::StudioId.eq(current.id))
        .select_only()
        .column(files::Column::SupabasePath)
        .into_tuple()
        .all(&txn)
        .await?;
    current.delete(&txn).await?;
    txn.commit().await?;
    super::file::remove_bytes(&ctx.files, paths).await;
    Ok(id)
}
