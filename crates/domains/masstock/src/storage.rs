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
