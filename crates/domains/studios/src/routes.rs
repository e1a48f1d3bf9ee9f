//! The domain's route beside /graphql: a file's bytes behind a signed, short-lived link issued
//! to one viewer (see `File.downloadUrl`), served only while that viewer may still see the file,
//! streamed from the store with their length.

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
struct Files {
    db: DatabaseConnection,
    store: Arc<FileStore>,
}

#[derive(serde::Deserialize)]
struct LinkParams {
    expires: i64,
    /// Who the link was issued to; links without one are refused.
    holder: Option<uuid::Uuid>,
    signature: String,
}

pub fn routes(db: DatabaseConnection, store: Arc<FileStore>) -> Router {
    Router::new()
        .route("/files/{id}", get(download))
        .with_state(Files { db, store })
}

async fn download(
    State(files): State<Files>,
    Path(id): Path<uuid::Uuid>,
    Query(link): Query<LinkParams>,
) -> Response {
    let link = crate::services::file::Link {
        file_id: id,
        holder: link.holder,
        expires: link.expires,
        signature: &link.signature,
    };
    match crate::services::file::download(&files.db, &files.store, link).await {
        // Streamed as the client reads it: a download holds a chunk, not the file.
        Ok(file) => (
            [
                (header::CONTENT_TYPE, file.mime_type),
                (header::CONTENT_LENGTH, file.object.size.to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{}\"", header_safe(&file.filename)),
                ),
                (header::CACHE_CONTROL, "private, no-store".to_owned()),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            ],
            Body::from_stream(file.object.content.into_stream()),
        )
            .into_response(),
        Err(err) if err.code == ErrorCode::NotFound => {
            (StatusCode::NOT_FOUND, err.message).into_response()
        }
        Err(err) => {
            tracing::error!(error = ?err, "serving a file download");
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
        assert_eq!(header_safe("report \"q1\".pdf"), "report _q1_.pdf");
        assert_eq!(header_safe("a\r\nb;c.png"), "a__b_c.png");
    }
}
