//! Uploads, changes, deletes and downloads. The bytes go to the object store first; if the row
//! cannot be written (or the company's quota refuses it) they are removed again, so a failed
//! upload leaves nothing behind. Rows are deleted first and their bytes after the delete
//! commits ([`remove_bytes`]), so a failed delete removes no bytes. No file is held whole in
//! memory: an upload is checked and copied from its temporary file a chunk at a time on the
//! blocking pool, and a download is streamed from the store.

use async_graphql::UploadValue;
use futures_util::StreamExt;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, IntoActiveModel, ModelTrait,
    QueryFilter, QuerySelect, QueryTrait, Set,
};
use std::time::Duration;
use studiogate_entities_studios::{companies, files, scope, studios, Companies, TenantScope};
use studiogate_graph::{loader::visible_row, BeginWrite};
use studiogate_graph::{ErrorCode, GraphError};
use uuid::Uuid;

use super::{now, require_admin, visible_studio};
use crate::context::StudiosCtx;
use crate::enums::{AccessLevel, MembershipStatus};
use crate::error::StudiosError;
use crate::rules::file::{self as rules, FILES};
use studiogate_platform::storage::{blocking, display_name, Object};
use studiogate_platform::FileStore;

pub async fn upload(
    ctx: &StudiosCtx,
    quota_bytes: u64,
    studio_id: Uuid,
    upload: UploadValue,
    access: AccessLevel,
    metadata: Option<serde_json::Value>,
) -> Result<files::Model, StudiosError> {
    let studio = visible_studio(ctx, studio_id).await?;
    let name = display_name(&upload.filename)?;
    let metadata = rules::metadata(metadata)?;
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
        metadata: Set(metadata),
    };
    match insert_within_quota(ctx, studio.company_id, row, quota_bytes).await {
        Ok(row) => Ok(row),
        Err(err) => {
            remove_bytes(&ctx.files, vec![path]).await;
            Err(err)
        }
    }
}

/// Inserts the file's row if the company's files, with it, stay within `quota` bytes.
async fn insert_within_quota(
    ctx: &StudiosCtx,
    company_id: Uuid,
    row: files::ActiveModel,
    quota: u64,
) -> Result<files::Model, StudiosError> {
    let scope = ctx.scope().await?;
    let txn = ctx.db.begin_write().await?;
    // The INSERT first: on SQLite it takes the database's write lock, so the sum below sees
    // every upload committed before and none can commit until this one ends.
    let row = row.insert(&txn).await?;
    // On PostgreSQL the company's row is the lock: uploads to one company take turns from
    // here to their commit, and the sum (a statement of its own, so a fresh snapshot in READ
    // COMMITTED) sees every upload that committed before. SQLite has no row locks.
    scope
        .companies()
        .filter(companies::Column::Id.eq(company_id))
        .lock_exclusive()
        .one(&txn)
        .await?;
    let company_studios = scope
        .studios()
        .filter(studios::Column::CompanyId.eq(company_id))
        .select_only()
        .column(studios::Column::Id)
        .into_query();
    // Every file of the company counts, private ones included.
    let used: Option<i64> = scope
        .files_for_totals()
        .filter(files::Column::StudioId.in_subquery(company_studios))
        .select_only()
        .column_as(files::Column::FileSize.sum(), "used")
        .into_tuple::<Option<i64>>()
        .one(&txn)
        .await?
        .flatten();
    let used = u64::try_from(used.unwrap_or(0)).unwrap_or(0);
    if used > quota {
        // Dropping the transaction rolls the row back.
        let before = used.saturating_sub(u64::try_from(row.file_size).unwrap_or(0));
        return Err(StudiosError::QuotaExceeded {
            limit: quota,
            used: before,
        });
    }
    txn.commit().await?;
    Ok(row)
}

/// A file the viewer may change or delete: its uploader, or an admin of its company; anyone
/// else who sees it is FORBIDDEN.
async fn changeable(ctx: &StudiosCtx, id: Uuid) -> Result<files::Model, StudiosError> {
    let file = visible_row::<files::Entity, _>(ctx, id, "File").await?;
    if file.uploaded_by != ctx.account_id()? {
        let studio = visible_studio(ctx, file.studio_id).await?;
        require_admin(ctx, studio.company_id).await?;
    }
    Ok(file)
}

/// The uploader or a company admin deletes a file: the row, then the bytes.
pub async fn delete(ctx: &StudiosCtx, id: Uuid) -> Result<Uuid, StudiosError> {
    let file = changeable(ctx, id).await?;
    let path = file.supabase_path.clone();
    file.delete(&ctx.db).await?;
    remove_bytes(&ctx.files, vec![path]).await;
    Ok(id)
}

/// What [`update`] changes; `None` leaves a field as it is.
pub struct FileChanges {
    pub access_level: Option<AccessLevel>,
    /// Replaces the whole metadata object.
    pub metadata: Option<serde_json::Value>,
}

/// The uploader or a company admin changes a file's access level and metadata.
pub async fn update(
    ctx: &StudiosCtx,
    id: Uuid,
    changes: FileChanges,
) -> Result<files::Model, StudiosError> {
    let file = changeable(ctx, id).await?;
    if changes.access_level.is_none() && changes.metadata.is_none() {
        return Ok(file);
    }
    let mut row = file.into_active_model();
    if let Some(access) = changes.access_level {
        row.access_level = Set(access.as_db().into());
    }
    if let Some(metadata) = changes.metadata {
        row.metadata = Set(rules::metadata(Some(metadata))?);
    }
    // By primary key: the row was read through the tenant scope and its changer checked above.
    row.update(&ctx.db).await.map_err(|err| match err {
        // Deleted meanwhile.
        DbErr::RecordNotUpdated => GraphError::not_found("File").into(),
        err => err.into(),
    })
}

/// Attempts at removing one file's bytes before giving up.
const REMOVE_ATTEMPTS: u32 = 3;

/// Removes the bytes of files whose rows are gone (their delete has committed), a few at a
/// time. A removal that still fails after [`REMOVE_ATTEMPTS`] is logged at ERROR with its
/// path and left: no row points at those bytes any more, so nothing serves or counts them,
/// and the operator removes them from the store by that path.
pub async fn remove_bytes(store: &FileStore, paths: Vec<String>) {
    futures_util::stream::iter(paths)
        .for_each_concurrent(8, |path| async move {
            for attempt in 1..=REMOVE_ATTEMPTS {
                match store.delete(&path).await {
                    Ok(()) => return,
                    Err(err) if attempt == REMOVE_ATTEMPTS => {
                        tracing::error!(
                            path,
                            error = %err.message,
                            "a deleted file's bytes could not be removed from the store"
                        );
                    }
                    Err(_) => {
                        tokio::time::sleep(Duration::from_millis(200 * 2u64.pow(attempt))).await
                    }
                }
            }
        })
        .await;
}

/// A file's bytes behind a verified link, to be streamed; records the access. NOT_FOUND (with
/// a message for the client) for a bad or expired link, a deleted row, a file its holder may
/// no longer see, or a row whose bytes are missing.
pub struct Download {
    pub filename: String,
    pub mime_type: String,
    pub object: Object,
}

/// What a download link proves: the file, who it was issued to, until when, and the signature.
pub struct Link<'a> {
    pub file_id: Uuid,
    pub holder: Option<Uuid>,
    pub expires: i64,
    pub signature: &'a str,
}

pub async fn download(
    db: &DatabaseConnection,
    store: &FileStore,
    link: Link<'_>,
) -> Result<Download, GraphError> {
    let now = chrono::Utc::now();
    let gone = || GraphError::new(ErrorCode::NotFound, "File not found or link expired");
    let Some(holder) = link.holder else {
        return Err(gone());
    };
    let id = link.file_id;
    if !store.verify_for(
        &FILES,
        id,
        holder,
        link.expires,
        link.signature,
        now.timestamp(),
    ) {
        return Err(gone());
    }
    // The link was issued to a viewer who could see the file then; they must still see it
    // now (still an approved member of its company, and its uploader if it became private).
    let file = holder_scope(db, holder)
        .await?
        .files()
        .filter(files::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or_else(gone)?;
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

/// What a link's holder sees now, as their own request would: their approved memberships'
/// companies, or every company for a platform admin of studios.
async fn holder_scope(db: &DatabaseConnection, holder: Uuid) -> Result<TenantScope, GraphError> {
    let admin_of = studiogate_identity::roles::admin_of(db, holder).await?;
    let companies = if admin_of.iter().any(|d| d == crate::DOMAIN) {
        Companies::All
    } else {
        let approved = MembershipStatus::Approved.as_db();
        let memberships = scope::memberships_of(holder).all(db).await?;
        Companies::Only(
            memberships
                .iter()
                .filter(|m| m.status == approved)
                .map(|m| m.company_id)
                .collect(),
        )
    };
    Ok(TenantScope {
        account_id: holder,
        companies,
    })
}
