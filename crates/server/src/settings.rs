//! The server's settings. The limit groups are clap argument groups, so the binary flattens
//! them into its command line (and its TOML file and environment) as they are.

use clap::Args;
use std::time::Duration;
use studiogate_graph::{JwtKeys, SchemaSettings};

use crate::db::PoolSettings;

/// Everything the server needs besides the schema and the domains.
#[derive(Clone)]
pub struct Settings {
    pub listen: String,
    pub database_url: String,
    pub pool: PoolSettings,
    pub request_timeout: Duration,
    pub shutdown_timeout: Duration,
    pub ws_send_timeout: Duration,
    pub limits: Limits,
    pub rate_limits: RateLimits,
    pub http: HttpPolicy,
    /// Load each domain's demo into an empty SQLite database and print a token for its demo
    /// account, signed with these keys.
    pub demo: Option<JwtKeys>,
    /// Production defaults: introspection and field suggestions off unless set.
    pub production: bool,
}

// What one request may ask for. Every limit refuses with a clear error before anything runs.
#[derive(Args, Clone, Debug)]
pub struct Limits {
    /// Deepest selection nesting, counted in fields from the root.
    #[arg(long, global = true, env = "STUDIOGATE_MAX_DEPTH", default_value_t = 12,
          value_parser = clap::value_parser!(u32).range(1..=64))]
    pub max_depth: u32,
    /// Most costly operation: each object it can return costs 1, scalars nothing, and a
    /// field taking `first` multiplies what is below it by `first` (20 when absent).
    #[arg(long, global = true, env = "STUDIOGATE_MAX_COMPLEXITY", default_value_t = 10_000,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub max_complexity: u32,
    /// Aliased fields in one document.
    #[arg(
        long,
        global = true,
        env = "STUDIOGATE_MAX_ALIASES",
        default_value_t = 30
    )]
    pub max_aliases: u32,
    /// Fields at the root of one operation (fragments expanded).
    #[arg(long, global = true, env = "STUDIOGATE_MAX_ROOT_FIELDS", default_value_t = 20,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub max_root_fields: u32,
    /// Directives on one field.
    #[arg(
        long,
        global = true,
        env = "STUDIOGATE_MAX_DIRECTIVES",
        default_value_t = 5
    )]
    pub max_directives: u32,
    /// Request body size in bytes outside multipart uploads, after decompression.
    #[arg(long, global = true, env = "STUDIOGATE_MAX_BODY_BYTES", default_value_t = 1_048_576,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub max_body_bytes: u64,
    /// Operations in one batched (JSON array) request; 0 turns batching off.
    #[arg(long, global = true, env = "STUDIOGATE_MAX_BATCH", default_value_t = 0)]
    pub max_batch: u32,
    /// Size of one uploaded file in bytes.
    #[arg(long, global = true, env = "STUDIOGATE_UPLOAD_MAX_FILE_BYTES",
          default_value_t = 104_857_600, value_parser = clap::value_parser!(u64).range(1..))]
    pub upload_max_file_bytes: u64,
    /// Files in one multipart request.
    #[arg(
        long,
        global = true,
        env = "STUDIOGATE_UPLOAD_MAX_FILES",
        default_value_t = 5
    )]
    pub upload_max_files: u32,
    /// Schema introspection (`on` / `off`); off by default in production mode.
    #[arg(long, global = true, env = "STUDIOGATE_INTROSPECTION")]
    pub introspection: Option<Toggle>,
    /// "Did you mean ...?" suggestions in validation errors; off by default in production mode.
    #[arg(long, global = true, env = "STUDIOGATE_FIELD_SUGGESTIONS")]
    pub field_suggestions: Option<Toggle>,
    /// Operations kept by automatic persisted queries (an LRU cache); 0 turns APQ off.
    #[arg(
        long,
        global = true,
        env = "STUDIOGATE_APQ_CACHE_SIZE",
        default_value_t = 1_000
    )]
    pub apq_cache_size: u32,
    /// Bytes of operation text automatic persisted queries keep in all (least recently used
    /// first out); a document over a sixteenth of it is run but not kept.
    #[arg(long, global = true, env = "STUDIOGATE_APQ_CACHE_BYTES", default_value_t = 8_388_608,
          value_parser = clap::value_parser!(u64).range(1024..))]
    pub apq_cache_bytes: u64,
    /// Operations (subscriptions included) one websocket may have running at once.
    #[arg(long, global = true, env = "STUDIOGATE_WS_MAX_OPERATIONS_PER_SOCKET",
          default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..))]
    pub ws_max_operations_per_socket: u32,
    /// Operations one viewer (one IP when anonymous) may have running at once over all its
    /// websockets.
    #[arg(long, global = true, env = "STUDIOGATE_WS_MAX_OPERATIONS_PER_VIEWER",
          default_value_t = 500, value_parser = clap::value_parser!(u32).range(1..))]
    pub ws_max_operations_per_viewer: u32,
    /// Trusted documents: a persisted-query manifest (Apollo's JSON format); when set, only
    /// the operations it lists run.
    #[arg(long, global = true, env = "STUDIOGATE_TRUSTED_DOCUMENTS")]
    pub trusted_documents: Option<std::path::PathBuf>,
}

// Token buckets per viewer (per IP when anonymous) and per tenant (shared by the members of a
// tenant). A rate of 0 turns that limit off.
#[derive(Args, Clone, Debug)]
pub struct RateLimits {
    /// Requests per second one viewer may send, on average.
    #[arg(
        long,
        global = true,
        env = "STUDIOGATE_RATE_LIMIT_PER_SECOND",
        default_value_t = 20
    )]
    pub rate_limit_per_second: u32,
    /// Requests one viewer may send at once above the rate.
    #[arg(long, global = true, env = "STUDIOGATE_RATE_LIMIT_BURST", default_value_t = 40,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub rate_limit_burst: u32,
    /// Requests per second shared by all members of one company.
    #[arg(
        long,
        global = true,
        env = "STUDIOGATE_TENANT_RATE_LIMIT_PER_SECOND",
        default_value_t = 100
    )]
    pub tenant_rate_limit_per_second: u32,
    /// Burst of the per-company budget.
    #[arg(long, global = true, env = "STUDIOGATE_TENANT_RATE_LIMIT_BURST", default_value_t = 200,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub tenant_rate_limit_burst: u32,
}

// Cross-origin rules for browsers. (A `//` comment: clap would take a doc comment on a
// flattened group as the program's description.)
#[derive(Args, Clone, Debug)]
pub struct HttpPolicy {
    /// Origins allowed by CORS, comma-separated (`https://app.example.com`); empty allows none.
    #[arg(
        long,
        global = true,
        env = "STUDIOGATE_CORS_ORIGINS",
        value_delimiter = ','
    )]
    pub cors_origins: Vec<String>,
    /// CSRF prevention as Apollo Server does it (`on` / `off`).
    #[arg(
        long,
        global = true,
        env = "STUDIOGATE_CSRF_PREVENTION",
        default_value = "on"
    )]
    pub csrf_prevention: Toggle,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Toggle {
    On,
    Off,
}

#[derive(clap::ValueEnum, Clone, Copy, PartialEq, Eq, Debug)]
pub enum LogFormat {
    Text,
    Json,
}

impl Limits {
    /// The schema's share of the limits (introspection and suggestions default to off in
    /// production mode).
    pub fn schema(&self, production: bool) -> SchemaSettings {
        let default = if production { Toggle::Off } else { Toggle::On };
        SchemaSettings {
            max_depth: self.max_depth as usize,
            max_directives: self.max_directives as usize,
            max_aliases: self.max_aliases as usize,
            max_root_fields: self.max_root_fields as usize,
            max_cost: self.max_complexity as usize,
            introspection: self.introspection.unwrap_or(default) == Toggle::On,
            field_suggestions: self.field_suggestions.unwrap_or(default) == Toggle::On,
        }
    }
}
