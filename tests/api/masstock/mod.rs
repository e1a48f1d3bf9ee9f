//! MasStock over the API, on both backends: the isolation walk, statement counts, the writes
//! and their state machines, the runner protocol with its sealed API key, result images,
//! subscriptions and analytics.

mod demo;
mod nested;
mod people;
mod runner;
mod walk;
mod writes;

use serde_json::{json, Value};
use studiogate_testkit::{Backend, TestApp};
use uuid::Uuid;

/// The walk and the runner tests send many requests; the rate limits are not what they test.
pub const UNLIMITED: &[(&str, &str)] = &[
    ("STUDIOGATE_RATE_LIMIT_PER_SECOND", "1000000"),
    ("STUDIOGATE_RATE_LIMIT_BURST", "1000000"),
    ("STUDIOGATE_TENANT_RATE_LIMIT_PER_SECOND", "1000000"),
    ("STUDIOGATE_TENANT_RATE_LIMIT_BURST", "1000000"),
];

/// An app seeded at `scale`, with the MasStock part of the seed's summary; the seed's admin
/// account is made the MasStock platform admin.
pub async fn seeded(backend: &Backend, scale: u32) -> (TestApp, Value) {
    seeded_with_env(backend, scale, &[]).await
}

/// Like [`seeded`], with more environment for the server.
pub async fn seeded_with_env(
    backend: &Backend,
    scale: u32,
    env: &[(&str, &str)],
) -> (TestApp, Value) {
    let env: Vec<(&str, &str)> = UNLIMITED.iter().chain(env).copied().collect();
    let app = TestApp::spawn_with_env(crate::support::BIN, backend, &env)
        .await
        .expect("app starts");
    let summary = app.seed(scale).await.expect("seed loads");
    let seed = summary["masstock"].clone();
    app.grant_platform_admin(admin(&seed), "masstock")
        .await
        .expect("granted");
    (app, seed)
}

pub fn id(value: &Value) -> Uuid {
    serde_json::from_value(value.clone()).unwrap_or_else(|e| panic!("{value} is no id: {e}"))
}

/// Client `c` of the seed.
pub fn client(seed: &Value, c: usize) -> Uuid {
    id(&seed["clients"][c]["id"])
}

pub fn owner(seed: &Value, c: usize) -> Uuid {
    id(&seed["clients"][c]["owner"])
}

pub fn collaborator(seed: &Value, c: usize) -> Uuid {
    id(&seed["clients"][c]["collaborators"][0])
}

pub fn workflow(seed: &Value, c: usize) -> Uuid {
    id(&seed["clients"][c]["workflows"][0])
}

pub fn admin(seed: &Value) -> Uuid {
    id(&seed["admin"])
}

/// `extensions.code` and `extensions.reason` of the first error.
pub fn refusal(body: &Value) -> (String, String) {
    let ext = &body["errors"][0]["extensions"];
    (
        ext["code"].as_str().unwrap_or("<none>").to_owned(),
        ext["reason"].as_str().unwrap_or("").to_owned(),
    )
}

/// Runs `query` as `token` and returns its data, failing on any error.
pub async fn ok(app: &TestApp, token: &str, query: &str, variables: Value) -> Value {
    let body = app.gql(token, query, variables).await.expect("response");
    assert!(body["errors"].is_null(), "{query}: {body}");
    body["data"].clone()
}

/// A count of rows, as the database has it.
pub async fn count(app: &TestApp, sql: &str) -> i64 {
    let rows = crate::support::rows(app, sql).await;
    rows[0].try_get("", "n").expect("a count named n")
}

pub fn nothing() -> Value {
    json!({})
}
