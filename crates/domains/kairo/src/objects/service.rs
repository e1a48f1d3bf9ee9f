use async_graphql::{Json, Object};
use chrono::{DateTime, Utc};
use studiogate_entities_kairo::kairo_services as services;
use uuid::Uuid;

use super::utc;

/// A service the studio offers (automation, marketing, ...). Published ones are public.
pub struct KairoService(pub services::Model);

/// A service the studio offers (automation, marketing, ...). Published ones are public.
#[Object]
impl KairoService {
    /// Service id.
    async fn id(&self) -> Uuid {
        self.0.id
    }

    /// Unique address name.
    async fn slug(&self) -> &str {
        &self.0.slug
    }

    /// Title.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// Tagline.
    async fn tagline(&self) -> Option<&str> {
        self.0.tagline.as_deref()
    }

    /// Description.
    async fn description(&self) -> &str {
        &self.0.description
    }

    /// Structured content.
    async fn content(&self) -> Json<serde_json::Value> {
        Json(self.0.content.clone())
    }

    /// Icon address.
    async fn icon_url(&self) -> Option<&str> {
        self.0.icon_url.as_deref()
    }

    /// Address of the service's 3D planet model.
    async fn planet_model_url(&self) -> Option<&str> {
        self.0.planet_model_url.as_deref()
    }

    /// Position among featured services (lower first); null when not featured.
    async fn featured_order(&self) -> Option<i32> {
        self.0.featured_order
    }

    /// Whether the public sees it.
    async fn published(&self) -> bool {
        self.0.published
    }

    /// When the service was created.
    async fn created_at(&self) -> DateTime<Utc> {
        utc(self.0.created_at)
    }

    /// When the service was last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        utc(self.0.updated_at)
    }
}
