use async_graphql::{Context, InputObject, Json, Object, SimpleObject, Upload};
use studiogate_graph::error::GraphResult;
use studiogate_graph::GraphError;
use uuid::Uuid;

use crate::context::writer;
use crate::enums::AccessLevel;
use crate::objects::File;
use crate::rules::file::FileSettings;
use crate::services::file::{self, FileChanges};

#[derive(Default)]
pub struct FileMutation;

/// A file for a studio, sent as a GraphQL multipart request.
#[derive(InputObject)]
pub struct UploadFileInput {
    pub studio_id: Uuid,
    /// 1 byte to 100 MiB; its type is recognised from the content. The company's files
    /// together stay within its storage quota (over it: BAD_USER_INPUT, reason
    /// `QUOTA_EXCEEDED`, and nothing is stored).
    pub file: Upload,
    #[graphql(default_with = "AccessLevel::Studio")]
    pub access_level: AccessLevel,
    /// A JSON object of at most 16 KiB; none is `{}`.
    pub metadata: Option<Json<serde_json::Value>>,
}

/// Changes to a file; fields left out stay as they are.
#[derive(InputObject)]
pub struct UpdateFileInput {
    pub id: Uuid,
    /// Who may see the file from now on; download links already handed out follow it.
    pub access_level: Option<AccessLevel>,
    /// Replaces the metadata: a JSON object of at most 16 KiB.
    pub metadata: Option<Json<serde_json::Value>>,
}

/// A file by id.
#[derive(InputObject)]
pub struct DeleteFileInput {
    pub id: Uuid,
}

/// The stored file.
#[derive(SimpleObject)]
pub struct FilePayload {
    pub file: File,
}

/// What was deleted.
#[derive(SimpleObject)]
pub struct DeleteFilePayload {
    pub deleted_file_id: Uuid,
}

#[Object]
impl FileMutation {
    /// Uploads a file to a studio.
    async fn upload_file(
        &self,
        ctx: &Context<'_>,
        input: UploadFileInput,
    ) -> GraphResult<FilePayload> {
        let upload = input.file.value(ctx)?;
        let settings = ctx.data_unchecked::<FileSettings>();
        let row = file::upload(
            writer(ctx),
            settings.quota_bytes,
            input.studio_id,
            upload,
            input.access_level,
            input.metadata.map(|j| j.0),
        )
        .await
        .map_err(GraphError::from)?;
        Ok(FilePayload {
            file: File::from(row),
        })
    }

    /// Changes a file's access level or metadata (its uploader or a company admin; anyone else
    /// FORBIDDEN).
    async fn update_file(
        &self,
        ctx: &Context<'_>,
        input: UpdateFileInput,
    ) -> GraphResult<FilePayload> {
        let changes = FileChanges {
            access_level: input.access_level,
            metadata: input.metadata.map(|j| j.0),
        };
        let row = file::update(writer(ctx), input.id, changes)
            .await
            .map_err(GraphError::from)?;
        Ok(FilePayload {
            file: File::from(row),
        })
    }

    /// Deletes a file and its bytes (its uploader or a company admin; anyone else FORBIDDEN).
    async fn delete_file(
        &self,
        ctx: &Context<'_>,
        input: DeleteFileInput,
    ) -> GraphResult<DeleteFilePayload> {
        let id = file::delete(writer(ctx), input.id)
            .await
            .map_err(GraphError::from)?;
        Ok(DeleteFilePayload {
            deleted_file_id: id,
        })
    }
}
