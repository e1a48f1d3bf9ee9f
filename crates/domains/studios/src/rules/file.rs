//! What a Studios file may be: 1 byte to 100 MiB, of a type from the allow-list, recognised
//! from its content, with a JSON object of metadata; downloads through links signed for 5
//! minutes. The checks of the bytes are the platform's (`studiogate_platform::storage`).

use std::time::Duration;
use studiogate_graph::GraphError;
use studiogate_platform::{Bucket, Links};

pub const MAX_BYTES: usize = 100 * 1024 * 1024;

/// Studios' bucket: files of a studio live at `studios/<studio>/<file>`.
pub const FILES: Bucket = Bucket {
    name: "studios",
    max_bytes: MAX_BYTES,
    types: &[
        "application/pdf",
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/zip",
        "application/json",
        "text/csv",
        "text/markdown",
        "text/plain",
    ],
    links: Links::Signed { ttl_secs: 300 },
    route: "/files",
};

/// The largest metadata object, serialised.
pub const MAX_METADATA_BYTES: usize = 16 * 1024;

/// A file's metadata: a JSON object (the spec's `metadata?: object`) of at most
/// [`MAX_METADATA_BYTES`]; none is the empty object.
pub fn metadata(value: Option<serde_json::Value>) -> Result<serde_json::Value, GraphError> {
    let value = value.unwrap_or_else(|| serde_json::json!({}));
    if !value.is_object() {
        return Err(GraphError::bad_input(
            "metadata",
            "Metadata must be a JSON object",
        ));
    }
    if value.to_string().len() > MAX_METADATA_BYTES {
        return Err(GraphError::bad_input(
            "metadata",
            "Metadata is limited to 16 KiB of JSON",
        ));
    }
    Ok(value)
}

/// The file settings of a Studios installation.
#[derive(Debug, Clone, Copy)]
pub struct FileSettings {
    /// The most bytes one company's files may take together.
    pub quota_bytes: u64,
    /// Files not downloaded (or, never downloaded, not uploaded) for this long are deleted by
    /// the cleanup job; `None`: never.
    pub idle: Option<Duration>,
    /// How often the cleanup job looks for idle files.
    pub cleanup_every: Duration,
}

impl Default for FileSettings {
    fn default() -> Self {
        Self {
            quota_bytes: DEFAULT_QUOTA_BYTES,
            idle: None,
            cleanup_every: Duration::from_secs(3600),
        }
    }
}

/// 10 GiB per company.
pub const DEFAULT_QUOTA_BYTES: u64 = 10 * 1024 * 1024 * 1024;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn studios_takes_documents_images_and_text_up_to_100_mib() {
        assert_eq!(
            FILES.check(b"%PDF-1.7\n...", None).expect("pdf"),
            "application/pdf"
        );
        assert_eq!(
            FILES.check(b"a,b\n1,2\n", Some("text/csv")).expect("csv"),
            "text/csv"
        );
        let elf = b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00";
        assert!(FILES.check(elf, Some("application/pdf")).is_err());
        assert!(FILES.check(&vec![b'a'; MAX_BYTES], None).is_ok());
        assert!(FILES.check(&vec![b'a'; MAX_BYTES + 1], None).is_err());
    }

    #[test]
    fn metadata_is_an_object_of_at_most_16_kib() {
        assert_eq!(metadata(None).expect("empty"), serde_json::json!({}));
        let tagged = serde_json::json!({ "tags": ["q3"] });
        assert_eq!(metadata(Some(tagged.clone())).expect("object"), tagged);
        for refused in [
            serde_json::json!([1]),
            serde_json::json!("x"),
            serde_json::Value::Null,
        ] {
            let err = metadata(Some(refused)).expect_err("not an object");
            assert_eq!(err.field.as_deref(), Some("metadata"));
        }
        let big = serde_json::json!({ "a": "x".repeat(MAX_METADATA_BYTES) });
        assert!(metadata(Some(big)).is_err());
    }
}
