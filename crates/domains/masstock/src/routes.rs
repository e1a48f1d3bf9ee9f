//! The domain's routes beside /graphql: a result image behind its signed, hour-long link (see
//! `MasstockBatchResult.resultUrl`), streamed from the store, and a reference image behind
//! its link (`MasstockWorkflowExecution.referenceImageUrls`).

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use studiogate_entities_masstock::scope;
use studiogate_graph::{ErrorCode, GraphError};
use studiogate_platform::storage::Object;
use studiogate_platform::FileStore;
use uuid::Uuid;

use crate::storage::{INPUTS, RESULTS};

#[derive(Clone)]
struct Results {
    db: DatabaseConnection,
    store: Arc<FileStore>,
}

#[derive(serde::Deserialize)]
struct LinkParams {
    expires: i64,
    signature: String,
}

pub fn routes(db: DatabaseConnection, store: Arc<FileStore>) -> Router {
    Router::new()
        .route("/masstock/results/{id}", get(download))
        .route("/masstock/inputs/{id}", get(reference))
        .with_state(Results { db, store })
}

/// The image and its type, or NOT_FOUND for a bad or expired link or a missing image.
async fn image(
    results: &Results,
    id: Uuid,
    link: &LinkParams,
) -> Result<(Object, String), GraphError> {
    let gone = || GraphError::new(ErrorCode::NotFound, "Result not found or link expired");
    let now = chrono::Utc::now().timestamp();
    if !results
        .store
        .verify(&RESULTS, id, link.expires, &link.signature, now)
    {
        return Err(gone());
    }
    let row = scope::signed_result(id)
        .one(&results.db)
        .await?
        .ok_or_else(gone)?;
    let path = row.result_storage_path.ok_or_else(gone)?;
    let mime = match path.rsplit('.').next() {
        Some("jpg") => "image/jpeg",
        Some("webp") => "image/webp",
        _ => "image/png",
    };
    Ok((results.store.get(&path).await?, mime.to_owned()))
}

async fn download(
    State(results): State<Results>,
    Path(id): Path<Uuid>,
    Query(link): Query<LinkParams>,
) -> Response {
    match image(&results, id, &link).await {
        Ok((object, mime)) => (
            [
                (header::CONTENT_TYPE, mime),
                (header::CONTENT_LENGTH, object.size.to_string()),
                (header::CACHE_CONTROL, "private, max-age=3600".to_owned()),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            ],
            Body::from_stream(object.content.into_stream()),
        )
            .into_response(),
        Err(err) if err.code == ErrorCode::NotFound => {
            (StatusCode::NOT_FOUND, err.message).into_response()
        }
        Err(err) => {
            tracing::error!(error = ?err, "serving a masstock result");
            (StatusCode::INTERNAL_SERVER_ERROR, "Internal server error").into_response()
        }
    }
}

/// A reference image's bytes (10 MB at most) and their type, recognised from the content.
async fn reference_image(
    results: &Results,
    id: Uuid,
    link: &LinkParams,
) -> Result<(bytes::Bytes, &'static str), GraphError> {
    let gone = || GraphError::new(ErrorCode::NotFound, "Image not found or link expired");
    let now = chrono::Utc::now().timestamp();
    if !results
        .store
        .verify(&INPUTS, id, link.expires, &link.signature, now)
    {
        return Err(gone());
    }
    // The signature covers the id, and the id is the object's name.
    let path = INPUTS.path(&[&id]);
    let object = results.store.get(&path).await?;
    let mut stream = object.content.into_stream();
    let mut bytes = Vec::with_capacity(object.size as usize);
    while let Some(chunk) = futures_util::StreamExt::next(&mut stream).await {
        bytes.extend_from_slice(&chunk.map_err(|e| GraphError::internal(&e))?);
    }
    let mime = studiogate_platform::storage::sniff(&bytes, None)?;
    Ok((bytes::Bytes::from(bytes), mime))
}

async fn reference(
    State(results): State<Results>,
    Path(id): Path<Uuid>,
    Query(link): Query<LinkParams>,
) -> Response {
    match reference_image(&results, id, &link).await {
        Ok((bytes, mime)) => (
            [
                (header::CONTENT_TYPE, mime.to_owned()),
                (header::CACHE_CONTROL, "private, max-age=3600".to_owned()),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            ],
            Body::from(bytes),
        )
            .into_response(),
        Err(err) if err.code == ErrorCode::NotFound => {
            (StatusCode::NOT_FOUND, err.message).into_response()
        }
        Err(err) => {
            tracing::error!(error = ?err, "serving a masstock reference image");
            (StatusCode::INTERNAL_SERVER_ERROR, "Internal server error").into_response()
        }
    }
}
