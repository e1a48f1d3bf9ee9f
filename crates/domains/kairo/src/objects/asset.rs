use async_graphql::{Context, Json, Object};
use chrono::{DateTime, Utc};
use studiogate_entities_kairo::kairo_assets as assets;
use studiogate_graph::error::GraphResult;
use uuid::Uuid;

use super::{strings, utc, KairoCompany, KairoUser};
use crate::enums::KairoAssetType;
use crate::loader::loaders;

/// A 3D model, texture, image or video owned by a company.
pub struct KairoAsset(pub assets::Model);

/// A 3D model, texture, image or video owned by a company.
#[Object]
impl KairoAsset {
    /// Asset id.
    async fn id(&self) -> Uuid {
        self.0.id
    }

    /// File name as uploaded.
    async fn filename(&self) -> &str {
        &self.0.filename
    }

    /// MODEL, TEXTURE, IMAGE or VIDEO.
    async fn r#type(&self) -> GraphResult<KairoAssetType> {
        Ok(KairoAssetType::from_db(&self.0.r#type)?)
    }

    /// Size in bytes.
    async fn size_bytes(&self) -> Option<i64> {
        self.0.size_bytes
    }

    /// Media type.
    async fn mime_type(&self) -> Option<&str> {
        self.0.mime_type.as_deref()
    }

    /// Width, height, vertices, level of detail and the like.
    async fn metadata(&self) -> Option<Json<serde_json::Value>> {
        self.0.metadata.clone().map(Json)
    }

    /// Tags.
    async fn tags(&self) -> Vec<String> {
        strings(&self.0.tags)
    }

    /// When it was uploaded.
    async fn created_at(&self) -> DateTime<Utc> {
        utc(self.0.created_at)
    }

    /// A link to download the bytes, valid for 5 minutes (a relative URL on this server).
    async fn download_url(&self, ctx: &Context<'_>) -> String {
        let now = chrono::Utc::now().timestamp();
        crate::context::kairo_ctx(ctx)
            .files
            .link(&crate::rules::asset::ASSETS, self.0.id, now)
    }

    /// The owning company.
    async fn company(&self, ctx: &Context<'_>) -> GraphResult<Option<KairoCompany>> {
        let Some(id) = self.0.company_id else {
            return Ok(None);
        };
        Ok(loaders(ctx).company.load_one(id).await?.map(KairoCompany))
    }

    /// Who uploaded it.
    async fn created_by(&self, ctx: &Context<'_>) -> GraphResult<Option<KairoUser>> {
        let Some(id) = self.0.created_by else {
            return Ok(None);
        };
        Ok(loaders(ctx).profile.load_one(id).await?.map(KairoUser))
    }
}
