//! Services: the studio's offerings, written by the staff.

use sea_orm::{ActiveModelTrait, Set};
use studiogate_entities_kairo::kairo_services as services;
use uuid::Uuid;

use super::{now, slug_conflict};
use crate::context::KairoCtx;
use crate::error::KairoError;
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
    if !input.content.is_object() && !input.content.is_array() {
        return Err(KairoError::invalid(
            "content",
            "INVALID_CONTENT",
            "Content is an object or a list of blocks",
        ));
    }
    if input.featured_order.is_some_and(|o| o < 0) {
        return Err(KairoError::invalid(
            "featuredOrder",
            "NEGATIVE",
            "The featured order is 0 or more",
        ));
    }
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
