//! KAIRO over the API: public reads, the isolation walk of its namespace, statement counts,
//! writes and their error paths, and subscriptions, on both backends.

mod reads;
mod walk;
mod writes;

use sea_orm::{ConnectionTrait, Statement};
use serde_json::Value;
use studiogate_testkit::{Backend, TestApp};
use uuid::Uuid;

use crate::support::BIN;

/// The walk and the count tests send many requests; the rate limits are not what they test.
pub const UNLIMITED: &[(&str, &str)] = &[
    ("STUDIOGATE_RATE_LIMIT_PER_SECOND", "1000000"),
    ("STUDIOGATE_RATE_LIMIT_BURST", "1000000"),
    ("STUDIOGATE_TENANT_RATE_LIMIT_PER_SECOND", "1000000"),
    ("STUDIOGATE_TENANT_RATE_LIMIT_BURST", "1000000"),
];

/// A running app seeded at `scale`, and the KAIRO part of the seed's summary.
pub async fn seeded(backend: &Backend, scale: u32) -> (TestApp, Value) {
    let app = TestApp::spawn_with_env(BIN, backend, UNLIMITED)
        .await
        .expect("app starts");
    let summary = app.seed(scale).await.expect("seed loads");
    (app, summary["kairo"].clone())
}

pub fn id(value: &Value) -> Uuid {
    serde_json::from_value(value.clone()).unwrap_or_else(|e| panic!("not an id: {value}: {e}"))
}

pub fn ids(value: &Value) -> Vec<Uuid> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {value}"))
        .iter()
        .map(id)
        .collect()
}

/// Company `c` of the seed.
pub fn company(kairo: &Value, c: usize) -> &Value {
    &kairo["companies"][c]
}

/// Client `k` of company `c`.
pub fn client(kairo: &Value, c: usize, k: usize) -> Uuid {
    id(&company(kairo, c)["clients"][k])
}

/// Runs one statement with bound values on the app's database (placeholders `$1`, `$2`, ...
/// are rewritten for SQLite).
pub async fn execute(app: &TestApp, sql: &str, values: Vec<sea_orm::Value>) {
    let db = app.db.connect().await.expect("connect");
    let backend = db.get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => sql.to_owned(),
        _ => (1..=values.len())
            .rev()
            .fold(sql.to_owned(), |s, n| s.replace(&format!("${n}"), "?")),
    };
    db.execute(Statement::from_sql_and_values(backend, sql, values))
        .await
        .expect("statement runs");
}

/// The error codes of a response.
pub fn codes(body: &Value) -> Vec<String> {
    studiogate_testkit::error_codes(body)
}

/// The `extensions.reason` of the first error.
pub fn reason(body: &Value) -> &str {
    body["errors"][0]["extensions"]["reason"]
        .as_str()
        .unwrap_or_default()
}
