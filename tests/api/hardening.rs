//! What the gateway refuses before any GraphQL runs, and how: body and upload limits, batching,
//! CSRF prevention, CORS, persisted and trusted documents, rate limits.

use reqwest::header::{HeaderMap, CONTENT_TYPE};
use serde_json::{json, Value};
use std::io::Write;
use studiogate_testkit::{error_codes, on_both_backends, Backend, TestApp};
use uuid::Uuid;

use crate::files::first_studio;
use crate::support::{company, member, seeded, seeded_with_env, BIN};

const TYPENAME: &str = "{ __typename }";

async fn send(req: reqwest::RequestBuilder) -> (u16, HeaderMap, Value) {
    let resp = req.send().await.expect("request");
    let (status, headers) = (resp.status().as_u16(), resp.headers().clone());
    let text = resp.text().await.expect("body");
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, headers, body)
}

fn post(app: &TestApp, token: &str) -> reqwest::RequestBuilder {
    reqwest::Client::new()
        .post(format!("{}/graphql", app.base_url))
        .bearer_auth(token)
}

/// A JSON request body of exactly `size` bytes (padded with whitespace).
fn body_of(size: usize) -> Vec<u8> {
    let mut body = json!({ "query": TYPENAME }).to_string().into_bytes();
    assert!(body.len() <= size);
    body.resize(size, b' ');
    body
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).expect("gzip");
    encoder.finish().expect("gzip")
}

#[tokio::test]
async fn the_body_limit_counts_bytes_after_decompression() {
    let backend = &Backend::Sqlite;
    let app = TestApp::spawn_with_env(BIN, backend, &[("STUDIOGATE_MAX_BODY_BYTES", "2048")])
        .await
        .expect("app");
    let token = app.token(Uuid::new_v4());
    for (size, gzipped, ok) in [
        (2048, false, true),
        (2049, false, false),
        (2048, true, true),
        (2049, true, false),
    ] {
        let mut req = post(&app, &token).header(CONTENT_TYPE, "application/json");
        req = if gzipped {
            let packed = gzip(&body_of(size));
            assert!(packed.len() < 200, "the compressed body is small");
            req.header("content-encoding", "gzip").body(packed)
        } else {
            req.body(body_of(size))
        };
        let (status, _, body) = send(req).await;
        if ok {
            assert_eq!(
                (status, &body["data"]["__typename"]),
                (200, &json!("Query")),
                "{size}: {body}"
            );
        } else {
            assert_eq!(status, 413, "{size} gzip={gzipped}: {body}");
            assert_eq!(error_codes(&body), vec!["PAYLOAD_TOO_LARGE"]);
        }
    }
}

#[tokio::test]
async fn batching_is_off_by_default_and_bounded_when_on() {
    let backend = &Backend::Sqlite;
    let batch = |n: usize| json!(vec![json!({ "query": TYPENAME }); n]);
    let off = TestApp::spawn(BIN, backend).await.expect("app");
    let token = off.token(Uuid::new_v4());
    let (status, _, body) = send(post(&off, &token).json(&batch(1))).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(error_codes(&body), vec!["BATCH_NOT_ALLOWED"]);

    let on = TestApp::spawn_with_env(BIN, backend, &[("STUDIOGATE_MAX_BATCH", "2")])
        .await
        .expect("app");
    let (status, _, body) = send(post(&on, &token).json(&batch(2))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body[1]["data"]["__typename"], "Query", "{body}");
    let (status, _, body) = send(post(&on, &token).json(&batch(3))).await;
    assert_eq!(
        (status, error_codes(&body)),
        (400, vec!["BATCH_NOT_ALLOWED".to_owned()])
    );
}

const PDF_HEAD: &[u8] = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n";

fn pdf(size: usize) -> Vec<u8> {
    let mut bytes = PDF_HEAD.to_vec();
    bytes.resize(size, b'%');
    bytes
}

#[tokio::test]
async fn uploads_are_limited_in_size_and_number() {
    let backend = &Backend::Sqlite;
    let (app, seed) = seeded_with_env(
        backend,
        1,
        &[
            ("STUDIOGATE_UPLOAD_MAX_FILE_BYTES", "1000"),
            ("STUDIOGATE_UPLOAD_MAX_FILES", "1"),
        ],
    )
    .await;
    let token = app.token(member(&seed, 0, 1));
    let studio = first_studio(&app, company(&seed, 0)).await;
    let body = app
        .upload(
            &token,
            studio,
            "a.pdf",
            "application/pdf",
            pdf(1000),
            "STUDIO",
        )
        .await
        .expect("ok");
    assert_eq!(
        body["data"]["uploadFile"]["file"]["fileSize"], 1000,
        "{body}"
    );
    let body = app
        .upload(
            &token,
            studio,
            "b.pdf",
            "application/pdf",
            pdf(1001),
            "STUDIO",
        )
        .await
        .expect("ok");
    assert_eq!(error_codes(&body), vec!["PAYLOAD_TOO_LARGE"], "{body}");

    // Two files where one is allowed: refused whole, nothing stored.
    let operations = json!({
        "query": "mutation($a: UploadFileInput!, $b: UploadFileInput!) { a: uploadFile(input: $a) { file { id } } b: uploadFile(input: $b) { file { id } } }",
        "variables": {
            "a": { "studioId": studio, "file": null },
            "b": { "studioId": studio, "file": null }
        }
    });
    let part = |name: &str| {
        reqwest::multipart::Part::bytes(pdf(100))
            .file_name(name.to_owned())
            .mime_str("application/pdf")
            .expect("mime")
    };
    let form = reqwest::multipart::Form::new()
        .text("operations", operations.to_string())
        .text(
            "map",
            r#"{"0": ["variables.a.file"], "1": ["variables.b.file"]}"#,
        )
        .part("0", part("c.pdf"))
        .part("1", part("d.pdf"));
    let before = crate::support::rows(&app, "SELECT id FROM files")
        .await
        .len();
    let (status, _, body) = send(
        post(&app, &token)
            .header("apollo-require-preflight", "true")
            .multipart(form),
    )
    .await;
    assert_eq!(
        (status, error_codes(&body)),
        (413, vec!["PAYLOAD_TOO_LARGE".to_owned()]),
        "{body}"
    );
    let after = crate::support::rows(&app, "SELECT id FROM files")
        .await
        .len();
    assert_eq!(before, after);
}

#[tokio::test]
async fn csrf_prevention_refuses_what_a_browser_sends_without_a_preflight() {
    let backend = &Backend::Sqlite;
    let app = TestApp::spawn(BIN, backend).await.expect("app");
    let token = app.token(Uuid::new_v4());
    let json_body = json!({ "query": TYPENAME }).to_string();
    let simple = |content_type: &'static str| {
        post(&app, &token)
            .header(CONTENT_TYPE, content_type)
            .body(json_body.clone())
    };
    for content_type in ["text/plain", "application/x-www-form-urlencoded"] {
        let (status, _, body) = send(simple(content_type)).await;
        assert_eq!(status, 400, "{content_type}: {body}");
        assert_eq!(error_codes(&body), vec!["CSRF_PREVENTED"]);
    }
    let form = reqwest::multipart::Form::new().text("operations", json_body.clone());
    let (status, _, body) = send(post(&app, &token).multipart(form)).await;
    assert_eq!(
        (status, error_codes(&body)),
        (400, vec!["CSRF_PREVENTED".to_owned()])
    );

    // A preflight-forcing header or content type lets the same request through.
    let (status, _, body) =
        send(simple("text/plain").header("apollo-require-preflight", "true")).await;
    assert_eq!(
        (status, &body["data"]["__typename"]),
        (200, &json!("Query")),
        "{body}"
    );
    let (status, _, body) = send(simple("application/json")).await;
    assert_eq!(
        (status, &body["data"]["__typename"]),
        (200, &json!("Query")),
        "{body}"
    );

    // GET runs queries without ceremony; a mutation over GET is refused.
    let get = |query: &str| {
        reqwest::Client::new()
            .get(format!("{}/graphql", app.base_url))
            .bearer_auth(&token)
            .query(&[("query", query)])
    };
    let (status, _, body) = send(get(TYPENAME)).await;
    assert_eq!(
        (status, &body["data"]["__typename"]),
        (200, &json!("Query")),
        "{body}"
    );
    let mutation = "mutation { __typename }";
    let (status, _, body) = send(get(mutation)).await;
    assert_eq!(
        (status, error_codes(&body)),
        (400, vec!["CSRF_PREVENTED".to_owned()]),
        "{body}"
    );
    let (status, headers, body) = send(get(mutation).header("apollo-require-preflight", "1")).await;
    assert_eq!(status, 405, "{body}");
    assert_eq!(headers["allow"], "POST");
    assert_eq!(error_codes(&body), vec!["METHOD_NOT_ALLOWED"]);
    // Without an operation, GET is GraphiQL.
    let (status, html) = app.get("/graphql").await.expect("get");
    assert_eq!(status, 200);
    assert!(html.contains("graphiql"), "{html}");
}

#[tokio::test]
async fn cors_answers_listed_origins_only() {
    let backend = &Backend::Sqlite;
    let app = TestApp::spawn_with_env(
        BIN,
        backend,
        &[(
            "STUDIOGATE_CORS_ORIGINS",
            "https://app.example.com,https://admin.example.com",
        )],
    )
    .await
    .expect("app");
    let preflight = |origin: &str| {
        reqwest::Client::new()
            .request(
                reqwest::Method::OPTIONS,
                format!("{}/graphql", app.base_url),
            )
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization, content-type",
            )
    };
    let (_, headers, _) = send(preflight("https://admin.example.com")).await;
    assert_eq!(
        headers["access-control-allow-origin"],
        "https://admin.example.com"
    );
    let allowed = headers["access-control-allow-headers"]
        .to_str()
        .unwrap_or_default();
    assert!(allowed.contains("authorization"), "{allowed}");
    let (_, headers, _) = send(preflight("https://evil.example.net")).await;
    assert!(
        headers.get("access-control-allow-origin").is_none(),
        "{headers:?}"
    );
}

pub(crate) fn sha256(text: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(text.as_bytes()))
}

fn persisted(query: Option<&str>, hash: &str) -> Value {
    let mut body = json!({
        "extensions": { "persistedQuery": { "version": 1, "sha256Hash": hash } }
    });
    if let Some(query) = query {
        body["query"] = json!(query);
    }
    body
}

#[tokio::test]
async fn automatic_persisted_queries_miss_register_and_hit() {
    let backend = &Backend::Sqlite;
    let app = TestApp::spawn(BIN, backend).await.expect("app");
    let token = app.token(Uuid::new_v4());
    let query = "query Name { __typename }";
    let hash = sha256(query);
    let (status, _, body) = send(post(&app, &token).json(&persisted(None, &hash))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        error_codes(&body),
        vec!["PERSISTED_QUERY_NOT_FOUND"],
        "{body}"
    );
    assert_eq!(body["errors"][0]["message"], "PersistedQueryNotFound");

    let (_, _, body) = send(post(&app, &token).json(&persisted(Some(query), &hash))).await;
    assert_eq!(body["data"]["__typename"], "Query", "{body}");
    let (_, _, body) = send(post(&app, &token).json(&persisted(None, &hash))).await;
    assert_eq!(body["data"]["__typename"], "Query", "hit: {body}");
    // Apollo's GET form of a hashed query hits too.
    let extensions = persisted(None, &hash)["extensions"].to_string();
    let (status, _, body) = send(
        reqwest::Client::new()
            .get(format!("{}/graphql", app.base_url))
            .bearer_auth(&token)
            .query(&[("extensions", extensions.as_str())]),
    )
    .await;
    assert_eq!(
        (status, &body["data"]["__typename"]),
        (200, &json!("Query")),
        "{body}"
    );
    // A hash that is not the query's is refused rather than cached.
    let wrong = sha256("{ other }");
    let (status, _, body) = send(post(&app, &token).json(&persisted(Some(query), &wrong))).await;
    assert_eq!(
        (status, error_codes(&body)),
        (400, vec!["BAD_USER_INPUT".to_owned()]),
        "{body}"
    );
}

/// An Apollo persisted-query manifest listing `body` as `Listed` under `id`.
pub(crate) fn manifest_json(id: &str, body: &str) -> String {
    json!({
        "format": "apollo-persisted-query-manifest",
        "version": 1,
        "operations": [{ "id": id, "name": "Listed", "type": "query", "body": body }]
    })
    .to_string()
}

#[tokio::test]
async fn trusted_documents_run_only_the_manifest() {
    let backend = &Backend::Sqlite;
    let listed = "query Listed { __typename }";
    let dir = tempfile::tempdir().expect("tmp");
    let manifest = dir.path().join("manifest.json");
    let write = |id: &str| {
        std::fs::write(&manifest, manifest_json(id, listed)).expect("write");
    };
    // A manifest whose id is not its body's hash stops the start.
    write(&sha256("something else"));
    let path = manifest.to_str().expect("utf-8").to_owned();
    let env = [("STUDIOGATE_TRUSTED_DOCUMENTS", path.as_str())];
    assert!(TestApp::spawn_with_env(BIN, backend, &env).await.is_err());

    write(&sha256(listed));
    let app = TestApp::spawn_with_env(BIN, backend, &env)
        .await
        .expect("app");
    let token = app.token(Uuid::new_v4());
    let (_, _, body) = send(post(&app, &token).json(&persisted(None, &sha256(listed)))).await;
    assert_eq!(body["data"]["__typename"], "Query", "by hash: {body}");
    let (_, _, body) = send(post(&app, &token).json(&json!({ "query": listed }))).await;
    assert_eq!(body["data"]["__typename"], "Query", "by text: {body}");
    for request in [
        json!({ "query": "query Other { __typename }" }),
        persisted(
            Some("query Other { __typename }"),
            &sha256("query Other { __typename }"),
        ),
        persisted(None, &sha256("query Other { __typename }")),
    ] {
        let (status, _, body) = send(post(&app, &token).json(&request)).await;
        assert_eq!(status, 400, "{request}: {body}");
        assert_eq!(error_codes(&body), vec!["OPERATION_NOT_TRUSTED"], "{body}");
    }
}

#[tokio::test]
async fn a_viewer_over_its_rate_gets_rate_limited_then_recovers() {
    let backend = &Backend::Sqlite;
    let app = TestApp::spawn_with_env(
        BIN,
        backend,
        &[
            ("STUDIOGATE_RATE_LIMIT_PER_SECOND", "1"),
            ("STUDIOGATE_RATE_LIMIT_BURST", "2"),
        ],
    )
    .await
    .expect("app");
    let (me, other) = (app.token(Uuid::new_v4()), app.token(Uuid::new_v4()));
    for _ in 0..2 {
        let (status, _) = app.post(Some(&me), TYPENAME, json!({})).await.expect("ok");
        assert_eq!(status, 200);
    }
    let (status, headers, body) = send(post(&app, &me).json(&json!({ "query": TYPENAME }))).await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(error_codes(&body), vec!["RATE_LIMITED"]);
    let retry: u64 = headers["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("secs");
    assert!((1..=2).contains(&retry), "{retry}");
    // Another viewer has a bucket of its own; anonymous callers are limited per IP.
    let (status, _) = app
        .post(Some(&other), TYPENAME, json!({}))
        .await
        .expect("ok");
    assert_eq!(status, 200);
    tokio::time::sleep(std::time::Duration::from_secs(retry)).await;
    let (status, body) = app.post(Some(&me), TYPENAME, json!({})).await.expect("ok");
    assert_eq!(status, 200, "recovered: {body}");
}

async fn members_of_a_company_share_its_budget_and_other_tenants_are_unaffected(backend: Backend) {
    let (app, seed) = seeded_with_env(
        &backend,
        2,
        &[
            ("STUDIOGATE_TENANT_RATE_LIMIT_PER_SECOND", "1"),
            ("STUDIOGATE_TENANT_RATE_LIMIT_BURST", "3"),
        ],
    )
    .await;
    let (a1, a2) = (
        app.token(member(&seed, 0, 1)),
        app.token(member(&seed, 0, 2)),
    );
    let b1 = app.token(member(&seed, 1, 1));
    for token in [&a1, &a1, &a2] {
        let (status, body) = app
            .post(Some(token), TYPENAME, json!({}))
            .await
            .expect("ok");
        assert_eq!(status, 200, "{backend:?}: {body}");
    }
    let (status, body) = app.post(Some(&a2), TYPENAME, json!({})).await.expect("ok");
    assert_eq!(
        status, 429,
        "{backend:?}: company A's budget is spent: {body}"
    );
    assert!(body["errors"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .contains("tenant"));
    let (status, body) = app.post(Some(&b1), TYPENAME, json!({})).await.expect("ok");
    assert_eq!(status, 200, "{backend:?}: company B is unaffected: {body}");
}
on_both_backends!(members_of_a_company_share_its_budget_and_other_tenants_are_unaffected);

#[tokio::test]
async fn seeded_data_still_flows_under_the_default_limits() {
    // The flagship query runs under every default limit (cost, depth, rate).
    let backend = &Backend::Sqlite;
    let (app, seed) = seeded(backend, 1).await;
    let token = app.token(member(&seed, 0, 1));
    let body = app
        .gql(&token, crate::nested::NESTED, json!({}))
        .await
        .expect("ok");
    assert!(body["errors"].is_null(), "{body}");
}

#[tokio::test]
async fn responses_follow_graphql_over_http() {
    let backend = &Backend::Sqlite;
    let app = TestApp::spawn(BIN, backend).await.expect("app");
    let token = app.token(Uuid::new_v4());
    let ask = |query: &str, accept: Option<&'static str>| {
        let mut req = post(&app, &token).json(&json!({ "query": query }));
        if let Some(accept) = accept {
            req = req.header("accept", accept);
        }
        req
    };
    // Fields come back in the order the query asked for them.
    let resp = ask("{ zeta: __typename alpha: __typename }", None)
        .send()
        .await
        .expect("request");
    assert_eq!(
        resp.headers()["content-type"],
        "application/json; charset=utf-8"
    );
    let text = resp.text().await.expect("body");
    assert_eq!(text, r#"{"data":{"zeta":"Query","alpha":"Query"}}"#);
    // A client that accepts application/graphql-response+json gets it, and an operation that
    // never ran is a 400 without `data`.
    let modern = Some("application/graphql-response+json, application/json;q=0.9");
    let (status, headers, body) = send(ask("{ nope }", modern)).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        headers["content-type"],
        "application/graphql-response+json; charset=utf-8"
    );
    assert!(body.get("data").is_none(), "{body}");
    assert_eq!(error_codes(&body), vec!["GRAPHQL_VALIDATION_FAILED"]);
    // For plain JSON clients the same error is a 200 with `data: null`.
    let (status, _, body) = send(ask("{ nope }", None)).await;
    assert_eq!((status, &body["data"]), (200, &Value::Null), "{body}");
}

/// Websocket operations pass the admission HTTP requests pass: the same trusted documents,
/// and the same rate-limit buckets (a viewer's HTTP and websocket operations draw on one).
#[tokio::test]
async fn websocket_operations_pass_the_same_admission() {
    use studiogate_testkit::isolation::Transport;
    let backend = &Backend::Sqlite;
    let listed = "query Listed { __typename }";
    let dir = tempfile::tempdir().expect("tmp");
    let manifest = dir.path().join("manifest.json");
    std::fs::write(&manifest, manifest_json(&sha256(listed), listed)).expect("write");
    let path = manifest.to_str().expect("utf-8").to_owned();
    let app = TestApp::spawn_with_env(
        BIN,
        backend,
        &[
            ("STUDIOGATE_TRUSTED_DOCUMENTS", path.as_str()),
            ("STUDIOGATE_RATE_LIMIT_PER_SECOND", "1"),
            ("STUDIOGATE_RATE_LIMIT_BURST", "3"),
        ],
    )
    .await
    .expect("app");
    let me = app.token(Uuid::new_v4());
    let ws = |query: &'static str| app.ask(Transport::WebSocket, Some(&me), query, json!({}));

    let ran = ws(listed).await.expect("answer");
    assert_eq!(ran["data"]["__typename"], "Query", "{ran}");
    let refused = ws("query Other { __typename }").await.expect("answer");
    assert_eq!(
        error_codes(&refused),
        vec!["OPERATION_NOT_TRUSTED"],
        "{refused}"
    );

    // Two of the three tokens are spent; one more over HTTP, then the socket is refused.
    let (status, _) = app.post(Some(&me), listed, json!({})).await.expect("ok");
    assert_eq!(status, 200);
    let limited = ws(listed).await.expect("answer");
    assert_eq!(error_codes(&limited), vec!["RATE_LIMITED"], "{limited}");
    assert!(
        limited["errors"][0]["extensions"]["retryAfter"].as_u64() >= Some(1),
        "{limited}"
    );
}

/// Running websocket operations are capped per socket and per viewer (over all its sockets);
/// a refused one is RATE_LIMITED / TOO_MANY_OPERATIONS, and finished ones free their slots.
async fn websocket_operations_are_capped_per_socket_and_per_viewer(backend: Backend) {
    use std::time::Duration;
    use studiogate_testkit::Frame;
    let env = [
        ("STUDIOGATE_WS_MAX_OPERATIONS_PER_SOCKET", "2"),
        ("STUDIOGATE_WS_MAX_OPERATIONS_PER_VIEWER", "3"),
    ];
    let (app, seed) = seeded_with_env(&backend, 1, &env).await;
    let token = app.token(member(&seed, 0, 1));
    let studio = json!({ "id": first_studio(&app, company(&seed, 0)).await });
    let watch = crate::realtime::WATCH_STUDIO;
    let refusal = |frame: Option<Frame>| match frame {
        Some(Frame::Next(payload)) => payload["errors"][0]["extensions"]["reason"].clone(),
        other => json!(format!("{other:?}")),
    };

    let mut a = app
        .subscribe(Some(&token), watch, studio.clone())
        .await
        .expect("a");
    a.subscribe_also("2", watch, studio.clone())
        .await
        .expect("a2");
    a.subscribe_also("3", watch, studio.clone())
        .await
        .expect("a3");
    let third = a.next(Duration::from_secs(5)).await.expect("socket");
    assert_eq!(refusal(third), "TOO_MANY_OPERATIONS", "the socket's third");

    let mut b = app
        .subscribe(Some(&token), watch, studio.clone())
        .await
        .expect("b");
    b.subscribe_also("2", watch, studio.clone())
        .await
        .expect("b2");
    let fourth = b.next(Duration::from_secs(5)).await.expect("socket");
    assert_eq!(
        refusal(fourth),
        "TOO_MANY_OPERATIONS",
        "the viewer's fourth"
    );

    // Closing the first socket frees its two slots.
    a.close().await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    b.subscribe_also("3", watch, studio.clone())
        .await
        .expect("b3");
    // The refused operation's completion may still be on its way; operation 3 runs, so
    // nothing is said of it (a refusal would be a `next` with errors).
    let mut said = Vec::new();
    while let Some(frame) = b.next(Duration::from_millis(700)).await.expect("socket") {
        said.push(frame);
    }
    assert!(
        said.iter()
            .all(|f| matches!(f, Frame::Complete(id) if id == "2")),
        "operation 3 runs: {said:?}"
    );
    b.close().await;
}
on_both_backends!(websocket_operations_are_capped_per_socket_and_per_viewer);

/// Opening a websocket draws on the caller's address bucket before anyone is authenticated:
/// past the burst, the upgrade itself is refused with 429 and `Retry-After`.
#[tokio::test]
async fn websocket_upgrades_are_rate_limited_per_address() {
    let app = TestApp::spawn_with_env(
        BIN,
        &Backend::Sqlite,
        &[
            ("STUDIOGATE_RATE_LIMIT_PER_SECOND", "1"),
            ("STUDIOGATE_RATE_LIMIT_BURST", "2"),
        ],
    )
    .await
    .expect("app");
    let token = app.token(uuid::Uuid::new_v4());
    let mut open = Vec::new();
    for _ in 0..2 {
        open.push(
            app.subscribe(Some(&token), "{ __typename }", json!({}))
                .await
                .expect("within the burst"),
        );
    }
    let Err(refused) = app
        .subscribe(Some(&token), "{ __typename }", json!({}))
        .await
    else {
        panic!("a third socket opened past the burst");
    };
    assert!(refused.to_string().contains("429"), "{refused:#}");
}

/// A websocket message is held to the HTTP body limit: a bigger one ends the connection, and
/// the server keeps serving.
#[tokio::test]
async fn websocket_messages_are_held_to_the_body_limit() {
    use std::time::Duration;
    use studiogate_testkit::Frame;
    let app = TestApp::spawn_with_env(
        BIN,
        &Backend::Sqlite,
        &[("STUDIOGATE_MAX_BODY_BYTES", "2048")],
    )
    .await
    .expect("app");
    let token = app.token(uuid::Uuid::new_v4());
    let big = format!("{{ __typename }} # {}", "x".repeat(4096));
    let mut sub = app
        .subscribe(Some(&token), &big, json!({}))
        .await
        .expect("connected");
    let said = sub.next(Duration::from_secs(5)).await.expect("socket");
    assert!(matches!(said, Some(Frame::Closed(_))), "{said:?}");
    let small = app
        .ask(
            studiogate_testkit::isolation::Transport::WebSocket,
            Some(&token),
            "{ __typename }",
            json!({}),
        )
        .await
        .expect("answer");
    assert_eq!(small["data"]["__typename"], "Query", "{small}");
}
