//! The domain's route beside /graphql: an asset's bytes behind a signed, short-lived link
//! (see `KairoAsset.downloadUrl`), streamed from the store with their length.

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use studiogate_graph::ErrorCode;
use studiogate_platform::FileStore;

#[derive(Clone)]
struct Assets {
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
        .route("/kairo/assets/{id}", get(download))
        .with_state(Assets { db, store })
}

async fn download(
    State(assets): State<Assets>,
    Path(id): Path<uuid::Uuid>,
    Query(link): Query<LinkParams>,
) -> Response {
    let found = crate::services::asset::download(
        &assets.db,
        &assets.store,
        id,
        link.expires,
        &link.signature,
    )
    .await;
    match found {
        Ok(asset) => (
            [
                (header::CONTENT_TYPE, asset.mime_type),
                (header::CONTENT_LENGTH, asset.object.size.to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{}\"", header_safe(&asset.filename)),
                ),
                (header::CACHE_CONTROL, "private, no-store".to_owned()),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            ],
            Body::from_stream(asset.object.content.into_stream()),
        )
            .into_response(),
        Err(err) if err.code == ErrorCode::NotFound => {
            (StatusCode::NOT_FOUND, err.message).into_response()
        }
        Err(err) => {
            tracing::error!(error = ?err, "serving an asset download");
            (StatusCode::INTERNAL_SERVER_ERROR, "Internal server error").into_response()
        }
    }
}

/// A file name as a quoted header parameter: anything but plain characters becomes `_`.
fn header_safe(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_ ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_cannot_break_out_of_the_header() {
        assert_eq!(header_safe("model \"v2\".glb"), "model _v2_.glb");
        assert_eq!(header_safe("a\r\nb;c.png"), "a__b_c.png");
    }
}
