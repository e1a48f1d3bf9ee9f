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

fn person(summary: &Value, c: usize, role: &str) -> Uuid {
    serde_json::from_value(summary["companies"][c]["people"][role].clone())
        .unwrap_or_else(|e| panic!("the seed names no {role} of company {c}: {e}"))
}

/// Company `c`'s admin in the seed summary.
pub fn admin(summary: &Value, c: usize) -> Uuid {
    person(summary, c, "admin")
}

/// Approved member `n` (from 1) of company `c`, not an admin.
pub fn member(summary: &Value, c: usize, n: usize) -> Uuid {
    let id = &summary["companies"][c]["people"]["members"][n - 1];
    serde_json::from_value(id.clone()).expect("a member of that number")
}

pub fn pending(summary: &Value, c: usize) -> Uuid {
    person(summary, c, "pending")
}

pub fn rejected(summary: &Value, c: usize) -> Uuid {
    person(summary, c, "rejected")
}

pub fn revoked(summary: &Value, c: usize) -> Uuid {
    person(summary, c, "revoked")
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

/// Reads one HTTP/1.1 response off a raw connection (tests that write requests by hand): the
/// status, the head lower-cased, and the `Content-Length` bytes of JSON body.
pub async fn read_response(stream: &mut tokio::net::TcpStream) -> (u16, String, Value) {
    use tokio::io::AsyncReadExt;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let split = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut chunk).await.expect("reads");
        assert!(n > 0, "connection closed before the response head");
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..split]).to_lowercase();
    let status = head[9..12].parse().expect("status");
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("content-length");
    while buf.len() < split + length {
        let n = stream.read(&mut chunk).await.expect("reads");
        assert!(n > 0, "connection closed inside the response body");
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = serde_json::from_slice(&buf[split..split + length]).expect("json body");
    (status, head, body)
}

/// A stored file row for `studio`, written straight to the database (for tests about what is
/// stored, not about uploads): `size` bytes, `access` level, uploaded at `at`.
pub async fn store_file(
    app: &TestApp,
    studio: Uuid,
    uploader: Uuid,
    size: i32,
    access: &str,
    at: chrono::DateTime<chrono::FixedOffset>,
) {
    use sea_orm::sea_query::{Alias, Query};
    let db = app.db.connect().await.expect("connect");
    let id = Uuid::new_v4();
    let stmt = Query::insert()
        .into_table(Alias::new("files"))
        .columns(
            [
                "id",
                "studio_id",
                "uploaded_by",
                "filename",
                "file_size",
                "mime_type",
                "supabase_path",
                "access_level",
                "upload_timestamp",
            ]
            .map(Alias::new),
        )
        .values_panic([
            id.into(),
            studio.into(),
            uploader.into(),
            format!("f{size}.pdf").into(),
            size.into(),
            "application/pdf".into(),
            format!("studios/{studio}/{id}").into(),
            access.into(),
            at.into(),
        ])
        .to_owned();
    db.execute(db.get_database_backend().build(&stmt))
        .await
        .expect("insert");
}

/// The statement a Studios read sends for the viewer's memberships: none on PostgreSQL, where
/// each scoped statement selects them itself; one on SQLite.
pub fn memberships(backend: &Backend) -> u64 {
    match backend {
        Backend::Postgres(_) => 0,
        Backend::Sqlite => 1,
    }
}
