use base64::Engine;
use serde_json::json;
use studiogate_testkit::{error_codes, on_both_backends, Backend, TestApp, TEST_JWT_SECRET};
use uuid::Uuid;

use crate::support::{member, seeded, BIN};

const QUERY: &str = "{ viewer { id } }";

async fn refused(app: &TestApp, header: &str) -> bool {
    let resp = reqwest::Client::new()
        .post(format!("{}/graphql", app.base_url))
        .header("Authorization", header)
        .json(&json!({ "query": QUERY }))
        .send()
        .await
        .expect("response");
    let status = resp.status().as_u16();
    let body: serde_json::Value = resp.json().await.expect("json");
    status == 401 && error_codes(&body) == vec!["UNAUTHENTICATED"] && body["data"].is_null()
}

async fn bad_tokens_are_refused_with_unauthenticated(backend: Backend) {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let (app, seed) = seeded(&backend, 1).await;
    let sub = member(&seed, 0, 1);
    let good = app.token(sub);
    let expired =
        studiogate_graph::JwtKeys::new(TEST_JWT_SECRET.as_bytes(), None).sign(sub, -60, None);
    let foreign = studiogate_graph::JwtKeys::new(b"someone-else", None).sign(sub, 600, None);
    let mut parts: Vec<String> = good.split('.').map(str::to_owned).collect();
    // Same signature, claims changed to another subject.
    let claims = format!(
        r#"{{"sub":"{}","exp":{},"role":"platform_admin"}}"#,
        Uuid::new_v4(),
        chrono::Utc::now().timestamp() + 600
    );
    parts[1] = b64.encode(claims.as_bytes());
    let tampered = parts.join(".");
    let none = format!(
        "{}.{}.",
        b64.encode(r#"{"alg":"none","typ":"JWT"}"#),
        parts[1]
    );
    for (what, header) in [
        ("expired", format!("Bearer {expired}")),
        ("wrong secret", format!("Bearer {foreign}")),
        ("tampered", format!("Bearer {tampered}")),
        ("alg none", format!("Bearer {none}")),
        ("garbage", "Bearer not.a.jwt".to_owned()),
        ("wrong scheme", format!("Basic {good}")),
    ] {
        assert!(
            refused(&app, &header).await,
            "{backend:?}: {what} token accepted"
        );
    }
    let body = app.gql(&good, QUERY, json!({})).await.expect("ok");
    assert_eq!(body["data"]["viewer"]["id"], json!(sub));
}
on_both_backends!(bad_tokens_are_refused_with_unauthenticated);

#[tokio::test]
async fn token_command_prints_a_token_the_server_accepts() {
    let backend = &Backend::Sqlite;
    let (app, seed) = seeded(backend, 1).await;
    let sub = member(&seed, 0, 2);
    let out = app
        .run(&["token", "--sub", &sub.to_string(), "--ttl-secs", "120"])
        .await
        .expect("runs");
    assert!(out.status.success());
    let token = String::from_utf8(out.stdout).expect("utf8");
    let body = app.gql(token.trim(), QUERY, json!({})).await.expect("ok");
    assert_eq!(body["data"]["viewer"]["id"], json!(sub), "{body}");
    assert!(!BIN.is_empty());
}
