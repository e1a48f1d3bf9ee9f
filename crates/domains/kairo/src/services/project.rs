//! Projects: the staff write them (the studio's case studies and client work); clients read.

use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, QueryFilter, Set};
use studiogate_entities_kairo::{kairo_projects as projects, KairoScope};
use studiogate_graph::{BeginWrite, GraphError};
use uuid::Uuid;

use super::{now, slug_conflict};
use crate::context::KairoCtx;
use crate::error::KairoError;
use crate::rules::{project as rules, text};

pub struct NewProject {
    pub company_id: Option<Uuid>,
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub hero_asset: Option<String>,
    pub content: serde_json::Value,
    pub metrics: Option<serde_json::Value>,
    pub tags: Vec<String>,
    pub published: bool,
    pub featured: bool,
}

/// What an update changes; `None` leaves a field as it is.
#[derive(Default)]
pub struct ProjectChanges {
    pub slug: Option<String>,
    pub title: Option<String>,
    pub summary: Option<String>,
    pub hero_asset: Option<String>,
    pub content: Option<serde_json::Value>,
    pub metrics: Option<serde_json::Value>,
    pub tags: Option<Vec<String>>,
    pub published: Option<bool>,
    pub featured: Option<bool>,
}

/// The company must be one the staff member sees (every live company).
async fn check_company(
    k: &KairoCtx,
    scope: &KairoScope,
    company: Option<Uuid>,
) -> Result<(), KairoError> {
    if let Some(id) = company {
        use studiogate_entities_kairo::kairo_companies as companies;
        let found = scope
            .companies()
            .filter(companies::Column::Id.eq(id))
            .one(&k.db)
            .await?;
        if found.is_none() {
            return Err(GraphError::not_found("KairoCompany")
                .with_field("companyId")
                .into());
        }
    }
    Ok(())
}

pub async fn create(k: &KairoCtx, input: NewProject) -> Result<projects::Model, KairoError> {
    let scope = k.staff_scope().await?;
    let slug = rules::slug("slug", &input.slug)?;
    rules::content(&input.content)?;
    rules::metrics(input.metrics.as_ref())?;
    let tags = text::tags("tags", &input.tags)?;
    check_company(k, &scope, input.company_id).await?;
    let at = now();
    projects::ActiveModel {
        id: Set(Uuid::new_v4()),
        company_id: Set(input.company_id),
        slug: Set(slug.clone()),
        title: Set(text::required("title", &input.title, 200)?),
        summary: Set(text::required("summary", &input.summary, 2000)?),
        hero_asset: Set(text::optional(
            "heroAsset",
            input.hero_asset.as_deref(),
            2000,
        )?),
        content: Set(input.content),
        metrics: Set(input.metrics),
        tags: Set(serde_json::json!(tags)),
        published: Set(input.published),
        featured: Set(input.featured),
        created_at: Set(at),
        updated_at: Set(at),
        deleted_at: Set(None),
    }
    .insert(&k.db)
    .await
    .map_err(|e| slug_conflict(e, &slug))
}

pub async fn update(
    k: &KairoCtx,
    id: Uuid,
    changes: ProjectChanges,
) -> Result<projects::Model, KairoError> {
    let scope = k.staff_scope().await?;
    let mut update = scope
        .update_any_project()
        .filter(projects::Column::Id.eq(id));
    let mut slug_value = String::new();
    if let Some(slug) = changes.slug {
        slug_value = rules::slug("slug", &slug)?;
        update = update.col_expr(projects::Column::Slug, Expr::value(slug_value.clone()));
    }
    if let Some(title) = changes.title {
        let title = text::required("title", &title, 200)?;
        update = update.col_expr(projects::Column::Title, Expr::value(title));
    }
    if let Some(summary) = changes.summary {
        let summary = text::required("summary", &summary, 2000)?;
        update = update.col_expr(projects::Column::Summary, Expr::value(summary));
    }
    if let Some(hero) = changes.hero_asset {
        let hero = text::optional("heroAsset", Some(&hero), 2000)?;
        update = update.col_expr(projects::Column::HeroAsset, Expr::value(hero));
    }
    if let Some(content) = changes.content {
        rules::content(&content)?;
        update = update.col_expr(projects::Column::Content, Expr::value(content));
    }
    if let Some(metrics) = changes.metrics {
        rules::metrics(Some(&metrics))?;
        update = update.col_expr(projects::Column::Metrics, Expr::value(metrics));
    }
    if let Some(tags) = changes.tags {
        let tags = text::tags("tags", &tags)?;
        update = update.col_expr(projects::Column::Tags, Expr::value(serde_json::json!(tags)));
    }
    if let Some(published) = changes.published {
        update = update.col_expr(projects::Column::Published, Expr::value(published));
    }
    if let Some(featured) = changes.featured {
        update = update.col_expr(projects::Column::Featured, Expr::value(featured));
    }
    let update = update.col_expr(projects::Column::UpdatedAt, Expr::value(now()));
    let txn = k.db.begin_write().await?;
    let mut rows = studiogate_platform::jobs::returning(&txn, update)
        .await
        .map_err(|e| slug_conflict(e, &slug_value))?;
    let project = rows
        .pop()
        .ok_or_else(|| GraphError::not_found("KairoProject"))?;
    txn.commit().await?;
    Ok(project)
}

/// Soft delete: the row stays (its slug too), out of every select.
pub async fn delete(k: &KairoCtx, id: Uuid) -> Result<Uuid, KairoError> {
    let scope = k.staff_scope().await?;
    let done = scope
        .update_any_project()
        .col_expr(projects::Column::DeletedAt, Expr::value(now()))
        .filter(projects::Column::Id.eq(id))
        .exec(&k.db)
        .await?;
    if done.rows_affected == 0 {
        return Err(GraphError::not_found("KairoProject").into());
    }
    Ok(id)
}
