//! Black-box test support. Each test gets its own database (a temporary SQLite file, or a fresh
//! PostgreSQL database when `TEST_DATABASE_URL` is set) and runs the real `studiogate` binary
//! on port 0 against it, talking to it only over HTTP.

mod db;
pub mod isolation;
mod ws;

pub use db::{Backend, TestDb};
pub use ws::{Frame, Refused, Subscription};

use anyhow::{anyhow, Context};
use serde_json::{json, Value};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use studiogate_graph::JwtKeys;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use uuid::Uuid;

/// Long enough for production mode (32 bytes or more).
pub const TEST_JWT_SECRET: &str = "studiogate-test-secret-0123456789abcdef";

/// The PostgreSQL server of `TEST_DATABASE_URL` (each test creates its own database beside
/// the one named). Tests that need it are `#[ignore]`d, so a plain `cargo test` runs without
/// it; asked to run anyway (`--include-ignored`) without the variable, they fail here.
pub fn postgres() -> Backend {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(url) => Backend::Postgres(url),
        Err(_) => panic!(
            "this test needs PostgreSQL: set TEST_DATABASE_URL (such as \
             postgres://postgres@127.0.0.1:5432/postgres)"
        ),
    }
}

/// Runs each named `async fn(Backend)` as two tests, `<name>::sqlite` and `<name>::postgres`,
/// so the backends pass or fail separately and run in parallel; the PostgreSQL one is ignored
/// unless asked for (`cargo test -- --include-ignored`, with `TEST_DATABASE_URL`).
#[macro_export]
macro_rules! on_both_backends {
    ($($test:ident),+ $(,)?) => {$(
        mod $test {
            #[tokio::test]
            async fn sqlite() {
                super::$test($crate::Backend::Sqlite).await
            }

            #[tokio::test]
            #[ignore = "needs PostgreSQL: TEST_DATABASE_URL and --include-ignored"]
            async fn postgres() {
                super::$test($crate::postgres()).await
            }
        }
    )+};
}

/// A running `studiogate serve` process and the database it owns.
pub struct TestApp {
    child: Child,
    /// Where the server keeps uploaded bytes.
    pub storage: tempfile::TempDir,
    pub base_url: String,
    /// Shared with replicas; dropped (with its database) when the last one goes.
    pub db: Arc<TestDb>,
    bin: String,
    env: Vec<(String, String)>,
    http: reqwest::Client,
    keys: JwtKeys,
    logs: Arc<Mutex<String>>,
}

impl TestApp {
    /// Starts the binary at `bin` (pass `env!("CARGO_BIN_EXE_studiogate")`) on a fresh database.
    pub async fn spawn(bin: &str, backend: &Backend) -> anyhow::Result<Self> {
        Self::spawn_with_env(bin, backend, &[]).await
    }

    /// Like [`TestApp::spawn`], with extra environment variables for the server.
    pub async fn spawn_with_env(
        bin: &str,
        backend: &Backend,
        env: &[(&str, &str)],
    ) -> anyhow::Result<Self> {
        let db = TestDb::create(backend).await?;
        Self::spawn_on(bin, db, env).await
    }

    /// Starts the binary on a database made elsewhere (see [`TestDb::external`]).
    pub async fn spawn_on(bin: &str, db: TestDb, env: &[(&str, &str)]) -> anyhow::Result<Self> {
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Self::start(bin, Arc::new(db), env).await
    }

    /// A second server process on this app's database (another replica behind a load
    /// balancer), with the same environment.
    pub async fn spawn_replica(&self) -> anyhow::Result<Self> {
        Self::start(&self.bin, self.db.clone(), self.env.clone()).await
    }

    async fn start(bin: &str, db: Arc<TestDb>, env: Vec<(String, String)>) -> anyhow::Result<Self> {
        let storage = tempfile::tempdir()?;
        let mut child = Command::new(bin)
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--database-url",
                &db.url,
            ])
            .env("STUDIOGATE_STORAGE_DIR", storage.path())
            // Tests send bursts no client would; the rate-limit tests set their own budgets.
            .env("STUDIOGATE_RATE_LIMIT_PER_SECOND", "100000")
            .env("STUDIOGATE_RATE_LIMIT_BURST", "100000")
            .env("STUDIOGATE_TENANT_RATE_LIMIT_PER_SECOND", "100000")
            .env("STUDIOGATE_TENANT_RATE_LIMIT_BURST", "100000")
            .env("STUDIOGATE_JWT_SECRET", TEST_JWT_SECRET)
            .env("STUDIOGATE_DEMO", "off")
            .env(
                "RUST_LOG",
                std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()),
            )
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .context("spawning studiogate")?;
        let logs = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().context("stderr")?;
        tokio::spawn(collect_logs(stderr, logs.clone()));
        let stdout = child.stdout.take().context("stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let base_url = tokio::time::timeout(std::time::Duration::from_secs(60), async {
            while let Some(line) = lines.next_line().await? {
                if let Some(url) = line.split("listening on ").nth(1) {
                    return Ok(url.trim().to_owned());
                }
            }
            Err(anyhow!("studiogate exited before listening"))
        })
        .await
        .context("studiogate did not start within 60 s")??;
        // Keep draining stdout so the child never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(Self {
            child,
            storage,
            base_url,
            db,
            bin: bin.to_owned(),
            env,
            http: reqwest::Client::new(),
            keys: JwtKeys::new(TEST_JWT_SECRET.as_bytes(), None),
            logs,
        })
    }

    /// Everything the server logged so far (its stderr; also echoed to the test's stderr).
    pub fn logs(&self) -> String {
        self.logs.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// The server's address, `127.0.0.1:PORT`.
    pub fn addr(&self) -> &str {
        self.base_url.trim_start_matches("http://")
    }

    /// Sends SIGTERM to the server, as an orchestrator stopping it would.
    pub fn terminate(&self) -> anyhow::Result<()> {
        let pid = self.child.id().context("server already exited")?;
        let status = std::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()?;
        anyhow::ensure!(status.success(), "kill -TERM {pid} failed");
        Ok(())
    }

    /// Waits up to `limit` for the server to exit and returns its exit status.
    pub async fn wait_exit(
        &mut self,
        limit: std::time::Duration,
    ) -> anyhow::Result<std::process::ExitStatus> {
        tokio::time::timeout(limit, self.child.wait())
            .await
            .context("server did not exit in time")?
            .context("waiting for the server")
    }

    /// Loads `studiogate seed --scale N` into this app's database and returns its summary.
    pub async fn seed(&self, scale: u32) -> anyhow::Result<Value> {
        let out = Command::new(&self.bin)
            .args([
                "seed",
                "--scale",
                &scale.to_string(),
                "--database-url",
                &self.db.url,
            ])
            // The seeded files' bytes go where this server reads them (its folder, or the
            // store its environment names).
            .env("STUDIOGATE_STORAGE_DIR", self.storage.path())
            .env("STUDIOGATE_JWT_SECRET", TEST_JWT_SECRET)
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .output()
            .await?;
        anyhow::ensure!(
            out.status.success(),
            "seed failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(serde_json::from_slice(&out.stdout)?)
    }

    /// Makes `account` the platform administrator of `domain`, as an operator does
    /// (`studiogate admin grant`), in this app's database.
    pub async fn grant_platform_admin(&self, account: Uuid, domain: &str) -> anyhow::Result<()> {
        let account = account.to_string();
        let out = self
            .run(&[
                "admin",
                "grant",
                "--account",
                &account,
                "--domain",
                domain,
                "--database-url",
                &self.db.url,
            ])
            .await?;
        anyhow::ensure!(
            out.status.success(),
            "admin grant failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(())
    }

    /// Runs the binary with other arguments (for `token`, `schema`, ...).
    pub async fn run(&self, args: &[&str]) -> anyhow::Result<std::process::Output> {
        Ok(Command::new(&self.bin)
            .args(args)
            .env("STUDIOGATE_STORAGE_DIR", self.storage.path())
            .env("STUDIOGATE_JWT_SECRET", TEST_JWT_SECRET)
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .output()
            .await?)
    }

    /// A valid token for `sub`, signed as the app expects.
    pub fn token(&self, sub: Uuid) -> String {
        self.keys.sign(sub, 600, None)
    }

    pub fn token_with_role(&self, sub: Uuid, role: &str) -> String {
        self.keys.sign(sub, 600, Some(role))
    }

    /// POSTs a GraphQL operation; returns the HTTP status and the JSON body.
    pub async fn post(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> anyhow::Result<(u16, Value)> {
        let mut req = self
            .http
            .post(format!("{}/graphql", self.base_url))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            req = req.header("Authorization", format!("Bearer {token}"));
        }
        let resp = req.send().await?;
        let status = resp.status().as_u16();
        Ok((status, resp.json().await?))
    }

    /// POSTs with extra request headers; returns the status, the response headers and the body.
    pub async fn post_with_headers(
        &self,
        token: &str,
        query: &str,
        variables: Value,
        headers: &[(&str, &str)],
    ) -> anyhow::Result<(u16, reqwest::header::HeaderMap, Value)> {
        let mut req = self
            .http
            .post(format!("{}/graphql", self.base_url))
            .bearer_auth(token)
            .json(&json!({ "query": query, "variables": variables }));
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        let resp = req.send().await?;
        let (status, headers) = (resp.status().as_u16(), resp.headers().clone());
        Ok((status, headers, resp.json().await?))
    }

    /// Uploads `content` as `uploadFile` through a GraphQL multipart request.
    pub async fn upload(
        &self,
        token: &str,
        studio_id: Uuid,
        filename: &str,
        content_type: &str,
        content: Vec<u8>,
        access_level: &str,
    ) -> anyhow::Result<Value> {
        let operations = json!({
            "query": "mutation($input: UploadFileInput!) { uploadFile(input: $input) { file { id filename mimeType fileSize accessLevel downloadUrl } } }",
            "variables": { "input": { "studioId": studio_id, "file": null, "accessLevel": access_level } }
        });
        let part = reqwest::multipart::Part::bytes(content)
            .file_name(filename.to_owned())
            .mime_str(content_type)?;
        let form = reqwest::multipart::Form::new()
            .text("operations", operations.to_string())
            .text("map", r#"{"0": ["variables.input.file"]}"#)
            .part("0", part);
        let resp = self
            .http
            .post(format!("{}/graphql", self.base_url))
            .bearer_auth(token)
            // Multipart is a content type browsers send cross-site: CSRF prevention wants this.
            .header("apollo-require-preflight", "true")
            .multipart(form)
            .send()
            .await?;
        Ok(resp.json().await?)
    }

    /// POSTs a GraphQL operation as `token` and returns the JSON body.
    pub async fn gql(&self, token: &str, query: &str, variables: Value) -> anyhow::Result<Value> {
        Ok(self.post(Some(token), query, variables).await?.1)
    }

    /// The response body as the server wrote it: for comparing answers key order included.
    pub async fn gql_text(
        &self,
        token: &str,
        query: &str,
        variables: Value,
    ) -> anyhow::Result<String> {
        let resp = self
            .http
            .post(format!("{}/graphql", self.base_url))
            .json(&json!({ "query": query, "variables": variables }))
            .header("Authorization", format!("Bearer {token}"))
            .send()
            .await?;
        Ok(resp.text().await?)
    }

    pub async fn get(&self, path: &str) -> anyhow::Result<(u16, String)> {
        let resp = self
            .http
            .get(format!("{}{path}", self.base_url))
            .send()
            .await?;
        Ok((resp.status().as_u16(), resp.text().await?))
    }

    /// The current value of `studiogate_db_statements_total`.
    pub async fn statements(&self) -> anyhow::Result<u64> {
        let (_, body) = self.get("/metrics").await?;
        body.lines()
            .find_map(|l| l.strip_prefix("studiogate_db_statements_total "))
            .and_then(|v| v.trim().parse().ok())
            .context("studiogate_db_statements_total missing from /metrics")
    }

    /// Runs the read `query` three times and returns the fewest SQL statements one run sent,
    /// with the first run's body. A loader sends a level's keys as one statement when they
    /// arrive within its batch window; a machine that stalls the server for longer than the
    /// window (a loaded CI box) splits the level into two now and then. The statement plan is
    /// what the tests assert, and a plan that costs more (an N+1) costs more on every run.
    pub async fn count_statements(
        &self,
        token: &str,
        query: &str,
        variables: Value,
    ) -> anyhow::Result<(u64, Value)> {
        anyhow::ensure!(
            !query.trim_start().starts_with("mutation"),
            "count_statements runs its operation three times: reads only"
        );
        let mut fewest = u64::MAX;
        let mut first = None;
        for _ in 0..3 {
            let before = self.statements().await?;
            let body = self.gql(token, query, variables.clone()).await?;
            fewest = fewest.min(self.statements().await? - before);
            first.get_or_insert(body);
        }
        Ok((fewest, first.unwrap_or_default()))
    }

    pub fn kill(&mut self) {
        let _ = self.child.start_kill();
    }
}

async fn collect_logs(stderr: tokio::process::ChildStderr, logs: Arc<Mutex<String>>) {
    let mut lines = BufReader::new(stderr).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        eprintln!("{line}");
        if let Ok(mut logs) = logs.lock() {
            logs.push_str(&line);
            logs.push('\n');
        }
    }
}

/// The `extensions.code` of every error in a response, in order.
pub fn error_codes(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| {
                    e["extensions"]["code"]
                        .as_str()
                        .unwrap_or("<none>")
                        .to_owned()
                })
                .collect()
        })
        .unwrap_or_default()
}
