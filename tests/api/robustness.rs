//! Request timeout, graceful shutdown, and readiness that follows the database.

use serde_json::json;
use std::time::Duration;
use studiogate_testkit::{on_both_backends, Backend, TestApp, TestDb};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use uuid::Uuid;

use crate::support::BIN;

/// A POST /graphql whose body is sent in two halves, so the request stays in flight.
struct SlowPost {
    stream: TcpStream,
    rest: Vec<u8>,
}

impl SlowPost {
    async fn start(app: &TestApp, token: &str, query: &str) -> Self {
        let body = json!({ "query": query }).to_string().into_bytes();
        let head = format!(
            "POST /graphql HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
             Authorization: Bearer {token}\r\nContent-Length: {}\r\n\r\n",
            app.addr(),
            body.len()
        );
        let mut stream = TcpStream::connect(app.addr()).await.expect("connects");
        let half = body.len() / 2;
        stream.write_all(head.as_bytes()).await.expect("head");
        stream.write_all(&body[..half]).await.expect("half");
        stream.flush().await.expect("flush");
        Self {
            stream,
            rest: body[half..].to_vec(),
        }
    }

    async fn finish(mut self) -> (u16, serde_json::Value) {
        self.stream.write_all(&self.rest).await.expect("rest");
        self.read().await
    }

    /// Reads one response (status line, headers, `Content-Length` bytes of body).
    async fn read(mut self) -> (u16, serde_json::Value) {
        let (status, _, body) = crate::support::read_response(&mut self.stream).await;
        (status, body)
    }
}

#[tokio::test]
async fn a_request_past_the_timeout_gets_504_with_code_timeout() {
    let env = [("STUDIOGATE_REQUEST_TIMEOUT_SECS", "1")];
    let app = TestApp::spawn_with_env(BIN, &Backend::Sqlite, &env)
        .await
        .expect("app");
    let token = app.token(Uuid::new_v4());
    let slow = SlowPost::start(&app, &token, "{ companies { totalCount } }").await;
    let (status, body) = slow.read().await;
    assert_eq!(status, 504, "{body}");
    assert_eq!(body["errors"][0]["extensions"]["code"], "TIMEOUT");
    assert!(body["errors"][0]["extensions"]["requestId"].is_string());
    let (_, metrics) = app.get("/metrics").await.expect("metrics");
    assert!(metrics.contains("studiogate_graphql_errors_total{code=\"TIMEOUT\"} 1"));
}

async fn sigterm_lets_an_in_flight_request_finish(backend: Backend) {
    let mut app = TestApp::spawn(BIN, &backend).await.expect("app");
    let token = app.token(Uuid::new_v4());
    let slow = SlowPost::start(&app, &token, "{ companies { totalCount } }").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.terminate().expect("SIGTERM");
    // The listener closes at once: new connections are refused ...
    let mut refused = false;
    for _ in 0..50 {
        if TcpStream::connect(app.addr()).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(refused, "{backend:?}: still accepting after SIGTERM");
    // ... while the request already in flight completes normally.
    let (status, body) = slow.finish().await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["companies"]["totalCount"], 0, "{body}");
    let exit = app.wait_exit(Duration::from_secs(20)).await.expect("exits");
    assert!(exit.success(), "{backend:?}: exit status {exit}");
}
on_both_backends!(sigterm_lets_an_in_flight_request_finish);

#[tokio::test]
async fn the_shutdown_deadline_bounds_a_request_that_never_finishes() {
    let env = [("STUDIOGATE_SHUTDOWN_TIMEOUT_SECS", "1")];
    let mut app = TestApp::spawn_with_env(BIN, &Backend::Sqlite, &env)
        .await
        .expect("app");
    let token = app.token(Uuid::new_v4());
    // Half a body, and the rest never comes.
    let _stuck = SlowPost::start(&app, &token, "{ companies { totalCount } }").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let start = std::time::Instant::now();
    app.terminate().expect("SIGTERM");
    let exit = app.wait_exit(Duration::from_secs(15)).await.expect("exits");
    assert!(exit.success(), "exit status {exit}");
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "took {:?} to stop",
        start.elapsed()
    );
    assert!(
        app.logs().contains("shutdown deadline passed"),
        "{}",
        app.logs()
    );
}

/// A PostgreSQL cluster of this test's own, in a temporary folder, so stopping it does not
/// disturb the shared server other tests use.
struct PrivateCluster {
    bin: std::path::PathBuf,
    dir: tempfile::TempDir,
    port: u16,
}

impl PrivateCluster {
    fn pg_bin() -> Option<std::path::PathBuf> {
        let mut found: Vec<_> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .flatten()
            .map(|e| e.path().join("bin"))
            .filter(|b| b.join("pg_ctl").exists() && b.join("initdb").exists())
            .collect();
        found.sort();
        found.pop()
    }

    /// Runs a PostgreSQL tool, as the `postgres` user when the tests run as root (initdb and
    /// postgres refuse to run as root).
    fn tool(&self, name: &str, args: &[&str]) -> std::process::Output {
        let exe = self.bin.join(name);
        let root = std::process::Command::new("id")
            .arg("-u")
            .output()
            .map(|o| o.stdout.starts_with(b"0\n"))
            .unwrap_or(false);
        let mut command = if root {
            let mut c = std::process::Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&exe);
            c
        } else {
            std::process::Command::new(&exe)
        };
        command.args(args).output().expect("runs a PostgreSQL tool")
    }

    fn create(bin: std::path::PathBuf) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let cluster = Self { bin, dir, port };
        let _ = std::process::Command::new("chown")
            .args(["-R", "postgres"])
            .arg(cluster.dir.path())
            .status();
        let data = cluster.data();
        let out = cluster.tool("initdb", &["-D", &data, "-A", "trust", "-U", "postgres"]);
        assert!(out.status.success(), "initdb: {out:?}");
        cluster.start();
        cluster
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn start(&self) {
        let opts = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("log").display().to_string();
        let out = self.tool(
            "pg_ctl",
            &["-D", &self.data(), "-o", &opts, "-l", &log, "-w", "start"],
        );
        assert!(out.status.success(), "pg_ctl start: {out:?}");
    }

    fn stop(&self) {
        let out = self.tool("pg_ctl", &["-D", &self.data(), "-m", "fast", "-w", "stop"]);
        assert!(out.status.success(), "pg_ctl stop: {out:?}");
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        let _ = self.tool("pg_ctl", &["-D", &self.data(), "-m", "immediate", "stop"]);
    }
}

async fn ready_within(app: &TestApp, expected: u16, limit: Duration) -> bool {
    let deadline = tokio::time::Instant::now() + limit;
    while tokio::time::Instant::now() < deadline {
        if matches!(app.get("/readyz").await, Ok((status, _)) if status == expected) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    false
}

/// Starts and stops a PostgreSQL cluster of its own (initdb and pg_ctl under
/// /usr/lib/postgresql), so the shared server is never stopped.
#[tokio::test]
#[ignore = "needs PostgreSQL's server binaries (initdb, pg_ctl) and --include-ignored"]
async fn readiness_goes_false_and_true_again_with_the_database() {
    let bin = PrivateCluster::pg_bin()
        .expect("this test needs initdb and pg_ctl under /usr/lib/postgresql");
    let cluster = PrivateCluster::create(bin);
    let db = TestDb::external(&cluster.url(), Backend::Postgres(cluster.url()));
    let app = TestApp::spawn_on(BIN, db, &[]).await.expect("app");
    let token = app.token(Uuid::new_v4());
    assert_eq!(app.get("/readyz").await.expect("ok").0, 200);
    cluster.stop();
    assert!(
        ready_within(&app, 503, Duration::from_secs(10)).await,
        "/readyz stayed 200 with the database down"
    );
    cluster.start();
    assert!(
        ready_within(&app, 200, Duration::from_secs(15)).await,
        "/readyz did not come back after the database did"
    );
    let body = app
        .gql(&token, "{ companies { totalCount } }", json!({}))
        .await
        .expect("ok");
    assert_eq!(body["data"]["companies"]["totalCount"], 0, "{body}");
}
