//! File bytes live in an object store (a local folder by default, S3-compatible by
//! configuration), under paths the domain chooses inside its bucket (`<bucket>/...`), never
//! from a client's file name. A [`Bucket`] carries a domain's rules: the largest file, the
//! types it accepts (recognised from the content; a client's declared type only chooses
//! between text formats) and how its files are linked: through short-lived links signed with
//! HMAC-SHA256, or public.
//!
//! Bytes are never held whole: a file is checked by reading it in chunks ([`Bucket::check_file`],
//! on a blocking thread), written in parts ([`ObjectWriter`]) and read as a stream
//! ([`FileStore::get`]), so memory per transfer stays at a few parts however big the file.

use bytes::Bytes;
use hmac::{Hmac, Mac};
use object_store::local::LocalFileSystem;
use object_store::path::Path as StorePath;
use object_store::{GetResult, ObjectStore, PutPayload, WriteMultipart};
use sha2::Sha256;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::sync::Arc;
use studiogate_graph::GraphError;
use uuid::Uuid;

/// How a bucket's files are reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Links {
    /// A link that works until `ttl_secs` after it was made, for any holder.
    Signed { ttl_secs: i64 },
    /// A plain link that always works.
    Public,
}

/// A domain's bucket: where its files go and what they may be.
#[derive(Debug)]
pub struct Bucket {
    /// The first path segment of every file in it; also part of every link's signature.
    pub name: &'static str,
    pub max_bytes: usize,
    /// The MIME types it accepts, as [`sniff`] names them.
    pub types: &'static [&'static str],
    pub links: Links,
    /// Where the domain serves the bytes (`/files` gives `/files/<id>?...`).
    pub route: &'static str,
}

/// Types recognised by their magic bytes; anything else must be text.
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

/// Bytes the type is recognised from. infer's deepest look (Office documents, whose ZIP parts it
/// scans for up to three times 6,000 bytes past the first headers) stays well inside.
const SNIFF_BYTES: u64 = 64 * 1024;

/// Bytes read at a time when checking that a file is text.
const TEXT_CHUNK: usize = 64 * 1024;

impl Bucket {
    /// The storage path of `parts` inside this bucket.
    pub fn path(&self, parts: &[&dyn std::fmt::Display]) -> String {
        parts.iter().fold(self.name.to_owned(), |mut path, part| {
            path.push('/');
            path.push_str(&part.to_string());
            path
        })
    }

    /// The file's MIME type, or BAD_USER_INPUT (on `file`) when it is empty, too big, or of a
    /// type this bucket does not take.
    pub fn check(
        &self,
        content: &[u8],
        declared: Option<&str>,
    ) -> Result<&'static str, GraphError> {
        self.check_file(&mut std::io::Cursor::new(content), declared)
            .map(|(mime, _)| mime)
    }

    /// [`Bucket::check`] for a file read in chunks (an upload's temporary file): its MIME type
    /// and size. Blocking; the reader is left at its start.
    pub fn check_file<R: Read + Seek>(
        &self,
        file: &mut R,
        declared: Option<&str>,
    ) -> Result<(&'static str, u64), GraphError> {
        let size = file.seek(SeekFrom::End(0)).map_err(io)?;
        if size == 0 {
            return Err(GraphError::bad_input("file", "The file is empty"));
        }
        if size > self.max_bytes as u64 {
            return Err(GraphError::bad_input(
                "file",
                format!("Files are limited to {}", human(self.max_bytes)),
            ));
        }
        let mime = sniff_file(file, declared)?;
        if !self.types.contains(&mime) {
            return Err(GraphError::bad_input(
                "file",
                format!("Files of type {mime} are not allowed here"),
            ));
        }
        Ok((mime, size))
    }
}

fn io(err: std::io::Error) -> GraphError {
    GraphError::internal(&err)
}

/// The answer for a path with no object behind it.
fn missing(path: &str) -> GraphError {
    tracing::warn!(path, "a file has no object in the store");
    GraphError::not_found("File content")
}

fn human(bytes: usize) -> String {
    match bytes {
        b if b % (1024 * 1024) == 0 => format!("{} MiB", b / (1024 * 1024)),
        b if b % 1024 == 0 => format!("{} KiB", b / 1024),
        b => format!("{b} bytes"),
    }
}

/// The MIME type of `content`: recognised by its magic bytes, or a text format (JSON, or what
/// the client declared among CSV and Markdown, else plain text). Unknown binaries are refused.
pub fn sniff(content: &[u8], declared: Option<&str>) -> Result<&'static str, GraphError> {
    sniff_file(&mut std::io::Cursor::new(content), declared)
}

/// [`sniff`] for a file read in chunks: the magic bytes from its first [`SNIFF_BYTES`], the text
/// checks over all of it. Blocking; the reader is left at its start.
pub fn sniff_file<R: Read + Seek>(
    file: &mut R,
    declared: Option<&str>,
) -> Result<&'static str, GraphError> {
    file.seek(SeekFrom::Start(0)).map_err(io)?;
    let mut head = Vec::new();
    file.by_ref()
        .take(SNIFF_BYTES)
        .read_to_end(&mut head)
        .map_err(io)?;
    file.seek(SeekFrom::Start(0)).map_err(io)?;
    if let Some(kind) = infer::get(&head) {
        let mime = kind.mime_type();
        return BINARY.iter().find(|m| **m == mime).copied().ok_or_else(|| {
            GraphError::bad_input("file", format!("Files of type {mime} are not allowed"))
        });
    }
    let text = is_text(file).map_err(io)?;
    file.seek(SeekFrom::Start(0)).map_err(io)?;
    if !text {
        return Err(GraphError::bad_input(
            "file",
            "The file's type is not recognised or not allowed",
        ));
    }
    let json =
        serde_json::from_reader::<_, serde::de::IgnoredAny>(BufReader::new(&mut *file)).is_ok();
    file.seek(SeekFrom::Start(0)).map_err(io)?;
    if json {
        return Ok("application/json");
    }
    Ok(match declared {
        Some(d) if d.starts_with("text/csv") => "text/csv",
        Some(d) if d.starts_with("text/markdown") => "text/markdown",
        _ => "text/plain",
    })
}

/// Media recognised by [`sniff_media`] beyond [`sniff`]'s types: videos by their magic bytes,
/// and binary glTF 3D models (`glTF` magic).
pub const MEDIA: [&str; 4] = [
    "video/mp4",
    "video/webm",
    "video/quicktime",
    "model/gltf-binary",
];

/// [`sniff_file`] that also recognises the [`MEDIA`] types, for buckets of 3D models and
/// videos. Blocking; the reader is left at its start.
pub fn sniff_media<R: Read + Seek>(
    file: &mut R,
    declared: Option<&str>,
) -> Result<&'static str, GraphError> {
    file.seek(SeekFrom::Start(0)).map_err(io)?;
    let mut head = Vec::new();
    file.by_ref().take(64).read_to_end(&mut head).map_err(io)?;
    file.seek(SeekFrom::Start(0)).map_err(io)?;
    if head.starts_with(b"glTF") {
        return Ok("model/gltf-binary");
    }
    if let Some(mime) = infer::get(&head).map(|k| k.mime_type()) {
        if let Some(found) = MEDIA.iter().find(|m| **m == mime) {
            return Ok(*found);
        }
    }
    sniff_file(file, declared)
}

/// Whether all of `file` is UTF-8 without control characters other than tabs, line breaks and
/// form feeds, read a chunk at a time (a character split between chunks is carried over).
fn is_text(file: &mut impl Read) -> std::io::Result<bool> {
    let mut buf = vec![0u8; TEXT_CHUNK];
    let mut carried = 0;
    loop {
        let read = file.read(&mut buf[carried..])?;
        if read == 0 {
            return Ok(carried == 0);
        }
        let filled = carried + read;
        let valid = match std::str::from_utf8(&buf[..filled]) {
            Ok(text) => text,
            // Cut inside a character: the rest comes with the next chunk.
            Err(e) if e.error_len().is_none() => {
                match std::str::from_utf8(&buf[..e.valid_up_to()]) {
                    Ok(text) => text,
                    Err(_) => return Ok(false),
                }
            }
            Err(_) => return Ok(false),
        };
        if valid
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{c}'))
        {
            return Ok(false);
        }
        let done = valid.len();
        buf.copy_within(done..filled, 0);
        carried = filled - done;
    }
}

/// A client's file name, for display only: the last path component, 1-255 characters, no
/// control characters.
pub fn display_name(raw: &str) -> Result<String, GraphError> {
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

/// Bytes of one part of a multipart write: S3's smallest part, so memory per upload stays at
/// about [`PARTS_IN_FLIGHT`] + 1 parts.
const PART_BYTES: usize = 5 * 1024 * 1024;

/// Parts of one upload sent at once.
const PARTS_IN_FLIGHT: usize = 2;

/// An object found in the store: its size, and its bytes to be read as the client takes them
/// (`content.into_stream()`).
pub struct Object {
    pub size: u64,
    pub content: GetResult,
}

/// An object being written in parts (an S3 multipart upload; a staging file locally): nothing
/// is at the path before [`ObjectWriter::finish`], and a writer dropped or aborted before it
/// leaves nothing there.
pub struct ObjectWriter {
    parts: WriteMultipart,
}

impl ObjectWriter {
    /// Adds `chunk`, waiting while [`PARTS_IN_FLIGHT`] parts are being sent.
    pub async fn write(&mut self, chunk: Bytes) -> Result<(), GraphError> {
        self.parts
            .wait_for_capacity(PARTS_IN_FLIGHT)
            .await
            .map_err(|e| GraphError::internal(&e))?;
        self.parts.put(chunk);
        Ok(())
    }

    /// Sends the last part and makes the object visible at its path.
    pub async fn finish(self) -> Result<(), GraphError> {
        self.parts
            .finish()
            .await
            .map(|_| ())
            .map_err(|e| GraphError::internal(&e))
    }

    /// Gives up the write and removes the parts sent so far.
    pub async fn abort(self) {
        if let Err(e) = self.parts.abort().await {
            tracing::warn!(error = %e, "aborting a multipart write");
        }
    }
}

/// Bytes read from an upload's temporary file at a time.
const CHUNK_BYTES: u64 = 1024 * 1024;

/// Runs blocking file work on the blocking pool, off the async workers.
pub async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, GraphError> + Send + 'static,
) -> Result<T, GraphError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| GraphError::internal(&e))?
}

/// The object store, shared by every domain's buckets.
pub struct FileStore {
    store: Arc<dyn ObjectStore>,
    key: Vec<u8>,
}

impl FileStore {
    /// Copies `file` from its start into the store at `path`, a chunk at a time on the
    /// blocking pool; on failure nothing is left at `path`.
    pub async fn copy_file(&self, path: &str, mut file: std::fs::File) -> Result<(), GraphError> {
        let mut writer = self.writer(path).await?;
        loop {
            let read = blocking(move || {
                let mut chunk = Vec::with_capacity(CHUNK_BYTES as usize);
                (&mut file)
                    .take(CHUNK_BYTES)
                    .read_to_end(&mut chunk)
                    .map_err(|e| GraphError::internal(&e))?;
                Ok((file, chunk))
            })
            .await;
            let chunk = match read {
                Ok((back, chunk)) => {
                    file = back;
                    chunk
                }
                Err(err) => {
                    writer.abort().await;
                    return Err(err);
                }
            };
            if chunk.is_empty() {
                return writer.finish().await;
            }
            if let Err(err) = writer.write(Bytes::from(chunk)).await {
                writer.abort().await;
                return Err(err);
            }
        }
    }

    /// An S3-compatible bucket, `s3://bucket[/prefix]`; credentials, region and endpoint come
    /// from the usual `AWS_*` variables (`AWS_ENDPOINT` and `AWS_ALLOW_HTTP` for MinIO and the
    /// like). Links are signed with `key`.
    pub fn s3(url: &str, key: &[u8]) -> Result<Self, object_store::Error> {
        let parsed = url::Url::parse(url).map_err(|e| object_store::Error::Generic {
            store: "S3",
            source: Box::new(e),
        })?;
        let bucket = object_store::aws::AmazonS3Builder::from_env()
            .with_url(url)
            .build()?;
        let prefix = parsed.path().trim_matches('/');
        let store: Arc<dyn ObjectStore> = if prefix.is_empty() {
            Arc::new(bucket)
        } else {
            Arc::new(object_store::prefix::PrefixStore::new(bucket, prefix))
        };
        Ok(Self {
            store,
            key: key.to_vec(),
        })
    }

    /// Files under `dir` (created if missing); links signed with `key`.
    pub fn local(dir: &std::path::Path, key: &[u8]) -> std::io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let store = LocalFileSystem::new_with_prefix(dir).map_err(std::io::Error::other)?;
        Ok(Self {
            store: Arc::new(store),
            key: key.to_vec(),
        })
    }

    pub async fn put(&self, path: &str, content: Bytes) -> Result<(), GraphError> {
        self.store
            .put(&StorePath::from(path), PutPayload::from(content))
            .await
            .map(|_| ())
            .map_err(|e| GraphError::internal(&e))
    }

    /// An object written in parts, for files too big to hold whole.
    pub async fn writer(&self, path: &str) -> Result<ObjectWriter, GraphError> {
        let upload = self
            .store
            .put_multipart(&StorePath::from(path))
            .await
            .map_err(|e| GraphError::internal(&e))?;
        Ok(ObjectWriter {
            parts: WriteMultipart::new_with_chunk_size(upload, PART_BYTES),
        })
    }

    /// The object at `path`, to be read as a stream; NOT_FOUND when there is none (a row whose
    /// bytes are gone is an operator's problem, logged at WARN, not a server error).
    pub async fn get(&self, path: &str) -> Result<Object, GraphError> {
        match self.store.get(&StorePath::from(path)).await {
            Ok(found) => Ok(Object {
                size: found.meta.size,
                content: found,
            }),
            Err(object_store::Error::NotFound { .. }) => Err(missing(path)),
            Err(e) => Err(GraphError::internal(&e)),
        }
    }

    /// Removes a file; one already gone is not an error.
    pub async fn delete(&self, path: &str) -> Result<(), GraphError> {
        match self.store.delete(&StorePath::from(path)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(GraphError::internal(&e)),
        }
    }

    fn mac(&self, bucket: &Bucket, file_id: Uuid, expires: i64) -> Hmac<Sha256> {
        // HMAC takes keys of any length.
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.key).unwrap_or_else(|_| unreachable!());
        mac.update(format!("{}:{file_id}:{expires}", bucket.name).as_bytes());
        mac
    }

    /// The link to `file_id` of `bucket`, as of `now` (Unix seconds).
    pub fn link(&self, bucket: &Bucket, file_id: Uuid, now: i64) -> String {
        match bucket.links {
            Links::Public => format!("{}/{file_id}", bucket.route),
            Links::Signed { ttl_secs } => {
                let expires = now + ttl_secs;
                let signature =
                    hex::encode(self.mac(bucket, file_id, expires).finalize().into_bytes());
                format!(
                    "{}/{file_id}?expires={expires}&signature={signature}",
                    bucket.route
                )
            }
        }
    }

    fn holder_mac(
        &self,
        bucket: &Bucket,
        file_id: Uuid,
        holder: Uuid,
        expires: i64,
    ) -> Hmac<Sha256> {
        let mut mac = self.mac(bucket, file_id, expires);
        // After the plain link's message, so no plain signature verifies as a holder's.
        mac.update(format!(":{holder}").as_bytes());
        mac
    }

    /// Like [`FileStore::link`], naming who it is issued to (`holder=`, covered by the
    /// signature), so the route serving it can check the holder's access when it is used.
    pub fn link_for(&self, bucket: &Bucket, file_id: Uuid, holder: Uuid, now: i64) -> String {
        match bucket.links {
            Links::Public => format!("{}/{file_id}", bucket.route),
            Links::Signed { ttl_secs } => {
                let expires = now + ttl_secs;
                let mac = self.holder_mac(bucket, file_id, holder, expires);
                let signature = hex::encode(mac.finalize().into_bytes());
                format!(
                    "{}/{file_id}?expires={expires}&holder={holder}&signature={signature}",
                    bucket.route
                )
            }
        }
    }

    /// Whether a link of [`FileStore::link_for`] is genuine, unexpired and issued to `holder`.
    pub fn verify_for(
        &self,
        bucket: &Bucket,
        file_id: Uuid,
        holder: Uuid,
        expires: i64,
        signature: &str,
        now: i64,
    ) -> bool {
        let Ok(given) = hex::decode(signature) else {
            return false;
        };
        expires >= now
            && self
                .holder_mac(bucket, file_id, holder, expires)
                .verify_slice(&given)
                .is_ok()
    }

    /// Whether a signed link of `bucket` is genuine (checked in constant time) and unexpired.
    pub fn verify(
        &self,
        bucket: &Bucket,
        file_id: Uuid,
        expires: i64,
        signature: &str,
        now: i64,
    ) -> bool {
        let Ok(given) = hex::decode(signature) else {
            return false;
        };
        expires >= now
            && self
                .mac(bucket, file_id, expires)
                .verify_slice(&given)
                .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_are_recognised_besides_the_other_types() {
        let mut glb = std::io::Cursor::new(b"glTF\x02\x00\x00\x00rest".to_vec());
        assert_eq!(
            sniff_media(&mut glb, None).expect("glb"),
            "model/gltf-binary"
        );
        let mp4 = [
            0, 0, 0, 0x18, b'f', b't', b'y', b'p', b'm', b'p', b'4', b'2', 0, 0, 0, 0,
        ];
        let mut mp4 = std::io::Cursor::new(mp4.to_vec());
        assert_eq!(sniff_media(&mut mp4, None).expect("mp4"), "video/mp4");
        let mut json = std::io::Cursor::new(b"{\"asset\": {}}".to_vec());
        assert_eq!(
            sniff_media(&mut json, None).expect("json"),
            "application/json"
        );
        // What sniff refuses, sniff_media refuses too.
        let mut elf = std::io::Cursor::new(b"\x7fELF\x02\x01\x01\x00\x00".to_vec());
        assert!(sniff_media(&mut elf, None).is_err());
    }

    const DOCS: Bucket = Bucket {
        name: "docs",
        max_bytes: 1024,
        types: &["application/pdf", "text/plain", "application/json"],
        links: Links::Signed { ttl_secs: 300 },
        route: "/files",
    };
    const IMAGES: Bucket = Bucket {
        name: "images",
        max_bytes: 10 * 1024 * 1024,
        types: &["image/png"],
        links: Links::Signed { ttl_secs: 300 },
        route: "/files",
    };

    fn store() -> (FileStore, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("sg-store-{}", Uuid::new_v4()));
        (FileStore::local(&dir, b"key").expect("store"), dir)
    }

    #[test]
    fn links_verify_until_they_expire_and_only_for_their_file_and_bucket() {
        let (store, dir) = store();
        let file = Uuid::new_v4();
        let link = store.link(&DOCS, file, 1_000);
        assert!(link.starts_with(&format!("/files/{file}?expires=1300&signature=")));
        let sig = link.split("signature=").nth(1).expect("sig");
        assert!(store.verify(&DOCS, file, 1_300, sig, 1_100));
        assert!(!store.verify(&DOCS, file, 1_300, sig, 1_301), "expired");
        assert!(
            !store.verify(&DOCS, Uuid::new_v4(), 1_300, sig, 1_100),
            "another file"
        );
        assert!(
            !store.verify(&DOCS, file, 9_999, sig, 1_100),
            "another expiry"
        );
        assert!(
            !store.verify(&IMAGES, file, 1_300, sig, 1_100),
            "another bucket"
        );
        let public = Bucket {
            links: Links::Public,
            ..IMAGES
        };
        assert_eq!(store.link(&public, file, 1_000), format!("/files/{file}"));
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn holder_links_verify_only_for_their_holder() {
        let (store, dir) = store();
        let (file, holder) = (Uuid::new_v4(), Uuid::new_v4());
        let link = store.link_for(&DOCS, file, holder, 1_000);
        let prefix = format!("/files/{file}?expires=1300&holder={holder}&signature=");
        assert!(link.starts_with(&prefix), "{link}");
        let sig = link.split("signature=").nth(1).expect("sig");
        assert!(store.verify_for(&DOCS, file, holder, 1_300, sig, 1_100));
        assert!(
            !store.verify_for(&DOCS, file, holder, 1_300, sig, 1_301),
            "expired"
        );
        assert!(
            !store.verify_for(&DOCS, file, Uuid::new_v4(), 1_300, sig, 1_100),
            "another holder"
        );
        assert!(
            !store.verify(&DOCS, file, 1_300, sig, 1_100),
            "not a plain link"
        );
        let plain = store.link(&DOCS, file, 1_000);
        let plain_sig = plain.split("signature=").nth(1).expect("sig");
        assert!(!store.verify_for(&DOCS, file, holder, 1_300, plain_sig, 1_100));
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn content_decides_the_type_and_the_bucket_its_rules() {
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

        assert_eq!(
            DOCS.check(b"%PDF-1.7\n...", None).expect("pdf"),
            "application/pdf"
        );
        let png = b"\x89PNG\r\n\x1a\n....";
        let err = DOCS.check(png, None).expect_err("not a document");
        assert!(err.message.contains("image/png"), "{}", err.message);
        assert_eq!(IMAGES.check(png, None).expect("png"), "image/png");
        assert!(DOCS.check(b"", None).is_err());
        assert!(DOCS.check(&[b'a'; 1024], None).is_ok());
        let err = DOCS.check(&[b'a'; 1025], None).expect_err("too big");
        assert_eq!(err.message, "Files are limited to 1 KiB");
        assert_eq!(err.field.as_deref(), Some("file"));
    }

    #[test]
    fn names_lose_their_paths_and_paths_start_with_the_bucket() {
        assert_eq!(display_name("../../etc/passwd").expect("name"), "passwd");
        assert_eq!(display_name("C:\\reports\\q3.pdf").expect("name"), "q3.pdf");
        assert!(display_name("dir/").is_err());
        let id = Uuid::nil();
        assert_eq!(
            DOCS.path(&[&"s1", &id]),
            "docs/s1/00000000-0000-0000-0000-000000000000"
        );
    }

    #[tokio::test]
    async fn bytes_round_trip_and_deleting_twice_is_fine() {
        let (store, dir) = store();
        let path = DOCS.path(&[&"a", &"b"]);
        store
            .put(&path, Bytes::from_static(b"hello"))
            .await
            .expect("put");
        let found = store.get(&path).await.expect("get");
        assert_eq!(found.size, 5);
        assert_eq!(
            found.content.bytes().await.expect("bytes"),
            Bytes::from_static(b"hello")
        );
        store.delete(&path).await.expect("delete");
        store.delete(&path).await.expect("again");
        match store.get(&path).await {
            Err(gone) => assert_eq!(gone.code, studiogate_graph::ErrorCode::NotFound),
            Ok(_) => panic!("deleted"),
        }
        let _ = std::fs::remove_dir_all(dir);
    }

    #[tokio::test]
    async fn written_parts_make_one_object_and_an_aborted_write_leaves_none() {
        let (store, dir) = store();
        let path = DOCS.path(&[&"big"]);
        let mut writer = store.writer(&path).await.expect("writer");
        // Three parts and a bit, in chunks that do not line up with them.
        let chunk = Bytes::from(vec![b'x'; 3 * 1024 * 1024]);
        for _ in 0..6 {
            writer.write(chunk.clone()).await.expect("write");
        }
        assert!(store.get(&path).await.is_err(), "nothing before finish");
        writer.finish().await.expect("finish");
        let found = store.get(&path).await.expect("get");
        assert_eq!(found.size, 18 * 1024 * 1024);
        assert_eq!(
            found.content.bytes().await.expect("bytes").len(),
            18 * 1024 * 1024
        );

        let other = DOCS.path(&[&"aborted"]);
        let mut writer = store.writer(&other).await.expect("writer");
        writer.write(chunk).await.expect("write");
        writer.abort().await;
        assert!(store.get(&other).await.is_err());
        let left: Vec<_> = std::fs::read_dir(dir.join("docs"))
            .expect("dir")
            .flatten()
            .map(|e| e.file_name())
            .collect();
        assert_eq!(
            left,
            vec![std::ffi::OsString::from("big")],
            "no staging file stays"
        );
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn files_are_checked_a_chunk_at_a_time_over_all_their_bytes() {
        let check = |content: &[u8], declared| {
            let mut file = std::io::Cursor::new(content.to_vec());
            DOCS.check_file(&mut file, declared)
        };
        let big = Bucket {
            max_bytes: 1024 * 1024,
            ..DOCS
        };
        // JSON longer than the sniffed head is still JSON.
        let json = format!("[{}1]", "1, ".repeat(100_000));
        let mut file = std::io::Cursor::new(json.into_bytes());
        let (mime, size) = big.check_file(&mut file, None).expect("json");
        assert_eq!((mime, size), ("application/json", 300_003));
        assert_eq!(file.position(), 0, "left at its start");
        // A character cut by a chunk boundary is text; a control character far in is not.
        let mut text = "a".repeat(TEXT_CHUNK - 1).into_bytes();
        text.extend_from_slice("é and more".as_bytes());
        let mut file = std::io::Cursor::new(text.clone());
        assert_eq!(
            big.check_file(&mut file, None).expect("text").0,
            "text/plain"
        );
        text.extend_from_slice(b"\x00");
        let mut file = std::io::Cursor::new(text);
        assert!(big.check_file(&mut file, None).is_err());
        // Cut off in the middle of a character at the very end: not text.
        assert!(check(&[b'a', 0xc3], None).is_err());
        assert_eq!(check(b"a,b\n", None).expect("text").0, "text/plain");
    }
}
