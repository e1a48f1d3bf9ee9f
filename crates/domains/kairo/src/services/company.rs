//! Companies and people: the staff create companies; ADMINs give people their role and
//! company.

use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, QueryFilter, Set};
use studiogate_entities_kairo::{kairo_companies as companies, kairo_profiles as profiles};
use studiogate_graph::{BeginWrite, GraphError};
use uuid::Uuid;

use super::now;
use crate::context::KairoCtx;
use crate::enums::KairoRole;
use crate::error::KairoError;
use crate::rules::text;

pub struct NewCompany {
    pub name: String,
    pub website: Option<String>,
    pub industry: Option<String>,
    pub logo_url: Option<String>,
    pub metadata: Option<serde_json::Value>,
}

pub async fn create(k: &KairoCtx, input: NewCompany) -> Result<companies::Model, KairoError> {
    k.staff_scope().await?;
    if input.metadata.as_ref().is_some_and(|m| !m.is_object()) {
        return Err(KairoError::invalid(
            "metadata",
            "INVALID_METADATA",
            "Metadata is an object",
        ));
    }
    let at = now();
    Ok(companies::ActiveModel {
        id: Set(Uuid::new_v4()),
        name: Set(text::required("name", &input.name, 200)?),
        website: Set(text::optional("website", input.website.as_deref(), 500)?),
        industry: Set(text::optional("industry", input.industry.as_deref(), 100)?),
        logo_url: Set(text::optional("logoUrl", input.logo_url.as_deref(), 2000)?),
        metadata: Set(input.metadata),
        created_at: Set(at),
        updated_at: Set(at),
        deleted_at: Set(None),
    }
    .insert(&k.db)
    .await?)
}

/// Sets a person's role and company (ADMIN only). A CLIENT needs a company; staff have none.
pub async fn assign(
    k: &KairoCtx,
    user_id: Uuid,
    role: KairoRole,
    company_id: Option<Uuid>,
) -> Result<profiles::Model, KairoError> {
    let scope = k.staff_scope().await?;
    if k.role().await? != Some(KairoRole::Admin) {
        return Err(GraphError::forbidden().into());
    }
    let company_id = match role {
        KairoRole::Client => Some(company_id.ok_or_else(|| {
            KairoError::invalid(
                "companyId",
                "COMPANY_REQUIRED",
                "A CLIENT belongs to a company",
            )
        })?),
        KairoRole::Admin | KairoRole::Team => {
            if company_id.is_some() {
                return Err(KairoError::invalid(
                    "companyId",
                    "STAFF_HAVE_NO_COMPANY",
                    "ADMIN and TEAM belong to the studio, not to a company",
                ));
            }
            None
        }
    };
    let txn = k.db.begin_write().await?;
    if let Some(id) = company_id {
        let found = scope
            .companies()
            .filter(companies::Column::Id.eq(id))
            .one(&txn)
            .await?;
        if found.is_none() {
            return Err(GraphError::not_found("KairoCompany")
                .with_field("companyId")
                .into());
        }
    }
    let update = scope
        .update_profiles()
        .col_expr(profiles::Column::Role, Expr::value(role.as_db()))
        .col_expr(profiles::Column::CompanyId, Expr::value(company_id))
        .col_expr(profiles::Column::UpdatedAt, Expr::value(now()))
        .filter(profiles::Column::Id.eq(user_id));
    let mut rows = studiogate_platform::jobs::returning(&txn, update).await?;
    let profile = rows
        .pop()
        .ok_or_else(|| GraphError::not_found("KairoUser"))?;
    txn.commit().await?;
    if Some(user_id) == k.viewer.account_id {
        k.forget_profile().await;
    }
    Ok(profile)
}

/// What a company update changes; `None` leaves a field as it is.
#[derive(Default)]
pub struct CompanyChanges {
    pub name: Option<String>,
    pub website: Option<String>,
    pub industry: Option<String>,
    pub logo_url: Option<String>,
    pub metadata: Option<serde_json::Value>,
}

/// Changes a company (ADMIN and TEAM).
pub async fn update(
    k: &KairoCtx,
    id: Uuid,
    changes: CompanyChanges,
) -> Result<companies::Model, KairoError> {
    let scope = k.staff_scope().await?;
    let mut update = scope
        .update_companies()
        .col_expr(companies::Column::UpdatedAt, Expr::value(now()))
        .filter(companies::Column::Id.eq(id));
    if let Some(name) = changes.name {
        let name = text::required("name", &name, 200)?;
        update = update.col_expr(companies::Column::Name, Expr::value(name));
    }
    let optional = [
        (companies::Column::Website, "website", changes.website, 500),
        (
            companies::Column::Industry,
            "industry",
            changes.industry,
            100,
        ),
        (
            companies::Column::LogoUrl,
            "logoUrl",
            changes.logo_url,
            2000,
        ),
    ];
    for (column, field, value, max) in optional {
        if let Some(value) = value {
            let value = text::optional(field, Some(&value), max)?;
            update = update.col_expr(column, Expr::value(value));
        }
    }
    if let Some(metadata) = changes.metadata {
        if !metadata.is_object() {
            return Err(KairoError::invalid(
                "metadata",
                "INVALID_METADATA",
                "Metadata is an object",
            ));
        }
        update = update.col_expr(companies::Column::Metadata, Expr::value(metadata));
    }
    let txn = k.db.begin_write().await?;
    let mut rows = studiogate_platform::jobs::returning(&txn, update).await?;
    let company = rows
        .pop()
        .ok_or_else(|| GraphError::not_found("KairoCompany"))?;
    txn.commit().await?;
    Ok(company)
}

/// Soft delete (ADMIN and TEAM): the company leaves every select, and its projects,
/// automations, runs and assets go with it (the scope's selects keep to live companies), so its
/// clients read and write nothing of it.
pub async fn delete(k: &KairoCtx, id: Uuid) -> Result<Uuid, KairoError> {
    let scope = k.staff_scope().await?;
    let done = scope
        .update_companies()
        .col_expr(companies::Column::DeletedAt, Expr::value(now()))
        .filter(companies::Column::Id.eq(id))
        .exec(&k.db)
        .await?;
    if done.rows_affected == 0 {
        return Err(GraphError::not_found("KairoCompany").into());
    }
    Ok(id)
}

/// Changes the viewer's own name and avatar (anyone with a profile).
pub async fn update_own_profile(
    k: &KairoCtx,
    name: Option<String>,
    avatar_url: Option<String>,
) -> Result<profiles::Model, KairoError> {
    let account = k.account_id()?;
    let scope = k.signed_in_scope().await?;
    let mut update = scope
        .update_profiles()
        .col_expr(profiles::Column::UpdatedAt, Expr::value(now()))
        .filter(profiles::Column::Id.eq(account));
    if let Some(name) = name {
        let name = text::optional("name", Some(&name), 200)?;
        update = update.col_expr(profiles::Column::Name, Expr::value(name));
    }
    if let Some(avatar) = avatar_url {
        let avatar = text::optional("avatarUrl", Some(&avatar), 2000)?;
        update = update.col_expr(profiles::Column::AvatarUrl, Expr::value(avatar));
    }
    let txn = k.db.begin_write().await?;
    let mut rows = studiogate_platform::jobs::returning(&txn, update).await?;
    let profile = rows
        .pop()
        .ok_or_else(|| GraphError::not_found("KairoUser"))?;
    txn.commit().await?;
    k.forget_profile().await;
    Ok(profile)
}
