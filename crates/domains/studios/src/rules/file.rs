//! What a Studios file may be: 1 byte to 100 MiB, of a type from the allow-list, recognised
//! from its content; downloads through links signed for 5 minutes. The checks themselves are
//! the platform's (`studiogate_platform::storage`).

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
}
