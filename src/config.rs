//! Settings shared by every subcommand, from flags or the environment.

use clap::Args;
use std::time::Duration;
use studiogate_graph::JwtKeys;
use studiogate_identity::{IdentityConfig, JwksConfig};

/// Used when `STUDIOGATE_JWT_SECRET` is unset, so `cargo run` works out of the box. Anyone can
/// sign tokens with it: set a real secret anywhere but a developer's machine.
pub const DEV_JWT_SECRET: &str = "studiogate-development-secret-do-not-deploy";

#[derive(Args, Clone)]
pub struct Config {
    /// Database URL: `sqlite://file.db?mode=rwc` or `postgres://user@host/db`.
    #[arg(
        long,
        global = true,
        env = "DATABASE_URL",
        default_value = "sqlite://studiogate.db?mode=rwc"
    )]
    pub database_url: String,
    /// Listen address of `serve`; port 0 picks a free port (the address is printed).
    #[arg(
        long,
        global = true,
        env = "STUDIOGATE_LISTEN",
        default_value = "127.0.0.1:8080"
    )]
    pub listen: String,
    /// HS256 secret shared with the token issuer (Supabase's JWT secret).
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
    /// Failed sign-ins in a row that lock an account.
    #[arg(
        long,
        global = true,
        env = "STUDIOGATE_LOCKOUT_THRESHOLD",
        default_value_t = 5
    )]
    pub lockout_threshold: i32,
    /// How long a locked account stays locked, in seconds.
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
    #[arg(long, global = true, env = "STUDIOGATE_STORAGE_URL")]
    pub storage_url: Option<String>,
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
    /// A websocket client that does not take a message for this many seconds is dropped.
    #[arg(
        long,
        global = true,
        env = "STUDIOGATE_WS_SEND_TIMEOUT_SECS",
        default_value_t = 10
    )]
    pub ws_send_timeout_secs: u64,
    /// Load the demo dataset on first start of an empty SQLite database (`on` / `off`).
    #[arg(long, global = true, env = "STUDIOGATE_DEMO", default_value = "on")]
    pub demo: Toggle,
}

#[derive(clap::ValueEnum, Clone, Copy, PartialEq, Eq)]
pub enum Toggle {
    On,
    Off,
}

impl Config {
    pub fn jwt_keys(&self) -> JwtKeys {
        let secret = self.jwt_secret.as_deref().unwrap_or(DEV_JWT_SECRET);
        JwtKeys::new(secret.as_bytes(), self.jwt_audience.clone())
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
    pub fn file_store(&self) -> anyhow::Result<studiogate_studios::FileStore> {
        let secret = self.jwt_secret.as_deref().unwrap_or(DEV_JWT_SECRET);
        let key = format!("files:{secret}");
        Ok(match &self.storage_url {
            Some(url) => studiogate_studios::FileStore::s3(url, key.as_bytes())?,
            None => studiogate_studios::FileStore::local(&self.storage_dir, key.as_bytes())?,
        })
    }

    pub fn jwks(&self) -> Option<JwksConfig> {
        self.jwks_url.clone().map(|source| JwksConfig {
            source,
            issuer: self.jwks_issuer.clone(),
            audience: self.jwt_audience.clone(),
        })
    }
}

pub fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
}
