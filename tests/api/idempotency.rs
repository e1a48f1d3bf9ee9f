//! `Idempotency-Key`: a retried create writes one row.

use serde_json::json;
use studiogate_testkit::{error_codes, on_both_backends, Backend};

use crate::support::{account, company, rows, seeded};

const CREATE: &str = r#"mutation($input: CreateStudioInput!) { createStudio(input: $input) { studio { id name } } }"#;

async fn a_retried_create_with_the_same_key_writes_one_row(backend: Backend) {
    let (app, seed) = seeded(&backend, 1).await;
    let token = app.token(account(&seed, 0, 1));
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
    let other_member = app.token(account(&seed, 0, 2));
    let (_, _, theirs) = app
        .post_with_headers(&other_member, CREATE, input("Theirs"), &key)
        .await
        .expect("ok");
    assert!(theirs["errors"].is_null(), "{theirs}");
    assert_eq!(rows(&app, "SELECT id FROM studios").await.len(), before + 3);
}
on_both_backends!(a_retried_create_with_the_same_key_writes_one_row);
