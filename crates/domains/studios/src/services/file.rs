//! Uploads, deletes and downloads. The bytes go to the object store first; if the row cannot be
//! written they are removed again, so a failed upload leaves nothing behind. No file is held
//! whole in memory: an upload is checked and copied from its temporary file a chunk at a time on
//! the blocking pool, and a download is streamed from the store.

use async_graphql::UploadValue;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ModelTrait, Set};
use studiogate_entities_studios::{files, scope};
use studiogate_graph::loader::visible_row;
use studiogate_graph::{ErrorCode, GraphError};
use uuid::Uuid;

use super::{now, require_admin, visible_studio};
use crate::context::StudiosCtx;
use crate::enums::AccessLevel;
use crate::error::StudiosError;
use crate::rules::file::FILES;
use studiogate_platform::storage::{blocking, display_name, Object};
use studiogate_platform::FileStore;

pub async fn upload(
    ctx: &StudiosCtx,
    studio_id: Uuid,
    upload: UploadValue,
    access: AccessLevel,
    metadata: Option<serde_json::Value>,
) -> Result<files::Model, StudiosError> {
    let studio = visible_studio(ctx, studio_id).await?;
    let name = display_name(&upload.filename)?;
    let declared = upload.content_type;
    // The multipart layer has put the bytes in a temporary file (its size bounded there).
    let mut file = upload.content;
    let (mime, size, file) = blocking(move || {
        let (mime, size) = FILES.check_file(&mut file, declared.as_deref())?;
        Ok((mime, size, file))
    })
    .await?;
    let id = Uuid::new_v4();
    let path = FILES.path(&[&studio.id, &id]);
    // At most `MAX_BYTES` (100 MiB), checked above.
    let size = i32::try_from(size).map_err(|e| GraphError::internal(&e))?;
    ctx.files.copy_file(&path, file).await?;
    let row = files::ActiveModel {
        id: Set(id),
        studio_id: Set(studio.id),
        uploaded_by: Set(ctx.account_id()?),
        filename: Set(name),
        file_size: Set(size),
        mime_type: Set(mime.into()),
        supabase_path: Set(path.clone()),
        upload_timestamp: Set(now()),
        last_accessed: Set(None),
        access_level: Set(access.as_db().into()),
        metadata: Set(metadata.unwrap_or_else(|| serde_json::json!({}))),
    }
    .insert(&ctx.db)
    .await;
    match row {
        Ok(row) => Ok(row),
        Err(err) => {
            ctx.files.delete(&path).await?;
            Err(err.into())
        }
    }
}

/// The uploader or a company admin deletes a file: the row, then the bytes.
pub async fn delete(ctx: &StudiosCtx, id: Uuid) -> Result<Uuid, StudiosError> {
    let file = visible_row::<files::Entity, _>(ctx, id, "File").await?;
    if file.uploaded_by != ctx.account_id()? {
        let studio = visible_studio(ctx, file.studio_id).await?;
        require_admin(ctx, studio.company_id).await?;
    }
    let path = file.supabase_path.clone();
    file.delete(&ctx.db).await?;
    ctx.files.delete(&path).await?;
    Ok(id)
}

/// A file's bytes behind a verified link, to be streamed; records the access. NOT_FOUND (with
/// a message for the client) for a bad or expired link, a deleted row, or a row whose bytes
/// are missing.
pub struct Download {
    pub filename: String,
    pub mime_type: String,
    pub object: Object,
}

pub async fn download(
    db: &sea_orm::DatabaseConnection,
    store: &FileStore,
    id: Uuid,
    expires: i64,
    signature: &str,
) -> Result<Download, GraphError> {
    let now = chrono::Utc::now();
    let gone = || GraphError::new(ErrorCode::NotFound, "File not found or link expired");
    if !store.verify(&FILES, id, expires, signature, now.timestamp()) {
        return Err(gone());
    }
    // The signature was made for a viewer allowed to see this file when the link was issued.
    let file = scope::signed_file(id).one(db).await?.ok_or_else(gone)?;
    // A row without its bytes (lost, or never written) answers NOT_FOUND too; the store logs it.
    let object = store.get(&file.supabase_path).await?;
    scope::update_signed_file(id)
        .col_expr(files::Column::LastAccessed, Expr::value(now.fixed_offset()))
        .exec(db)
        .await?;
    Ok(Download {
        filename: file.filename,
        mime_type: file.mime_type,
        object,
    })
}
