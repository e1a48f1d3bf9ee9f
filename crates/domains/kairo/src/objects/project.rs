use async_graphql::{Context, Json, Object};
use chrono::{DateTime, Utc};
use studiogate_entities_kairo::kairo_projects as projects;
use studiogate_graph::error::GraphResult;
use uuid::Uuid;

use super::{strings, utc, KairoCompany};
use crate::loader::loaders;

/// A case study or client project. Published ones are public; a company's clients also see its
/// unpublished ones; the studio's staff see all.
pub struct KairoProject(pub projects::Model);

/// A case study or client project. Published ones are public; a company's clients also see its
/// unpublished ones; the studio's staff see all.
#[Object]
impl KairoProject {
    /// Project id.
    async fn id(&self) -> Uuid {
        self.0.id
    }

    /// Unique address name, such as `brand-launch-2026`.
    async fn slug(&self) -> &str {
        &self.0.slug
    }

    /// Title.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// Short summary.
    async fn summary(&self) -> &str {
        &self.0.summary
    }

    /// Address of the hero 3D model or image.
    async fn hero_asset(&self) -> Option<&str> {
        self.0.hero_asset.as_deref()
    }

    /// Structured content blocks (a JSON array of objects, each with a `type`).
    async fn content(&self) -> Json<serde_json::Value> {
        Json(self.0.content.clone())
    }

    /// Results and metrics.
    async fn metrics(&self) -> Option<Json<serde_json::Value>> {
        self.0.metrics.clone().map(Json)
    }

    /// Tags.
    async fn tags(&self) -> Vec<String> {
        strings(&self.0.tags)
    }

    /// Whether the public sees it.
    async fn published(&self) -> bool {
        self.0.published
    }

    /// Whether it is featured.
    async fn featured(&self) -> bool {
        self.0.featured
    }

    /// When the project was created.
    async fn created_at(&self) -> DateTime<Utc> {
        utc(self.0.created_at)
    }

    /// When the project was last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        utc(self.0.updated_at)
    }

    /// The client company (null for the studio's own work, and for companies the viewer does
    /// not see).
    async fn company(&self, ctx: &Context<'_>) -> GraphResult<Option<KairoCompany>> {
        let Some(id) = self.0.company_id else {
            return Ok(None);
        };
        Ok(loaders(ctx).company.load_one(id).await?.map(KairoCompany))
    }
}
