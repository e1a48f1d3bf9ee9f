//! Studios: created, changed and deleted by approved members of their company.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, ModelTrait, QueryFilter, Set,
};
use studiogate_entities_studios::studios;
use studiogate_graph::GraphError;
use uuid::Uuid;

use super::{fresh, now, unique, visible_company, visible_studio};
use crate::context::StudiosCtx;
use crate::enums::BusinessArea;
use crate::rules::text;

const NAME_TAKEN: &str = "The company already has a studio with this name";

pub async fn create(
    ctx: &StudiosCtx,
    company_id: Uuid,
    name: &str,
    description: Option<String>,
    business_area: BusinessArea,
) -> Result<studios::Model, GraphError> {
    let company = visible_company(ctx, company_id).await?;
    studios::ActiveModel {
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
    .insert(&ctx.db)
    .await
    .map_err(|e| unique(e, "name", NAME_TAKEN))
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
) -> Result<studios::Model, GraphError> {
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
    let result = studios::Entity::update_many()
        .set(row)
        .filter(studios::Column::Id.eq(current.id))
        .filter(studios::Column::UpdatedAt.eq(current.updated_at))
        .exec(&ctx.db)
        .await
        .map_err(|e| unique(e, "name", NAME_TAKEN))?;
    if result.rows_affected != 1 {
        return Err(GraphError::stale("Studio"));
    }
    visible_studio(ctx, id).await
}

/// Deletes the studio; its executions, files, boards and field definitions go with it
/// (ON DELETE CASCADE).
pub async fn delete(ctx: &StudiosCtx, id: Uuid) -> Result<Uuid, GraphError> {
    let current = visible_studio(ctx, id).await?;
    current.delete(&ctx.db).await?;
    Ok(id)
}
