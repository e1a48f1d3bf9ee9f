//! Assets in the shared file store: uploads (checked from a temporary file on the blocking
//! pool, copied to the store a chunk at a time, the row written after the bytes and the bytes
//! removed again if the row cannot be), soft deletes, and downloads behind signed links.

use async_graphql::UploadValue;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, QueryFilter, Set};
use std::io::{Seek, SeekFrom};
use studiogate_entities_kairo::{kairo_assets as assets, scope};
use studiogate_graph::{ErrorCode, GraphError};
use studiogate_platform::storage::{blocking, display_name, sniff_media, Object};
use studiogate_platform::FileStore;
use uuid::Uuid;

use super::now;
use crate::context::KairoCtx;
use crate::enums::KairoAssetType;
use crate::error::KairoError;
use crate::rules::asset::{fits, ASSETS};
use crate::rules::text;

/// The file's recognised type and size, or BAD_USER_INPUT (empty, too big, not allowed).
fn check(
    file: &mut std::fs::File,
    declared: Option<&str>,
) -> Result<(&'static str, u64), GraphError> {
    let size = file
        .seek(SeekFrom::End(0))
        .map_err(|e| GraphError::internal(&e))?;
    if size == 0 {
        return Err(GraphError::bad_input("file", "The file is empty"));
    }
    if size > ASSETS.max_bytes as u64 {
        return Err(GraphError::bad_input(
            "file",
            "Assets are limited to 100 MiB",
        ));
    }
    let mime = sniff_media(file, declared)?;
    if !ASSETS.types.contains(&mime) {
        return Err(GraphError::bad_input(
            "file",
            format!("Files of type {mime} are not allowed here"),
        ));
    }
    Ok((mime, size))
}

pub struct NewAsset {
    pub kind: KairoAssetType,
    /// Staff name the owning company; a client's is its own.
    pub company_id: Option<Uuid>,
    pub tags: Vec<String>,
    pub metadata: Option<serde_json::Value>,
}

/// The owning company: the client's own, or the one staff name (assets always have one).
async fn owner(k: &KairoCtx, asked: Option<Uuid>) -> Result<Uuid, KairoError> {
    let scope = k.signed_in_scope().await?;
    let not_found = || GraphError::not_found("KairoCompany").with_field("companyId");
    if scope.is_staff() {
        use studiogate_entities_kairo::kairo_companies as companies;
        let id = asked.ok_or_else(|| {
            KairoError::invalid(
                "companyId",
                "COMPANY_REQUIRED",
                "An asset belongs to a company",
            )
        })?;
        let found = scope
            .companies()
            .filter(companies::Column::Id.eq(id))
            .one(&k.db)
            .await?;
        return found.map(|c| c.id).ok_or_else(|| not_found().into());
    }
    super::live_own_company(k, &scope).await?;
    match (scope.company(), asked) {
        (Some(own), None) => Ok(own),
        (Some(own), Some(id)) if id == own => Ok(own),
        (Some(_), Some(_)) => Err(not_found().into()),
        (None, _) => Err(GraphError::new(
            ErrorCode::Forbidden,
            "A client without a company cannot upload assets",
        )
        .into()),
    }
}

pub async fn upload(
    k: &KairoCtx,
    upload: UploadValue,
    input: NewAsset,
) -> Result<assets::Model, KairoError> {
    let account = k.account_id()?;
    let company = owner(k, input.company_id).await?;
    let tags = text::tags("tags", &input.tags)?;
    if input.metadata.as_ref().is_some_and(|m| !m.is_object()) {
        return Err(KairoError::invalid(
            "metadata",
            "INVALID_METADATA",
            "Metadata is an object",
        ));
    }
    let name = display_name(&upload.filename)?;
    let declared = upload.content_type;
    // The multipart layer has put the bytes in a temporary file (its size bounded there).
    let mut file = upload.content;
    let (mime, size, file) = blocking(move || {
        let (mime, size) = check(&mut file, declared.as_deref())?;
        Ok((mime, size, file))
    })
    .await?;
    fits(input.kind, mime)?;
    let creator = k.profile().await?.map(|p| p.id);
    let id = Uuid::new_v4();
    let path = ASSETS.path(&[&company, &id]);
    k.files.copy_file(&path, file).await?;
    let row = assets::ActiveModel {
        id: Set(id),
        company_id: Set(Some(company)),
        filename: Set(name),
        url: Set(path.clone()),
        r#type: Set(input.kind.as_db().to_owned()),
        size_bytes: Set(Some(
            i64::try_from(size).map_err(|e| GraphError::internal(&e))?,
        )),
        mime_type: Set(Some(mime.to_owned())),
        metadata: Set(input.metadata),
        tags: Set(serde_json::json!(tags)),
        created_by: Set(creator.filter(|p| *p == account)),
        created_at: Set(now()),
        deleted_at: Set(None),
    }
    .insert(&k.db)
    .await;
    match row {
        Ok(row) => Ok(row),
        Err(err) => {
            k.files.delete(&path).await?;
            Err(err.into())
        }
    }
}

/// Soft delete: the row leaves every select; its bytes are no longer linked.
pub async fn delete(k: &KairoCtx, id: Uuid) -> Result<Uuid, KairoError> {
    let scope = k.signed_in_scope().await?;
    let done = scope
        .update_assets()
        .col_expr(assets::Column::DeletedAt, Expr::value(now()))
        .filter(assets::Column::Id.eq(id))
        .exec(&k.db)
        .await?;
    if done.rows_affected == 0 {
        return Err(GraphError::not_found("KairoAsset").into());
    }
    Ok(id)
}

/// An asset's bytes behind a verified link, to be streamed.
pub struct Download {
    pub filename: String,
    pub mime_type: String,
    pub object: Object,
}

/// NOT_FOUND for a bad or expired link, a deleted asset, or an asset whose bytes are missing.
pub async fn download(
    db: &sea_orm::DatabaseConnection,
    store: &FileStore,
    id: Uuid,
    expires: i64,
    signature: &str,
) -> Result<Download, GraphError> {
    let gone = || GraphError::new(ErrorCode::NotFound, "Asset not found or link expired");
    let now = chrono::Utc::now().timestamp();
    if !store.verify(&ASSETS, id, expires, signature, now) {
        return Err(gone());
    }
    // The signature was made for a viewer allowed to see this asset when the link was issued.
    let asset = scope::signed_asset(id).one(db).await?.ok_or_else(gone)?;
    let object = store.get(&asset.url).await?;
    Ok(Download {
        filename: asset.filename,
        mime_type: asset
            .mime_type
            .unwrap_or_else(|| "application/octet-stream".to_owned()),
        object,
    })
}
