//! The bytes of seeded and demo files: small, deterministic, exactly the size the row declares
//! and of its declared type (a PDF with one blank page, a 1x1 PNG, CSV, JSON), so a seeded file
//! downloads, and passes the upload checks, like an uploaded one.

/// `size` bytes of a `mime` file named `name`. Sizes below [`MIN_BYTES`] are raised to it
/// (seeded files are 1 KiB and up).
pub fn bytes(mime: &str, size: usize, name: &str) -> Vec<u8> {
    let size = size.max(MIN_BYTES);
    let out = match mime {
        "application/pdf" => pdf(size, name),
        "image/png" => png(size, name),
        "application/json" => json(size, name),
        _ => csv(size, name),
    };
    debug_assert_eq!(out.len(), size, "{mime}");
    out
}

/// The smallest file every type fits in (the PDF's fixed parts and the name).
pub const MIN_BYTES: usize = 1024;

/// `text` cut or padded with `fill` to exactly `len` bytes (all ASCII).
fn padded(text: &str, len: usize, fill: char) -> String {
    let mut out: String = text
        .chars()
        .filter(|c| c.is_ascii_graphic() || *c == ' ')
        .take(len)
        .collect();
    while out.len() < len {
        out.push(fill);
    }
    out
}

/// A one-page blank PDF; a comment line after the header and spaces in the trailer make up the
/// size (the trailer comes after every offset, so its spaces move none).
fn pdf(size: usize, name: &str) -> Vec<u8> {
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ];
    let build = |comment: usize, spaces: usize| {
        let mut out = format!("%PDF-1.4\n%{}\n", padded(name, comment, ' '));
        let mut offsets = Vec::new();
        for (i, body) in objects.iter().enumerate() {
            offsets.push(out.len());
            out.push_str(&format!("{} 0 obj\n{body}\nendobj\n", i + 1));
        }
        let xref = out.len();
        let count = objects.len() + 1;
        out.push_str(&format!("xref\n0 {count}\n0000000000 65535 f \n"));
        for offset in offsets {
            out.push_str(&format!("{offset:010} 00000 n \n"));
        }
        out.push_str(&format!(
            "trailer\n<< /Size {count} /Root 1 0 R{} >>\nstartxref\n{xref}\n%%EOF\n",
            " ".repeat(spaces)
        ));
        out
    };
    // `startxref` may grow by a digit or more as the comment grows: leave it room.
    let comment = size - build(0, 0).len() - 8;
    let spaces = size - build(comment, 0).len();
    build(comment, spaces).into_bytes()
}

/// A 1x1 grey PNG whose `tEXt` comment makes up the size.
fn png(size: usize, name: &str) -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let start = out.len();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let crc = crc32(&out[start..]);
        out.extend_from_slice(&crc.to_be_bytes());
    }
    // Width 1, height 1, 8-bit greyscale, no interlace.
    let header = [0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0];
    // One scanline (filter 0, one grey pixel) as a zlib stream of one stored block.
    let scanline = [0u8, 0x80];
    let mut idat = vec![0x78, 0x01, 0x01, 0x02, 0x00, 0xfd, 0xff];
    idat.extend_from_slice(&scanline);
    idat.extend_from_slice(&adler32(&scanline).to_be_bytes());
    // Signature, IHDR, tEXt (12 + "Comment\0"), IDAT, IEND.
    let fixed = 8 + (12 + header.len()) + (12 + 8) + (12 + idat.len()) + 12;
    let mut text = b"Comment\0".to_vec();
    text.extend_from_slice(padded(name, size - fixed, ' ').as_bytes());
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    chunk(&mut out, b"IHDR", &header);
    chunk(&mut out, b"tEXt", &text);
    chunk(&mut out, b"IDAT", &idat);
    chunk(&mut out, b"IEND", &[]);
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for byte in data {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for byte in data {
        a = (a + u32::from(*byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    (b << 16) | a
}

/// `{"document": name, "rows": [...], "padding": "..."}`.
fn json(size: usize, name: &str) -> Vec<u8> {
    let head = format!(
        "{{\"document\": \"{}\", \"rows\": [1, 2, 3], \"padding\": \"",
        padded(name, 64, ' ').trim_end().replace(['"', '\\'], "_")
    );
    let tail = "\"}\n";
    format!("{head}{}{tail}", "x".repeat(size - head.len() - tail.len())).into_bytes()
}

/// A header and numbered rows; the last row's note makes up the size.
fn csv(size: usize, name: &str) -> Vec<u8> {
    let name = padded(name, 64, ' ')
        .trim_end()
        .replace([',', '"', '\n'], "_");
    let mut out = String::from("row,document,value,note\n");
    let mut n = 0;
    loop {
        let row = format!("{n},{name},{},seeded\n", n * 7);
        // Room for this row and a last one of at least 64 bytes.
        if out.len() + row.len() + 64 > size {
            break;
        }
        out.push_str(&row);
        n += 1;
    }
    let last = format!("{n},{name},{},", n * 7);
    out.push_str(&last);
    let rest = size - out.len() - 1;
    out.push_str(&"x".repeat(rest));
    out.push('\n');
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::file::FILES;

    #[test]
    fn every_type_has_its_size_and_passes_the_upload_checks() {
        for mime in [
            "application/pdf",
            "image/png",
            "application/json",
            "text/csv",
        ] {
            for size in [1024, 4096, 15 * 1024] {
                let content = bytes(mime, size, "document-01.pdf \"quoted\", long name");
                assert_eq!(content.len(), size, "{mime}");
                assert_eq!(FILES.check(&content, Some(mime)).expect(mime), mime);
                assert_eq!(
                    content,
                    bytes(mime, size, "document-01.pdf \"quoted\", long name")
                );
            }
        }
    }

    #[test]
    fn the_png_checksums_are_right() {
        assert_eq!(crc32(b"IEND"), 0xae42_6082);
        assert_eq!(adler32(b"Wikipedia"), 0x11e6_0398);
    }
}
