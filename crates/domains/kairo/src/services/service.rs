//! Services: the studio's offerings, written by the staff.

use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, QueryFilter, Set};
use studiogate_entities_kairo::kairo_services as services;
use studiogate_graph::{BeginWrite, GraphError};
use uuid::Uuid;

use super::{now, slug_conflict};
use crate::context::KairoCtx;
use crate::error::KairoError;
use crate::rules::service::{content, featured_order};
use crate::rules::{project::slug, text};

pub struct NewService {
    pub slug: String,
    pub title: String,
    pub tagline: Option<String>,
    pub description: String,
    pub content: serde_json::Value,
    pub icon_url: Option<String>,
    pub planet_model_url: Option<String>,
    pub featured_order: Option<i32>,
    pub published: bool,
}

pub async fn create(k: &KairoCtx, input: NewService) -> Result<services::Model, KairoError> {
    k.staff_scope().await?;
    let slug = slug("slug", &input.slug)?;
    content(&input.content)?;
    featured_order(input.featured_order)?;
    let at = now();
    services::ActiveModel {
        id: Set(Uuid::new_v4()),
        slug: Set(slug.clone()),
        title: Set(text::required("title", &input.title, 200)?),
        tagline: Set(text::optional("tagline", input.tagline.as_deref(), 300)?),
        description: Set(text::required("description", &input.description, 5000)?),
        content: Set(input.content),
        icon_url: Set(text::optional("iconUrl", input.icon_url.as_deref(), 2000)?),
        planet_model_url: Set(text::optional(
            "planetModelUrl",
            input.planet_model_url.as_deref(),
            2000,
        )?),
        featured_order: Set(input.featured_order),
        published: Set(input.published),
        created_at: Set(at),
        updated_at: Set(at),
    }
    .insert(&k.db)
    .await
    .map_err(|e| slug_conflict(e, &slug))
}

/// What a service update changes; `None` leaves a field as it is (empty optional text clears).
#[derive(Default)]
pub struct ServiceChanges {
    pub slug: Option<String>,
    pub title: Option<String>,
    pub tagline: Option<String>,
    pub description: Option<String>,
    pub content: Option<serde_json::Value>,
    pub icon_url: Option<String>,
    pub planet_model_url: Option<String>,
    pub featured_order: Option<i32>,
    pub published: Option<bool>,
}

/// Changes a service (ADMIN and TEAM), with `create`'s rules. A slug in use is CONFLICT.
pub async fn update(
    k: &KairoCtx,
    id: Uuid,
    changes: ServiceChanges,
) -> Result<services::Model, KairoError> {
    let scope = k.staff_scope().await?;
    let mut update = scope
        .update_services()
        .col_expr(services::Column::UpdatedAt, Expr::value(now()))
        .filter(services::Column::Id.eq(id));
    let mut slug_value = String::new();
    if let Some(new) = changes.slug {
        slug_value = slug("slug", &new)?;
        update = update.col_expr(services::Column::Slug, Expr::value(slug_value.clone()));
    }
    if let Some(title) = changes.title {
        let title = text::required("title", &title, 200)?;
        update = update.col_expr(services::Column::Title, Expr::value(title));
    }
    if let Some(description) = changes.description {
        let description = text::required("description", &description, 5000)?;
        update = update.col_expr(services::Column::Description, Expr::value(description));
    }
    let optional = [
        (services::Column::Tagline, "tagline", changes.tagline, 300),
        (services::Column::IconUrl, "iconUrl", changes.icon_url, 2000),
        (
            services::Column::PlanetModelUrl,
            "planetModelUrl",
            changes.planet_model_url,
            2000,
        ),
    ];
    for (column, field, value, max) in optional {
        if let Some(value) = value {
            let value = text::optional(field, Some(&value), max)?;
            update = update.col_expr(column, Expr::value(value));
        }
    }
    if let Some(new) = changes.content {
        content(&new)?;
        update = update.col_expr(services::Column::Content, Expr::value(new));
    }
    if let Some(order) = changes.featured_order {
        featured_order(Some(order))?;
        update = update.col_expr(services::Column::FeaturedOrder, Expr::value(order));
    }
    if let Some(published) = changes.published {
        update = update.col_expr(services::Column::Published, Expr::value(published));
    }
    let txn = k.db.begin_write().await?;
    let mut rows = studiogate_platform::jobs::returning(&txn, update)
        .await
        .map_err(|e| slug_conflict(e, &slug_value))?;
    let service = rows
        .pop()
        .ok_or_else(|| GraphError::not_found("KairoService"))?;
    txn.commit().await?;
    Ok(service)
}
