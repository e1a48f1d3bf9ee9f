use sea_orm::{ConnectionTrait, Statement};
use serde_json::Value;
use studiogate_testkit::{Backend, TestApp};
use uuid::Uuid;

pub const BIN: &str = env!("CARGO_BIN_EXE_studiogate");

/// A running app on `backend`, seeded at `scale`, with the seed's summary.
pub async fn seeded(backend: &Backend, scale: u32) -> (TestApp, Value) {
    seeded_with_env(backend, scale, &[]).await
}

/// Like [`seeded`], with extra environment variables for the server.
pub async fn seeded_with_env(
    backend: &Backend,
    scale: u32,
    env: &[(&str, &str)],
) -> (TestApp, Value) {
    let app = TestApp::spawn_with_env(BIN, backend, env)
        .await
        .expect("app starts");
    let summary = app.seed(scale).await.expect("seed loads");
    (app, summary)
}

/// Account `k` of company `c` in the seed: 0 admin, 1-6 members, 7 pending, 8 rejected,
/// 9 revoked.
pub fn account(summary: &Value, c: usize, k: usize) -> Uuid {
    let id = &summary["accounts"][c * 10 + k]["id"];
    serde_json::from_value(id.clone()).expect("account id")
}

pub fn company(summary: &Value, c: usize) -> Uuid {
    serde_json::from_value(summary["companies"][c]["id"].clone()).expect("company id")
}

/// Runs raw SQL on the app's database (for fixtures and for checking what is stored).
pub async fn rows(app: &TestApp, sql: &str) -> Vec<sea_orm::QueryResult> {
    let db = app.db.connect().await.expect("connect");
    let backend = db.get_database_backend();
    db.query_all(Statement::from_string(backend, sql.to_owned()))
        .await
        .expect("query")
}

pub fn uuid(row: &sea_orm::QueryResult, column: &str) -> Uuid {
    row.try_get("", column).expect("uuid column")
}

pub fn text(row: &sea_orm::QueryResult, column: &str) -> String {
    row.try_get("", column).expect("text column")
}
