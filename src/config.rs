//! Settings shared by every subcommand: flags, then the environment, then the TOML file named
//! by `--config` / `STUDIOGATE_CONFIG` (see `config_file`), then the defaults.

use clap::builder::RangedU64ValueParser;
use clap::{ArgAction, Args};
use std::time::Duration;
use studiogate_graph::JwtKeys;
use studiogate_identity::{IdentityConfig, JwksConfig};
use studiogate_server::{
    HttpPolicy, Limits, LogFormat, PoolSettings, RateLimits, Settings, Toggle,
};

/// The secret earlier versions used when `STUDIOGATE_JWT_SECRET` was unset. It is public, so
/// production mode refuses it; without a secret an installation now generates its own
/// ([`Config::with_installation_secret`]).
pub const PUBLIC_DEV_JWT_SECRET: &str = "studiogate-development-secret-do-not-deploy";

/// HS256 wants a key at least as long as its output.
const MIN_PRODUCTION_SECRET: usize = 32;

#[derive(Args, Clone)]
pub struct Config {
    /// A TOML file of settings (keys as the flags, in snake_case); flags and environment
    /// variables override it.
    #[arg(long, global = true, env = "STUDIOGATE_CONFIG")]
    pub config: Option<std::path::PathBuf>,
    /// Production mode: refuses to start without a real JWT secret, logs JSON, no demo.
    #[arg(
        long,
        global = true,
        env = "STUDIOGATE_PRODUCTION",
        action = ArgAction::SetTrue,
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    pub production: bool,
    /// Log format: `text` or `json` (default: `json` in production mode, else `text`).
    #[arg(long, global = true, env = "STUDIOGATE_LOG_FORMAT")]
    pub log_format: Option<LogFormat>,
    /// OTLP/HTTP traces endpoint, e.g. `http://127.0.0.1:4318/v1/traces` (builds with the
    /// `otel` feature only).
    #[arg(long, global = true, env = "STUDIOGATE_OTLP_ENDPOINT")]
    pub otlp_endpoint: Option<String>,
    /// Database URL: `sqlite://file.db?mode=rwc` or `postgres://user@host/db`.
    #[arg(
        long,
        global = true,
        env = "DATABASE_URL",
        default_value = "sqlite://studiogate.db?mode=rwc",
        value_parser = database_url
    )]
    pub database_url: String,
    /// Most connections the database pool opens (default: 8 on SQLite, 20 on PostgreSQL).
    #[arg(long, global = true, env = "STUDIOGATE_DB_MAX_CONNECTIONS",
        value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub db_max_connections: Option<u32>,
    /// How long a request waits for a free pool connection, in seconds.
    #[arg(long, global = true, env = "STUDIOGATE_DB_ACQUIRE_TIMEOUT_SECS", default_value_t = 5,
        value_parser = RangedU64ValueParser::<u64>::new().range(1..=600))]
    pub db_acquire_timeout_secs: u64,
    /// PostgreSQL `statement_timeout` of every pooled connection, in milliseconds (0: none).
    #[arg(long, global = true, env = "STUDIOGATE_DB_STATEMENT_TIMEOUT_MS", default_value_t = 10_000,
        value_parser = RangedU64ValueParser::<u64>::new().range(0..=3_600_000))]
    pub db_statement_timeout_ms: u64,
    /// SQLite busy timeout (how long a write waits for the file lock), in milliseconds.
    #[arg(long, global = true, env = "STUDIOGATE_DB_BUSY_TIMEOUT_MS", default_value_t = 5_000,
        value_parser = RangedU64ValueParser::<u64>::new().range(0..=600_000))]
    pub db_busy_timeout_ms: u64,
    /// Longest time one HTTP request may take, in seconds; past it the answer is HTTP 504
    /// with `extensions.code = TIMEOUT`.
    #[arg(long, global = true, env = "STUDIOGATE_REQUEST_TIMEOUT_SECS", default_value_t = 30,
        value_parser = RangedU64ValueParser::<u64>::new().range(1..=3600))]
    pub request_timeout_secs: u64,
    /// On SIGTERM / Ctrl-C, how long in-flight requests may take to finish, in seconds.
    #[arg(long, global = true, env = "STUDIOGATE_SHUTDOWN_TIMEOUT_SECS", default_value_t = 30,
        value_parser = RangedU64ValueParser::<u64>::new().range(0..=3600))]
    pub shutdown_timeout_secs: u64,
    /// Listen address of `serve`; port 0 picks a free port (the address is printed).
    #[arg(
        long,
        global = true,
        env = "STUDIOGATE_LISTEN",
        default_value = "127.0.0.1:8080",
        value_parser = listen_address
    )]
    pub listen: String,
    /// HS256 secret shared with the token issuer (Supabase's JWT secret). Unset outside
    /// production mode: a random secret generated once and kept in `secret_file`.
    #[arg(
        long,
        global = true,
        env = "STUDIOGATE_JWT_SECRET",
        hide_env_values = true
    )]
    pub jwt_secret: Option<String>,
    /// Expected `aud` claim; unset accepts any audience.
    #[arg(long, global = true, env = "STUDIOGATE_JWT_AUDIENCE")]
    pub jwt_audience: Option<String>,
    /// Lifetime of access tokens issued by `signIn` / `refreshSession`, in seconds.
    #[arg(
        long,
        global = true,
        env = "STUDIOGATE_ACCESS_TOKEN_TTL_SECS",
        default_value_t = 900
    )]
    pub access_token_ttl_secs: u64,
    /// Lifetime of a session (its refresh tokens), in seconds.
    #[arg(
        long,
        global = true,
        env = "STUDIOGATE_REFRESH_TOKEN_TTL_SECS",
        default_value_t = 2_592_000
    )]
    pub refresh_token_ttl_secs: u64,
    /// Failed sign-ins in a row, for one e-mail address from one source address, before that
    /// pair is held off.
    #[arg(
        long,
        global = true,
        env = "STUDIOGATE_LOCKOUT_THRESHOLD",
        default_value_t = 5,
        value_parser = clap::value_parser!(i32).range(1..=1000)
    )]
    pub lockout_threshold: i32,
    /// The first hold, in seconds; each further failure doubles it, up to a day.
    #[arg(
        long,
        global = true,
        env = "STUDIOGATE_LOCKOUT_SECS",
        default_value_t = 900
    )]
    pub lockout_secs: u64,
    /// JWKS of an external issuer (URL or file path); enables RS256/ES256 tokens.
    #[arg(long, global = true, env = "STUDIOGATE_JWKS_URL")]
    pub jwks_url: Option<String>,
    /// Required `iss` of tokens verified with the JWKS.
    #[arg(long, global = true, env = "STUDIOGATE_JWKS_ISSUER")]
    pub jwks_issuer: Option<String>,
    /// Store file bytes in an S3-compatible bucket (`s3://bucket/prefix`) instead of a folder;
    /// credentials and endpoint from `AWS_*` variables.
    #[arg(long, global = true, env = "STUDIOGATE_STORAGE_URL", value_parser = storage_url)]
    pub storage_url: Option<String>,
    /// Where an installation without `STUDIOGATE_JWT_SECRET` keeps the random secret it
    /// generated on its first start (owner-only permissions).
    #[arg(
        long,
        global = true,
        env = "STUDIOGATE_SECRET_FILE",
        default_value = "data/secret"
    )]
    pub secret_file: std::path::PathBuf,
    /// Folder for uploaded file bytes (created if missing).
    #[arg(
        long,
        global = true,
        env = "STUDIOGATE_STORAGE_DIR",
        default_value = "data/files"
    )]
    pub storage_dir: std::path::PathBuf,
    /// How long a runner's claim on an execution holds without a heartbeat, in seconds.
    #[arg(
        long,
        global = true,
        env = "STUDIOGATE_RUNNER_LEASE_SECS",
        default_value_t = 60
    )]
    pub runner_lease_secs: u64,
    /// How often `serve` returns executions with an expired lease to pending, in seconds.
    #[arg(
        long,
        global = true,
        env = "STUDIOGATE_LEASE_SWEEP_SECS",
        default_value_t = 5
    )]
    pub lease_sweep_secs: u64,
    /// The worker `studiogate runner` runs: `activepieces` triggers each claimed execution's
    /// ActivePieces flow (needs `activepieces_url`); `simulate` fakes the work. `--simulate`
    /// always picks the simulated worker.
    #[arg(long, global = true, env = "STUDIOGATE_RUNNER_WORKER")]
    pub runner_worker: Option<studiogate_runner::Worker>,
    /// The ActivePieces instance the `activepieces` runner worker triggers flows on, e.g.
    /// `https://cloud.activepieces.com`.
    #[arg(long, global = true, env = "STUDIOGATE_ACTIVEPIECES_URL", value_parser = http_url)]
    pub activepieces_url: Option<String>,
    /// How long the `activepieces` runner worker waits for a flow's response, in seconds.
    #[arg(long, global = true, env = "STUDIOGATE_ACTIVEPIECES_TIMEOUT_SECS", default_value_t = 60,
        value_parser = RangedU64ValueParser::<u64>::new().range(1..=3600))]
    pub activepieces_timeout_secs: u64,
    /// Studios: the most bytes one company's files may take together (default 10 GiB); an
    /// upload past it is refused (BAD_USER_INPUT, reason `QUOTA_EXCEEDED`).
    #[arg(long, global = true, env = "STUDIOGATE_STUDIOS_QUOTA_BYTES",
        default_value_t = studiogate_studios::DEFAULT_QUOTA_BYTES,
        value_parser = RangedU64ValueParser::<u64>::new().range(1..=i64::MAX as u64))]
    pub studios_quota_bytes: u64,
    /// Studios: delete files not downloaded (never downloaded: not since their upload) for
    /// this many seconds; 0 (the default) keeps them.
    #[arg(
        long,
        global = true,
        env = "STUDIOGATE_STUDIOS_FILE_IDLE_SECS",
        default_value_t = 0
    )]
    pub studios_file_idle_secs: u64,
    /// Studios: how often `serve` looks for idle files, in seconds (with an idle time set).
    #[arg(long, global = true, env = "STUDIOGATE_STUDIOS_FILE_CLEANUP_EVERY_SECS",
        default_value_t = 3600,
        value_parser = RangedU64ValueParser::<u64>::new().range(1..=604_800))]
    pub studios_file_cleanup_every_secs: u64,
    /// A websocket client that does not take a message for this many seconds is dropped.
    #[arg(
        long,
        global = true,
        env = "STUDIOGATE_WS_SEND_TIMEOUT_SECS",
        default_value_t = 10
    )]
    pub ws_send_timeout_secs: u64,
    /// MasStock: the key that encrypts API keys at rest, 32 bytes as 64 hex digits or base64
    /// (default: derived from the JWT secret).
    #[arg(
        long,
        global = true,
        env = "STUDIOGATE_MASSTOCK_SECRET_KEY",
        hide_env_values = true
    )]
    pub masstock_secret_key: Option<String>,
    /// MasStock: the key before the last rotation; it still opens what it sealed.
    #[arg(
        long,
        global = true,
        env = "STUDIOGATE_MASSTOCK_PREVIOUS_SECRET_KEY",
        hide_env_values = true
    )]
    pub masstock_previous_secret_key: Option<String>,
    /// Load the demo dataset on first start of an empty SQLite database (`on` / `off`).
    #[arg(long, global = true, env = "STUDIOGATE_DEMO", default_value = "on")]
    pub demo: Toggle,
    #[command(flatten)]
    pub limits: Limits,
    #[command(flatten)]
    pub rate_limits: RateLimits,
    #[command(flatten)]
    pub http: HttpPolicy,
}

fn database_url(value: &str) -> Result<String, String> {
    if value.starts_with("sqlite:") {
        return Ok(value.to_owned());
    }
    if value.starts_with("postgres://") || value.starts_with("postgresql://") {
        return url::Url::parse(value)
            .map(|_| value.to_owned())
            .map_err(|err| format!("not a valid PostgreSQL URL: {err}"));
    }
    Err("expected `sqlite:<path>` or `postgres://user@host/db`".into())
}

fn http_url(value: &str) -> Result<String, String> {
    match url::Url::parse(value) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.has_host() => {
            Ok(value.to_owned())
        }
        _ => Err("expected an http(s) URL, such as https://cloud.activepieces.com".into()),
    }
}

fn listen_address(value: &str) -> Result<String, String> {
    match value.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok() => {
            Ok(value.to_owned())
        }
        _ => Err("expected HOST:PORT, such as 127.0.0.1:8080 or [::]:8080".into()),
    }
}

fn storage_url(value: &str) -> Result<String, String> {
    match value.strip_prefix("s3://") {
        Some(rest) if !rest.is_empty() && !rest.starts_with('/') => Ok(value.to_owned()),
        _ => Err("expected s3://bucket or s3://bucket/prefix".into()),
    }
}

impl Config {
    /// Checks that need more than one setting; every problem is reported, not only the first.
    pub fn validate(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.production {
            match self.jwt_secret.as_deref() {
                None => problems.push(
                    "STUDIOGATE_JWT_SECRET: required in production mode (the development \
                     secret is public)"
                        .to_owned(),
                ),
                Some(PUBLIC_DEV_JWT_SECRET) => problems.push(
                    "STUDIOGATE_JWT_SECRET: the development secret is refused in production mode"
                        .to_owned(),
                ),
                Some(secret) if secret.len() < MIN_PRODUCTION_SECRET => problems.push(format!(
                    "STUDIOGATE_JWT_SECRET: at least {MIN_PRODUCTION_SECRET} bytes in \
                     production mode (it has {})",
                    secret.len()
                )),
                Some(_) => {}
            }
        }
        if !self.production && self.jwt_secret.as_deref() == Some("") {
            problems.push("STUDIOGATE_JWT_SECRET: must not be empty".to_owned());
        }
        if self.otlp_endpoint.is_some() && !cfg!(feature = "otel") {
            problems.push(
                "STUDIOGATE_OTLP_ENDPOINT: this build has no OpenTelemetry export (build with \
                 `--features otel`)"
                    .to_owned(),
            );
        }
        if self.jwks_issuer.is_some() && self.jwks_url.is_none() {
            problems.push("STUDIOGATE_JWKS_ISSUER: needs STUDIOGATE_JWKS_URL".to_owned());
        }
        if let Some(url) = self.jwks_url.as_deref().filter(|u| u.contains("://")) {
            let ok = url::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "https" | "http"));
            if !ok {
                problems.push(format!(
                    "STUDIOGATE_JWKS_URL: `{url}` is neither an http(s) URL nor a file path"
                ));
            }
        }
        if let Err(problem) = self.masstock_keys() {
            problems.push(problem);
        }
        if self.runner_worker == Some(studiogate_runner::Worker::Activepieces)
            && self.activepieces_url.is_none()
        {
            problems.push(
                "STUDIOGATE_RUNNER_WORKER: `activepieces` needs STUDIOGATE_ACTIVEPIECES_URL"
                    .to_owned(),
            );
        }
        if self.access_token_ttl_secs == 0 || self.refresh_token_ttl_secs == 0 {
            problems.push("token lifetimes must be at least 1 second".to_owned());
        }
        problems
    }

    /// The demo never loads in production mode.
    pub fn demo_enabled(&self) -> bool {
        self.demo == Toggle::On && !self.production
    }

    pub fn log_format(&self) -> LogFormat {
        self.log_format.unwrap_or(if self.production {
            LogFormat::Json
        } else {
            LogFormat::Text
        })
    }

    pub fn max_connections(&self) -> u32 {
        self.db_max_connections
            .unwrap_or(if self.database_url.starts_with("sqlite") {
                8
            } else {
                20
            })
    }

    /// What the server takes from the configuration.
    pub fn settings(&self) -> Settings {
        Settings {
            listen: self.listen.clone(),
            database_url: self.database_url.clone(),
            pool: self.pool(),
            request_timeout: Duration::from_secs(self.request_timeout_secs),
            shutdown_timeout: Duration::from_secs(self.shutdown_timeout_secs),
            ws_send_timeout: Duration::from_secs(self.ws_send_timeout_secs.max(1)),
            limits: self.limits.clone(),
            rate_limits: self.rate_limits.clone(),
            http: self.http.clone(),
            demo: self.demo_enabled().then(|| self.jwt_keys()),
            production: self.production,
        }
    }

    pub fn pool(&self) -> PoolSettings {
        PoolSettings {
            max_connections: self.max_connections(),
            acquire_timeout: Duration::from_secs(self.db_acquire_timeout_secs),
            statement_timeout: Duration::from_millis(self.db_statement_timeout_ms),
            busy_timeout: Duration::from_millis(self.db_busy_timeout_ms),
        }
    }

    /// The configured secret, or this installation's generated one (read from `secret_file`,
    /// written there on first use). Production mode never gets here without a secret.
    pub fn with_installation_secret(mut self) -> anyhow::Result<Self> {
        if self.jwt_secret.is_none() {
            self.jwt_secret = Some(installation_secret(&self.secret_file)?);
        }
        Ok(self)
    }

    fn secret(&self) -> &str {
        // `with_installation_secret` ran first; an empty key signs nothing anyone accepts.
        self.jwt_secret.as_deref().unwrap_or_default()
    }

    pub fn jwt_keys(&self) -> JwtKeys {
        JwtKeys::new(self.secret().as_bytes(), self.jwt_audience.clone())
    }

    pub fn identity(&self) -> IdentityConfig {
        IdentityConfig {
            keys: self.jwt_keys(),
            access_ttl: Duration::from_secs(self.access_token_ttl_secs),
            refresh_ttl: Duration::from_secs(self.refresh_token_ttl_secs),
            lockout_threshold: self.lockout_threshold.max(1),
            lockout_window: Duration::from_secs(self.lockout_secs),
        }
    }

    /// The object store for file bytes; download links are signed with a key derived from
    /// the JWT secret.
    pub fn file_store(&self) -> anyhow::Result<studiogate_platform::FileStore> {
        let key = format!("files:{}", self.secret());
        Ok(match &self.storage_url {
            Some(url) => studiogate_platform::FileStore::s3(url, key.as_bytes())?,
            None => studiogate_platform::FileStore::local(&self.storage_dir, key.as_bytes())?,
        })
    }

    /// The Studios file settings: the company quota and the cleanup of idle files.
    pub fn studios_files(&self) -> studiogate_studios::FileSettings {
        studiogate_studios::FileSettings {
            quota_bytes: self.studios_quota_bytes,
            idle: (self.studios_file_idle_secs > 0)
                .then(|| Duration::from_secs(self.studios_file_idle_secs)),
            cleanup_every: Duration::from_secs(self.studios_file_cleanup_every_secs),
        }
    }

    /// MasStock's keys for API keys at rest; a malformed key is an error naming its setting.
    pub fn masstock_keys(&self) -> Result<studiogate_masstock::KeyRing, String> {
        studiogate_masstock::KeyRing::from_config(
            self.masstock_secret_key.as_deref(),
            self.masstock_previous_secret_key.as_deref(),
            self.secret(),
        )
    }

    pub fn jwks(&self) -> Option<JwksConfig> {
        self.jwks_url.clone().map(|source| JwksConfig {
            source,
            issuer: self.jwks_issuer.clone(),
            audience: self.jwt_audience.clone(),
        })
    }
}

/// Reads the secret kept at `path`, or creates it: 32 random bytes, hex, readable by the owner
/// only. Two processes starting at once agree on one (the file is created exclusively).
fn installation_secret(path: &std::path::Path) -> anyhow::Result<String> {
    use anyhow::Context;
    use rand::RngCore;
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let read = |path: &std::path::Path| -> anyhow::Result<Option<String>> {
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let secret = text.trim().to_owned();
                if secret.len() < MIN_PRODUCTION_SECRET {
                    anyhow::bail!(
                        "{}: the secret in it is shorter than {MIN_PRODUCTION_SECRET} bytes",
                        path.display()
                    );
                }
                Ok(Some(secret))
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(err).with_context(|| format!("reading {}", path.display())),
        }
    };
    if let Some(secret) = read(path)? {
        return Ok(secret);
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    let secret = hex::encode(bytes);
    let created = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path);
    match created {
        Ok(mut file) => {
            file.write_all(format!("{secret}\n").as_bytes())
                .and_then(|()| file.sync_all())
                .with_context(|| format!("writing {}", path.display()))?;
            Ok(secret)
        }
        // Another process created it first: its secret is the installation's.
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {
            for _ in 0..50 {
                if let Ok(Some(secret)) = read(path) {
                    return Ok(secret);
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            read(path)?.with_context(|| format!("{} stays empty", path.display()))
        }
        Err(err) => Err(err).with_context(|| format!("creating {}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Args {
        #[command(flatten)]
        config: Config,
    }

    #[test]
    fn idle_files_stay_unless_an_idle_time_is_set() {
        let files = Args::parse_from(["studiogate"]).config.studios_files();
        assert_eq!(files.idle, None);
        assert_eq!(files.quota_bytes, 10 * 1024 * 1024 * 1024);
        assert_eq!(files.cleanup_every, Duration::from_secs(3600));
        let files = Args::parse_from([
            "studiogate",
            "--studios-file-idle-secs",
            "86400",
            "--studios-quota-bytes",
            "5000",
        ])
        .config
        .studios_files();
        assert_eq!(files.idle, Some(Duration::from_secs(86_400)));
        assert_eq!(files.quota_bytes, 5000);
        assert!(Args::try_parse_from(["studiogate", "--studios-quota-bytes", "0"]).is_err());
    }
}
