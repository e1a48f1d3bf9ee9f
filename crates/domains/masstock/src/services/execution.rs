//! Starting executions: a member of the workflow's client runs it with one prompt per batch
//! result. The API key is sealed at once (bound to the execution's id) and kept out of
//! `input_data`, so no read of the input, event or error can return it. Reference images
//! arrive as uploads and go to the `workflow-inputs` bucket; `input_data` names them by id.

use sea_orm::{ActiveModelTrait, ColumnTrait, QueryFilter, Set};
use studiogate_entities_masstock::{
    masstock_workflow_batch_results as batch_results, masstock_workflow_executions as executions,
    masstock_workflows as workflows,
};
use studiogate_graph::{BeginWrite, GraphError};
use uuid::Uuid;

use super::{member_of, now};
use crate::context::MasstockCtx;
use crate::enums::{RunStatus, WorkflowStatus};
use crate::error::MasstockError;
use crate::events::{publish, MasstockEvent};
use crate::rules::input::{self, RunConfig};
use crate::storage::{read_image, Image, INPUTS, MAX_REFERENCE_IMAGES};

pub struct Start {
    pub workflow_id: Uuid,
    pub prompts: Vec<String>,
    pub api_key: Option<String>,
    pub reference_images: Vec<Image>,
}

/// Checks and stores the reference images in the `workflow-inputs` bucket; on failure none
/// stays stored. Returns their `input_data` entries and paths.
async fn store_references(
    ctx: &MasstockCtx,
    images: Vec<Image>,
    config: &RunConfig,
) -> Result<(Vec<serde_json::Value>, Vec<String>), MasstockError> {
    if !images.is_empty() && !config.supports_reference_images {
        return Err(MasstockError::invalid(
            "referenceImages",
            "REFERENCE_IMAGES_NOT_SUPPORTED",
            "This workflow takes no reference images",
        ));
    }
    if images.len() > MAX_REFERENCE_IMAGES {
        return Err(MasstockError::invalid(
            "referenceImages",
            "TOO_MANY_REFERENCE_IMAGES",
            format!("At most {MAX_REFERENCE_IMAGES} reference images"),
        ));
    }
    let mut checked = Vec::with_capacity(images.len());
    for image in images {
        let (bytes, mime) = read_image(&INPUTS, image)
            .await
            .map_err(|e| e.with_field("referenceImages").with_reason("INVALID_IMAGE"))?;
        checked.push((bytes, mime));
    }
    let (mut entries, mut paths) = (Vec::new(), Vec::new());
    for (bytes, mime) in checked {
        let id = Uuid::new_v4();
        let path = INPUTS.path(&[&id]);
        let size = bytes.len();
        if let Err(err) = ctx.files.put(&path, bytes).await {
            forget(ctx, &paths).await;
            return Err(err.into());
        }
        entries.push(serde_json::json!({ "id": id, "type": mime, "size": size }));
        paths.push(path);
    }
    Ok((entries, paths))
}

/// Removes stored objects of a start that did not happen.
async fn forget(ctx: &MasstockCtx, paths: &[String]) {
    for path in paths {
        if let Err(err) = ctx.files.delete(path).await {
            tracing::warn!(path, error = ?err, "removing a reference image of a failed start");
        }
    }
}

pub async fn start(ctx: &MasstockCtx, start: Start) -> Result<executions::Model, MasstockError> {
    let account = ctx.account_id()?;
    let workflow = ctx
        .member_scope()
        .await?
        .workflows()
        .filter(workflows::Column::Id.eq(start.workflow_id))
        .one(&ctx.db)
        .await?
        .ok_or_else(|| GraphError::not_found("MasstockWorkflow").with_field("workflowId"))?;
    let client_id = workflow
        .client_id
        .ok_or_else(|| GraphError::not_found("MasstockWorkflow").with_field("workflowId"))?;
    member_of(ctx, client_id).await?;
    if workflow.status != WorkflowStatus::Active.as_db() {
        return Err(MasstockError::invalid(
            "workflowId",
            "WORKFLOW_INACTIVE",
            "This workflow is inactive",
        ));
    }
    let config = RunConfig::of(&workflow.config);
    let prompts = input::prompts(&start.prompts, &config)?;
    let api_key = input::api_key(start.api_key.as_deref(), &config)?;
    let (references, paths) = store_references(ctx, start.reference_images, &config).await?;
    let written = insert(
        ctx, &workflow, client_id, account, prompts, api_key, references,
    )
    .await;
    match written {
        Ok(row) => {
            publish(&ctx.events, [MasstockEvent::execution(&row)]).await;
            Ok(row)
        }
        Err(err) => {
            forget(ctx, &paths).await;
            Err(err)
        }
    }
}

/// The execution and one pending result per prompt, in one transaction.
async fn insert(
    ctx: &MasstockCtx,
    workflow: &workflows::Model,
    client_id: Uuid,
    account: Uuid,
    prompts: Vec<String>,
    api_key: Option<String>,
    references: Vec<serde_json::Value>,
) -> Result<executions::Model, MasstockError> {
    let id = Uuid::new_v4();
    let at = now();
    let txn = ctx.db.begin_write().await?;
    let row = executions::ActiveModel {
        id: Set(id),
        workflow_id: Set(workflow.id),
        client_id: Set(client_id),
        triggered_by_user_id: Set(Some(account)),
        status: Set(RunStatus::Pending.as_db().to_owned()),
        input_data: Set(serde_json::json!({ "prompts": prompts, "reference_images": references })),
        output_data: Set(None),
        api_key_ciphertext: Set(api_key.map(|key| ctx.keys.seal(&key, id))),
        started_at: Set(None),
        completed_at: Set(None),
        duration_seconds: Set(None),
        error_message: Set(None),
        lease_expires_at: Set(None),
        claimed_by: Set(None),
        retry_count: Set(0),
        created_at: Set(at),
    }
    .insert(&txn)
    .await?;
    for (index, prompt) in prompts.into_iter().enumerate() {
        batch_results::ActiveModel {
            id: Set(Uuid::new_v4()),
            execution_id: Set(id),
            batch_index: Set(index as i32),
            prompt_text: Set(prompt),
            status: Set(RunStatus::Pending.as_db().to_owned()),
            result_url: Set(None),
            result_storage_path: Set(None),
            error_message: Set(None),
            processing_time_ms: Set(None),
            created_at: Set(at),
            completed_at: Set(None),
        }
        .insert(&txn)
        .await?;
    }
    txn.commit().await?;
    Ok(row)
}
