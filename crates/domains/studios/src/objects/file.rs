use async_graphql::resolver_utils::enum_value;
use async_graphql::{Context, Json, Object, ScalarType, Value};
use chrono::{DateTime, Utc};
use std::sync::Arc;
use studiogate_entities_studios::files;
use studiogate_graph::error::GraphResult;
use studiogate_graph::plain::{Plain, PlainField, Plan};
use studiogate_graph::GraphError;
use uuid::Uuid;

use super::{utc, Studio, User};
use crate::enums::AccessLevel;
use crate::loader::loaders;

/// A file uploaded to a studio. Private files are visible to their uploader only.
pub struct File(pub Arc<files::Model>);

impl From<files::Model> for File {
    fn from(row: files::Model) -> Self {
        Self(Arc::new(row))
    }
}

/// The fields below that read the row alone, answered as their resolvers answer them.
impl Plain for File {
    fn field(name: &str) -> Option<PlainField> {
        matches!(
            name,
            "id" | "filename"
                | "fileSize"
                | "mimeType"
                | "accessLevel"
                | "uploadedAt"
                | "lastAccessedAt"
        )
        .then_some(PlainField::Leaf)
    }

    fn value(&self, name: &str, _: Option<&Plan>) -> Option<Value> {
        let f = &self.0;
        Some(match name {
            "id" => f.id.to_value(),
            "filename" => Value::String(f.filename.clone()),
            "fileSize" => f.file_size.to_value(),
            "mimeType" => Value::String(f.mime_type.clone()),
            "accessLevel" => enum_value(AccessLevel::from_db(&f.access_level).ok()?),
            "uploadedAt" => utc(f.upload_timestamp).to_value(),
            "lastAccessedAt" => f.last_accessed.map_or(Value::Null, |at| utc(at).to_value()),
            _ => return None,
        })
    }
}

/// A file uploaded to a studio. Private files are visible to their uploader only.
#[Object]
impl File {
    /// File id.
    async fn id(&self) -> Uuid {
        self.0.id
    }

    /// The name the file was uploaded with.
    async fn filename(&self) -> &str {
        &self.0.filename
    }

    /// Size in bytes.
    async fn file_size(&self) -> i32 {
        self.0.file_size
    }

    /// MIME type, checked against the content at upload.
    async fn mime_type(&self) -> &str {
        &self.0.mime_type
    }

    /// Who may see the file (`STUDIO` and `COMPANY` alike: the approved members of its company).
    async fn access_level(&self) -> GraphResult<AccessLevel> {
        Ok(AccessLevel::from_db(&self.0.access_level)?)
    }

    /// When the upload completed.
    async fn uploaded_at(&self) -> DateTime<Utc> {
        utc(self.0.upload_timestamp)
    }

    /// When the file was last downloaded.
    async fn last_accessed_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_accessed.map(utc)
    }

    /// A link to download the bytes (a relative URL on this server), issued to the viewer:
    /// it works for 5 minutes, and only while the viewer may still see the file (an approved
    /// member of its company; its uploader, once it is private).
    async fn download_url(&self, ctx: &Context<'_>) -> GraphResult<String> {
        let studios = crate::context::studios_ctx(ctx);
        Ok(studios.files.link_for(
            &crate::rules::file::FILES,
            self.0.id,
            studios.account_id()?,
            chrono::Utc::now().timestamp(),
        ))
    }

    /// Free-form metadata.
    async fn metadata(&self) -> Json<serde_json::Value> {
        Json(self.0.metadata.clone())
    }

    /// The studio the file belongs to.
    async fn studio(&self, ctx: &Context<'_>) -> GraphResult<Studio> {
        loaders(ctx)
            .studio
            .load_one(self.0.studio_id)
            .await?
            .map(Studio)
            .ok_or_else(|| GraphError::not_found("Studio").into())
    }

    /// Executions that used this file, newest first (at most `first`, 1-100, default 20).
    async fn used_by(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
    ) -> GraphResult<Vec<super::execution::FileExecution>> {
        let limit = studiogate_graph::PageArgs::parse(first, None, None)?.first as usize;
        let usages = loaders(ctx).usages_by_file.load_one(self.0.id).await?;
        usages
            .unwrap_or_default()
            .into_iter()
            .take(limit)
            .map(|(execution, usage)| {
                Ok(super::execution::FileExecution {
                    usage_type: crate::enums::FileUsageType::from_db(&usage)?,
                    execution: super::WorkflowExecution::from(execution),
                })
            })
            .collect()
    }

    /// Who uploaded the file.
    async fn uploaded_by(&self, ctx: &Context<'_>) -> GraphResult<Option<User>> {
        Ok(loaders(ctx)
            .profile
            .load_one(self.0.uploaded_by)
            .await?
            .map(User))
    }
}
