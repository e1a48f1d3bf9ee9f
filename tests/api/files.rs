//! Files: multipart uploads checked by content, signed download links, deletes that take the
//! bytes with them.

use serde_json::{json, Value};
use studiogate_testkit::{error_codes, on_both_backends, Backend, TestApp};
use uuid::Uuid;

use crate::support::{admin, company, member, rows, seeded, uuid};

fn stored_objects(app: &TestApp) -> usize {
    fn walk(dir: &std::path::Path) -> usize {
        std::fs::read_dir(dir)
            .map(|entries| {
                entries
                    .flatten()
                    .map(|e| {
                        if e.path().is_dir() {
                            walk(&e.path())
                        } else {
                            1
                        }
                    })
                    .sum()
            })
            .unwrap_or(0)
    }
    walk(app.storage.path())
}

pub(crate) async fn first_studio(app: &TestApp, owner: Uuid) -> Uuid {
    rows(app, "SELECT id, company_id, name FROM studios")
        .await
        .iter()
        .find(|r| uuid(r, "company_id") == owner && crate::support::text(r, "name") == "Studio 00")
        .map(|r| uuid(r, "id"))
        .expect("studio")
}

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n";

async fn uploads_are_sniffed_stored_and_downloaded_through_signed_links(backend: Backend) {
    let (app, seed) = seeded(&backend, 2).await;
    // The seed's own files have bytes in the store too.
    let seeded_objects = stored_objects(&app);
    let me = app.token(member(&seed, 0, 1));
    let studio = first_studio(&app, company(&seed, 0)).await;
    let body = app
        .upload(
            &me,
            studio,
            "../../q3 report.pdf",
            "text/plain",
            PDF.to_vec(),
            "STUDIO",
        )
        .await
        .expect("ok");
    let file = body["data"]["uploadFile"]["file"].clone();
    assert_eq!(file["mimeType"], "application/pdf", "{backend:?}: {body}");
    assert_eq!(file["filename"], "q3 report.pdf");
    assert_eq!(file["fileSize"], PDF.len());
    assert_eq!(stored_objects(&app), seeded_objects + 1);

    let url = file["downloadUrl"].as_str().expect("url");
    let resp = reqwest::get(format!("{}{url}", app.base_url))
        .await
        .expect("get");
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/pdf");
    assert_eq!(resp.bytes().await.expect("bytes").as_ref(), PDF);
    let q = "query($id: UUID!) { file(id: $id) { lastAccessedAt } }";
    let seen = app
        .gql(&me, q, json!({ "id": file["id"] }))
        .await
        .expect("ok");
    assert!(seen["data"]["file"]["lastAccessedAt"].is_string(), "{seen}");
    let tampered = url.replace("signature=", "signature=00");
    let resp = reqwest::get(format!("{}{tampered}", app.base_url))
        .await
        .expect("get");
    assert_eq!(resp.status(), 404);
    let other_file = url.replacen(
        file["id"].as_str().expect("id"),
        &Uuid::new_v4().to_string(),
        1,
    );
    assert_eq!(
        reqwest::get(format!("{}{other_file}", app.base_url))
            .await
            .expect("get")
            .status(),
        404
    );
}
on_both_backends!(uploads_are_sniffed_stored_and_downloaded_through_signed_links);

async fn bad_uploads_are_refused_and_leave_nothing_behind(backend: Backend) {
    let (app, seed) = seeded(&backend, 2).await;
    // The seed's own files have bytes in the store too.
    let seeded_objects = stored_objects(&app);
    let me = app.token(member(&seed, 0, 1));
    let studio = first_studio(&app, company(&seed, 0)).await;
    let foreign = first_studio(&app, company(&seed, 1)).await;
    let files_before = rows(&app, "SELECT id FROM files").await.len();
    let elf = b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00".to_vec();
    for (studio, content, expected) in [
        (studio, Vec::new(), "BAD_USER_INPUT"),
        (studio, elf, "BAD_USER_INPUT"),
        (foreign, PDF.to_vec(), "NOT_FOUND"),
    ] {
        let body = app
            .upload(&me, studio, "x.pdf", "application/pdf", content, "STUDIO")
            .await
            .expect("ok");
        assert_eq!(error_codes(&body), vec![expected], "{backend:?}: {body}");
    }
    assert_eq!(rows(&app, "SELECT id FROM files").await.len(), files_before);
    assert_eq!(
        stored_objects(&app),
        seeded_objects,
        "{backend:?}: bytes of a refused upload stayed"
    );
}
on_both_backends!(bad_uploads_are_refused_and_leave_nothing_behind);

async fn deletes_remove_row_and_bytes_and_only_uploaders_or_admins_may(backend: Backend) {
    let (app, seed) = seeded(&backend, 1).await;
    // The seed's own files have bytes in the store too.
    let seeded_objects = stored_objects(&app);
    let uploader = app.token(member(&seed, 0, 1));
    let studio = first_studio(&app, company(&seed, 0)).await;
    let body = app
        .upload(
            &uploader,
            studio,
            "data.json",
            "application/json",
            br#"{"rows": 3}"#.to_vec(),
            "COMPANY",
        )
        .await
        .expect("ok");
    let file: Value = body["data"]["uploadFile"]["file"].clone();
    assert_eq!(file["mimeType"], "application/json", "{body}");
    let delete = "mutation($id: UUID!) { deleteFile(input: { id: $id }) { deletedFileId } }";
    let colleague = app.token(member(&seed, 0, 2));
    let refused = app
        .gql(&colleague, delete, json!({ "id": file["id"] }))
        .await
        .expect("ok");
    assert_eq!(error_codes(&refused), vec!["FORBIDDEN"]);
    assert_eq!(stored_objects(&app), seeded_objects + 1);
    let admin = app.token(admin(&seed, 0));
    let done = app
        .gql(&admin, delete, json!({ "id": file["id"] }))
        .await
        .expect("ok");
    assert_eq!(
        done["data"]["deleteFile"]["deletedFileId"], file["id"],
        "{done}"
    );
    assert_eq!(
        stored_objects(&app),
        seeded_objects,
        "{backend:?}: bytes deleted with the row"
    );
    let gone = app
        .gql(
            &uploader,
            "query($id: UUID!) { file(id: $id) { id } }",
            json!({ "id": file["id"] }),
        )
        .await
        .expect("ok");
    assert_eq!(error_codes(&gone), vec!["NOT_FOUND"]);
}
on_both_backends!(deletes_remove_row_and_bytes_and_only_uploaders_or_admins_may);

/// A multipart POST (as an upload client sends it) whose body starts and never ends: chunked,
/// one chunk, then nothing. Returns the status, the response head (lower-cased) and the body
/// the server answered with, which it can only have done without reading the request body.
async fn endless_upload(app: &TestApp, authorization: Option<&str>) -> (u16, String, Value) {
    use tokio::io::AsyncWriteExt;
    let mut head = format!(
        "POST /graphql HTTP/1.1\r\nHost: {}\r\n\
         Content-Type: multipart/form-data; boundary=endless\r\n\
         apollo-require-preflight: true\r\nTransfer-Encoding: chunked\r\n",
        app.addr()
    );
    if let Some(authorization) = authorization {
        head.push_str(&format!("Authorization: {authorization}\r\n"));
    }
    let part =
        "--endless\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{\"query\":";
    let sent = format!("{head}\r\n{:x}\r\n{part}\r\n", part.len());
    let mut stream = tokio::net::TcpStream::connect(app.addr())
        .await
        .expect("connects");
    stream.write_all(sent.as_bytes()).await.expect("sends");
    crate::support::read_response(&mut stream).await
}

/// An upload is read only for a signed-in caller within its rate limit: anonymous, with a bad
/// token, or over the limit, a multipart POST is refused on its headers and its body is never
/// read. (Here the body never ends: a server that read it would answer at the request
/// timeout, with 504.)
async fn uploads_are_refused_before_their_body_is_read(backend: Backend) {
    let env = [
        ("STUDIOGATE_REQUEST_TIMEOUT_SECS", "5"),
        ("STUDIOGATE_RATE_LIMIT_PER_SECOND", "1"),
        ("STUDIOGATE_RATE_LIMIT_BURST", "1"),
    ];
    let app = TestApp::spawn_with_env(crate::support::BIN, &backend, &env)
        .await
        .expect("app");
    let forged =
        studiogate_graph::JwtKeys::new(b"someone-else", None).sign(Uuid::new_v4(), 600, None);
    for (what, authorization) in [
        ("anonymous", None),
        ("a forged token", Some(format!("Bearer {forged}"))),
    ] {
        let (status, head, body) = endless_upload(&app, authorization.as_deref()).await;
        assert_eq!(status, 401, "{backend:?}, {what}: {body}");
        assert_eq!(error_codes(&body), vec!["UNAUTHENTICATED"], "{what}");
        assert!(head.contains("www-authenticate: bearer"), "{what}: {head}");
    }
    // A signed-in caller whose budget the previous request spent.
    let token = app.token(Uuid::new_v4());
    let (status, _) = app
        .post(Some(&token), "{ __typename }", json!({}))
        .await
        .expect("ok");
    assert_eq!(status, 200);
    let (status, head, body) = endless_upload(&app, Some(&format!("Bearer {token}"))).await;
    assert_eq!(status, 429, "{backend:?}: {body}");
    assert_eq!(error_codes(&body), vec!["RATE_LIMITED"], "{body}");
    assert!(head.contains("retry-after: "), "{head}");
}
on_both_backends!(uploads_are_refused_before_their_body_is_read);

/// The server's log, once it holds `needle` (logs arrive through a pipe, a moment late).
async fn logged(app: &TestApp, needle: &str) -> String {
    for _ in 0..50 {
        if app.logs().contains(needle) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    app.logs()
}

async fn seeded_files_download_and_a_missing_object_is_not_found(backend: Backend) {
    let app = TestApp::spawn(crate::support::BIN, &backend)
        .await
        .expect("app");
    // Seeded into the store the server reads.
    let storage = app.storage.path().to_string_lossy().into_owned();
    let out = app
        .run(&[
            "seed",
            "--scale",
            "1",
            "--database-url",
            &app.db.url,
            "--storage-dir",
            &storage,
        ])
        .await
        .expect("seed runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let seed: Value = serde_json::from_slice(&out.stdout).expect("summary");
    assert_eq!(stored_objects(&app), 150, "every seeded file has its bytes");

    let me = app.token(member(&seed, 0, 1));
    let studio = first_studio(&app, company(&seed, 0)).await;
    let q = r#"query($id: UUID!) { studio(id: $id) { files(first: 15) { nodes { id mimeType fileSize downloadUrl } } } }"#;
    let body = app.gql(&me, q, json!({ "id": studio })).await.expect("ok");
    let files = body["data"]["studio"]["files"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .clone();
    let mut types = std::collections::HashSet::new();
    for file in &files {
        let url = format!(
            "{}{}",
            app.base_url,
            file["downloadUrl"].as_str().expect("url")
        );
        let resp = reqwest::get(&url).await.expect("get");
        assert_eq!(resp.status(), 200, "{backend:?}: {file}");
        assert_eq!(
            resp.headers()["content-type"],
            file["mimeType"].as_str().expect("type")
        );
        let bytes = resp.bytes().await.expect("bytes");
        assert_eq!(bytes.len(), file["fileSize"], "{file}");
        let magic: &[u8] = match file["mimeType"].as_str().expect("type") {
            "application/pdf" => b"%PDF-",
            "image/png" => b"\x89PNG\r\n\x1a\n",
            "application/json" => b"{",
            _ => b"row,",
        };
        assert!(bytes.starts_with(magic), "{file}");
        types.insert(file["mimeType"].to_string());
    }
    assert_eq!(
        types.len(),
        4,
        "{backend:?}: every seeded type downloaded: {types:?}"
    );

    // The row stays, its bytes are gone: a clear 404, logged for the operator.
    let file = &files[0];
    let id = file["id"].as_str().expect("id");
    std::fs::remove_file(app.storage.path().join(format!("studios/{studio}/{id}")))
        .expect("the object is where the row says");
    let url = format!(
        "{}{}",
        app.base_url,
        file["downloadUrl"].as_str().expect("url")
    );
    let resp = reqwest::get(&url).await.expect("get");
    assert_eq!(resp.status(), 404, "{backend:?}");
    assert_eq!(resp.text().await.expect("text"), "File content not found");
    let logs = logged(&app, "a file has no object in the store").await;
    assert!(
        logs.lines().any(|l| l.contains("WARN")
            && l.contains("a file has no object in the store")
            && l.contains(id)),
        "{logs}"
    );
}
on_both_backends!(seeded_files_download_and_a_missing_object_is_not_found);

/// The process serving `app` (the one `serve` process on its database).
fn server_pid(app: &TestApp) -> u32 {
    std::fs::read_dir("/proc")
        .expect("/proc")
        .flatten()
        .find_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
            let args: Vec<&[u8]> = cmdline.split(|b| *b == 0).collect();
            let serves =
                args.contains(&b"serve".as_slice()) && args.contains(&app.db.url.as_bytes());
            serves.then_some(pid)
        })
        .expect("the server's process")
}

/// A `/proc/<pid>/status` figure, in KiB.
fn status_kib(pid: u32, key: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .expect("status")
        .lines()
        .find_map(|l| {
            l.strip_prefix(key)?
                .trim()
                .strip_suffix("kB")?
                .trim()
                .parse()
                .ok()
        })
        .unwrap_or_else(|| panic!("{key} in /proc/{pid}/status"))
}

async fn downloads_are_streamed_with_their_length_and_uploads_checked_in_chunks(backend: Backend) {
    let (app, seed) = seeded(&backend, 1).await;
    let me = app.token(member(&seed, 0, 1));
    let studio = first_studio(&app, company(&seed, 0)).await;
    // JSON longer than the head the type is sniffed from is still recognised as JSON.
    let json = format!("[{}0]", "1234567890, ".repeat(20_000)).into_bytes();
    let body = app
        .upload(&me, studio, "rows.json", "text/plain", json, "STUDIO")
        .await
        .expect("ok");
    assert_eq!(
        body["data"]["uploadFile"]["file"]["mimeType"], "application/json",
        "{body}"
    );

    // 24 MiB: many upload chunks, five store parts, thousands of download chunks.
    let size = 24 * 1024 * 1024;
    let content: Vec<u8> = (0..size).map(|i| b"abcdefghij\n"[i % 11]).collect();
    let body = app
        .upload(
            &me,
            studio,
            "big.txt",
            "text/plain",
            content.clone(),
            "STUDIO",
        )
        .await
        .expect("ok");
    let file = &body["data"]["uploadFile"]["file"];
    assert_eq!(file["fileSize"], size, "{backend:?}: {body}");
    let url = format!(
        "{}{}",
        app.base_url,
        file["downloadUrl"].as_str().expect("url")
    );

    // Eight at once, all begun before any is read: a server holding each file whole would
    // hold 8 x 24 MiB now.
    let pid = server_pid(&app);
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5").expect("reset the peak");
    let before = status_kib(pid, "VmRSS:");
    let responses =
        futures_util::future::join_all((0..8).map(|_| reqwest::get(url.as_str()))).await;
    for resp in responses {
        let resp = resp.expect("get");
        assert_eq!(resp.status(), 200);
        assert_eq!(resp.headers()["content-length"], size.to_string().as_str());
        assert!(resp.headers().get("transfer-encoding").is_none());
        let bytes = resp.bytes().await.expect("bytes");
        assert!(
            bytes == content,
            "{backend:?}: the bytes come back as uploaded"
        );
    }
    let grew = status_kib(pid, "VmHWM:").saturating_sub(before);
    eprintln!(
        "{}: 8 downloads of 24 MiB grew the server's peak by {grew} KiB",
        backend.name()
    );
    assert!(
        grew < 64 * 1024,
        "{backend:?}: the server's peak grew by {grew} KiB"
    );
}
on_both_backends!(downloads_are_streamed_with_their_length_and_uploads_checked_in_chunks);

/// With `STUDIOGATE_STORAGE_URL=s3://...` the bytes go to an S3-compatible server (CI runs
/// moto's S3 server and sets `TEST_S3_ENDPOINT`).
#[tokio::test]
#[ignore = "needs an S3-compatible server: TEST_S3_ENDPOINT and --include-ignored"]
async fn files_go_to_an_s3_bucket_when_configured() {
    let endpoint = std::env::var("TEST_S3_ENDPOINT")
        .expect("this test needs an S3-compatible server: set TEST_S3_ENDPOINT");
    let bucket = format!("studiogate-{}", Uuid::new_v4().simple());
    let http = reqwest::Client::new();
    let created = http
        .put(format!("{endpoint}/{bucket}"))
        .send()
        .await
        .expect("create bucket");
    assert!(created.status().is_success(), "{}", created.status());
    let url = format!("s3://{bucket}/uploads");
    let env = [
        ("STUDIOGATE_STORAGE_URL", url.as_str()),
        ("AWS_ENDPOINT", endpoint.as_str()),
        ("AWS_ALLOW_HTTP", "true"),
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("AWS_REGION", "us-east-1"),
    ];
    let backend = &Backend::Sqlite;
    let app = TestApp::spawn_with_env(crate::support::BIN, backend, &env)
        .await
        .expect("app");
    let seed = app.seed(1).await.expect("seed");
    let me = app.token(member(&seed, 0, 1));
    let studio = first_studio(&app, company(&seed, 0)).await;
    let body = app
        .upload(
            &me,
            studio,
            "r.pdf",
            "application/pdf",
            PDF.to_vec(),
            "STUDIO",
        )
        .await
        .expect("ok");
    let file = body["data"]["uploadFile"]["file"].clone();
    assert!(file["id"].is_string(), "{body}");
    let listing = || async {
        http.get(format!("{endpoint}/{bucket}?list-type=2"))
            .send()
            .await
            .expect("list")
            .text()
            .await
            .expect("xml")
    };
    let key = format!(
        "uploads/studios/{studio}/{}",
        file["id"].as_str().expect("id")
    );
    let listed = listing().await;
    assert!(
        listed.contains(&key),
        "the object is in the bucket under the prefix: {key} not in {listed}; local objects: {}",
        stored_objects(&app)
    );
    let url = file["downloadUrl"].as_str().expect("url");
    let bytes = reqwest::get(format!("{}{url}", app.base_url))
        .await
        .expect("get")
        .bytes()
        .await
        .expect("bytes");
    assert_eq!(bytes.as_ref(), PDF);
    let delete = "mutation($id: UUID!) { deleteFile(input: { id: $id }) { deletedFileId } }";
    app.gql(&me, delete, json!({ "id": file["id"] }))
        .await
        .expect("ok");
    assert!(!listing().await.contains(&key), "deleted from the bucket");
    assert_eq!(stored_objects(&app), 0, "nothing on local disk");
}
