//! What a file may be: 1 byte to 100 MiB, of a type from the allow-list, recognised from its
//! content (the client's declared type only chooses between text formats). Client file names
//! are kept for display and never used in storage paths.

use studiogate_graph::GraphError;

pub const MAX_BYTES: usize = 100 * 1024 * 1024;

/// Types recognised by their magic bytes.
const BINARY: [&str; 8] = [
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/zip",
];

pub fn size(bytes: usize) -> Result<(), GraphError> {
    if bytes == 0 {
        return Err(GraphError::bad_input("file", "The file is empty"));
    }
    if bytes > MAX_BYTES {
        return Err(GraphError::bad_input(
            "file",
            "Files are limited to 100 MiB",
        ));
    }
    Ok(())
}

/// The MIME type of `content`, or BAD_USER_INPUT when it is not an allowed kind.
pub fn sniff(content: &[u8], declared: Option<&str>) -> Result<&'static str, GraphError> {
    if let Some(kind) = infer::get(content) {
        let mime = kind.mime_type();
        return BINARY.iter().find(|m| **m == mime).copied().ok_or_else(|| {
            GraphError::bad_input("file", format!("Files of type {mime} are not allowed"))
        });
    }
    // Text is UTF-8 without control characters other than tabs and line breaks.
    let text = std::str::from_utf8(content)
        .ok()
        .filter(|t| {
            !t.chars()
                .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{c}'))
        })
        .ok_or_else(|| {
            GraphError::bad_input("file", "The file's type is not recognised or not allowed")
        })?;
    if serde_json::from_str::<serde_json::Value>(text).is_ok() {
        return Ok("application/json");
    }
    Ok(match declared {
        Some(d) if d.starts_with("text/csv") => "text/csv",
        Some(d) if d.starts_with("text/markdown") => "text/markdown",
        _ => "text/plain",
    })
}

/// The display name: the last path component, 1-255 characters.
pub fn filename(raw: &str) -> Result<String, GraphError> {
    let name = raw.rsplit(['/', '\\']).next().unwrap_or("").trim();
    let clean: String = name.chars().filter(|c| !c.is_control()).collect();
    if clean.is_empty() || clean.chars().count() > 255 {
        return Err(GraphError::bad_input(
            "file",
            "The file name must be 1-255 characters",
        ));
    }
    Ok(clean)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_decides_the_type() {
        assert_eq!(
            sniff(b"%PDF-1.7\n...", Some("text/plain")).expect("pdf"),
            "application/pdf"
        );
        assert_eq!(
            sniff(b"\x89PNG\r\n\x1a\n....", None).expect("png"),
            "image/png"
        );
        assert_eq!(
            sniff(br#"{"a": 1}"#, Some("text/plain")).expect("json"),
            "application/json"
        );
        assert_eq!(
            sniff(b"a,b\n1,2\n", Some("text/csv")).expect("csv"),
            "text/csv"
        );
        // An executable claiming to be a PDF is refused.
        assert!(sniff(
            b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00",
            Some("application/pdf")
        )
        .is_err());
        assert!(sniff(&[0xff, 0xfe, 0x00, 0x81], None).is_err());
    }

    #[test]
    fn names_lose_their_paths_and_sizes_are_bounded() {
        assert_eq!(filename("../../etc/passwd").expect("name"), "passwd");
        assert_eq!(filename("C:\\reports\\q3.pdf").expect("name"), "q3.pdf");
        assert!(filename("dir/").is_err());
        assert!(size(0).is_err());
        assert!(size(MAX_BYTES).is_ok());
        assert!(size(MAX_BYTES + 1).is_err());
    }
}
