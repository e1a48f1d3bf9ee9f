//! The `workflow-results` bucket. The spec calls it public and also restricts it to the
//! client's members and admins; a result's link is signed and valid for an hour for whoever
//! holds it (what the GraphQL field hands out only to those who may see the result), so a link
//! works in an `<img>` tag, expires, and cannot be guessed.

use studiogate_platform::storage::{Bucket, Links};

/// 10 MB of PNG, JPEG or WebP, under `workflow-results/{execution_id}/{batch_index}_{unix
/// seconds}.{ext}`.
pub const RESULTS: Bucket = Bucket {
    name: "workflow-results",
    max_bytes: 10 * 1024 * 1024,
    types: &["image/png", "image/jpeg", "image/webp"],
    links: Links::Signed { ttl_secs: 3_600 },
    route: "/masstock/results",
};

/// The file extension of an accepted type.
pub fn extension(mime: &str) -> &'static str {
    match mime {
        "image/jpeg" => "jpg",
        "image/webp" => "webp",
        _ => "png",
    }
}

/// Reference images an execution is started with (uploads, never base64 in JSON): the same
/// limits as results, under `workflow-inputs/{image id}`, linked for the runner (and the
/// client's members) for an hour.
pub const INPUTS: Bucket = Bucket {
    name: "workflow-inputs",
    max_bytes: 10 * 1024 * 1024,
    types: &["image/png", "image/jpeg", "image/webp"],
    links: Links::Signed { ttl_secs: 3_600 },
    route: "/masstock/inputs",
};

/// Most reference images one execution takes.
pub const MAX_REFERENCE_IMAGES: usize = 10;

/// An uploaded image: its temporary file and the type the client declared.
pub struct Image {
    pub file: std::fs::File,
    pub content_type: Option<String>,
}

/// Checks an image against `bucket` (size, type recognised from the content) and reads it,
/// at most 10 MB, on the blocking pool.
pub async fn read_image(
    bucket: &'static Bucket,
    image: Image,
) -> Result<(bytes::Bytes, &'static str), studiogate_graph::GraphError> {
    use std::io::Read;
    use studiogate_graph::GraphError;
    studiogate_platform::storage::blocking(move || {
        let Image {
            mut file,
            content_type,
        } = image;
        let (mime, _) = bucket.check_file(&mut file, content_type.as_deref())?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)
            .map_err(|e| GraphError::internal(&e))?;
        Ok((bytes::Bytes::from(bytes), mime))
    })
    .await
}

/// The ids of an execution's reference images, from its `input_data`.
pub fn reference_ids(input: &serde_json::Value) -> Vec<uuid::Uuid> {
    input["reference_images"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["id"].as_str()?.parse().ok())
        .collect()
}
