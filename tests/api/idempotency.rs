//! `Idempotency-Key`: a retried create writes one row.

use serde_json::json;
use studiogate_testkit::{error_codes, on_both_backends, Backend};

use crate::support::{company, member, rows, seeded};

const CREATE: &str = r#"mutation($input: CreateStudioInput!) { createStudio(input: $input) { studio { id name } } }"#;

async fn a_retried_create_with_the_same_key_writes_one_row(backend: Backend) {
    let (app, seed) = seeded(&backend, 1).await;
    let token = app.token(member(&seed, 0, 1));
    let input = |name: &str| json!({ "input": { "companyId": company(&seed, 0), "name": name, "businessArea": "SALES" } });
    let key = [("Idempotency-Key", "create-studio-7f3a")];
    let before = rows(&app, "SELECT id FROM studios").await.len();

    let (_, headers, first) = app
        .post_with_headers(&token, CREATE, input("Retried"), &key)
        .await
        .expect("ok");
    assert!(first["errors"].is_null(), "{first}");
    assert!(headers.get("idempotent-replayed").is_none());
    let (_, headers, second) = app
        .post_with_headers(&token, CREATE, input("Retried"), &key)
        .await
        .expect("ok");
    assert_eq!(
        second, first,
        "{backend:?}: the retry answers as the first did"
    );
    assert_eq!(
        headers
            .get("idempotent-replayed")
            .map(|v| v.to_str().unwrap_or("")),
        Some("true")
    );
    assert_eq!(rows(&app, "SELECT id FROM studios").await.len(), before + 1);

    // The same key with another request is refused and writes nothing.
    let (_, _, other) = app
        .post_with_headers(&token, CREATE, input("Something else"), &key)
        .await
        .expect("ok");
    assert_eq!(error_codes(&other), vec!["BAD_USER_INPUT"], "{other}");
    assert_eq!(other["errors"][0]["extensions"]["field"], "Idempotency-Key");
    assert_eq!(rows(&app, "SELECT id FROM studios").await.len(), before + 1);

    // A failed request leaves the key free for a corrected retry.
    let fresh = [("Idempotency-Key", "create-studio-8b1c")];
    let (_, _, failed) = app
        .post_with_headers(&token, CREATE, input("ab"), &fresh)
        .await
        .expect("ok");
    assert_eq!(error_codes(&failed), vec!["BAD_USER_INPUT"]);
    let (_, _, fixed) = app
        .post_with_headers(&token, CREATE, input("Corrected"), &fresh)
        .await
        .expect("ok");
    assert!(fixed["errors"].is_null(), "{backend:?}: {fixed}");

    // Keys belong to an account: another member's same key is theirs alone.
    let other_member = app.token(member(&seed, 0, 2));
    let (_, _, theirs) = app
        .post_with_headers(&other_member, CREATE, input("Theirs"), &key)
        .await
        .expect("ok");
    assert!(theirs["errors"].is_null(), "{theirs}");
    assert_eq!(rows(&app, "SELECT id FROM studios").await.len(), before + 3);
}
on_both_backends!(a_retried_create_with_the_same_key_writes_one_row);

/// A request cancelled before its answer (here by the request timeout, while the studios table
/// is locked) leaves no reservation behind: the retry runs instead of hearing "still running"
/// for a day. PostgreSQL only: SQLite cannot lock one table and leave the key table free.
#[tokio::test]
#[ignore = "needs PostgreSQL: TEST_DATABASE_URL and --include-ignored"]
async fn a_request_that_times_out_releases_its_key() {
    use sea_orm::{ConnectionTrait, TransactionTrait};
    let backend = studiogate_testkit::postgres();
    let env = [("STUDIOGATE_REQUEST_TIMEOUT_SECS", "1")];
    let (app, seed) = crate::support::seeded_with_env(&backend, 1, &env).await;
    let token = app.token(member(&seed, 0, 1));
    let input = json!({ "input": { "companyId": company(&seed, 0), "name": "Slow", "businessArea": "SALES" } });
    let key = [("Idempotency-Key", "slow-create-1")];

    let db = app.db.connect().await.expect("connect");
    let lock = db.begin().await.expect("begin");
    lock.execute_unprepared("LOCK TABLE studios IN ACCESS EXCLUSIVE MODE")
        .await
        .expect("lock");
    let (status, _, body) = app
        .post_with_headers(&token, CREATE, input.clone(), &key)
        .await
        .expect("answered");
    assert_eq!(status, 504, "{body}");
    assert_eq!(error_codes(&body), vec!["TIMEOUT"]);
    lock.rollback().await.expect("unlock");

    // The release runs in a task of its own, right after the cancellation.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    let retried = loop {
        let (_, _, body) = app
            .post_with_headers(&token, CREATE, input.clone(), &key)
            .await
            .expect("answered");
        let running = body["errors"][0]["extensions"]["reason"] == "IDEMPOTENCY_IN_PROGRESS";
        if !running || tokio::time::Instant::now() > deadline {
            break body;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(
        retried["data"]["createStudio"]["studio"]["name"], "Slow",
        "{retried}"
    );
}
