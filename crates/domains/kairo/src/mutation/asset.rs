use async_graphql::{Context, InputObject, Json, Object, SimpleObject, Upload};
use studiogate_graph::error::GraphResult;
use studiogate_graph::GraphError;
use uuid::Uuid;

use super::project::KairoDeletePayload;
use crate::context::kairo_ctx;
use crate::enums::KairoAssetType;
use crate::objects::KairoAsset;
use crate::services::asset::{self, NewAsset};

/// A file to store as an asset (a GraphQL multipart request).
#[derive(InputObject)]
pub struct UploadKairoAssetInput {
    /// The file: a glTF (binary or JSON) or OBJ model, a PNG, JPEG or WebP texture, an image
    /// (those and GIF), or an MP4, WebM or QuickTime video; up to 100 MiB. Its type is
    /// recognised from the content.
    pub file: Upload,
    /// What the asset is.
    pub r#type: KairoAssetType,
    /// Staff: the owning company (required). Clients: their own company.
    pub company_id: Option<Uuid>,
    /// Tags.
    #[graphql(default)]
    pub tags: Vec<String>,
    /// Width, height, vertices, level of detail and the like (an object).
    pub metadata: Option<Json<serde_json::Value>>,
}

/// The asset as stored.
#[derive(SimpleObject)]
pub struct KairoAssetPayload {
    /// The asset.
    pub asset: KairoAsset,
}

#[derive(Default)]
pub struct KairoAssetMutation;

#[Object]
impl KairoAssetMutation {
    /// Uploads an asset of the caller's company (staff name the company).
    async fn upload_asset(
        &self,
        ctx: &Context<'_>,
        input: UploadKairoAssetInput,
    ) -> GraphResult<KairoAssetPayload> {
        let upload = input.file.value(ctx)?;
        let new = NewAsset {
            kind: input.r#type,
            company_id: input.company_id,
            tags: input.tags,
            metadata: input.metadata.map(|m| m.0),
        };
        let row = asset::upload(kairo_ctx(ctx), upload, new)
            .await
            .map_err(GraphError::from)?;
        Ok(KairoAssetPayload {
            asset: KairoAsset(row),
        })
    }

    /// Deletes an asset (softly: it leaves every list and its links stop working).
    async fn delete_asset(&self, ctx: &Context<'_>, id: Uuid) -> GraphResult<KairoDeletePayload> {
        let id = asset::delete(kairo_ctx(ctx), id)
            .await
            .map_err(GraphError::from)?;
        Ok(KairoDeletePayload { id })
    }
}
