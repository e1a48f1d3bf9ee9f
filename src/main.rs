//! studiogate: one GraphQL endpoint over the Studios platform and its sibling products.

mod config;
mod config_file;
mod domains;
mod schema;

use clap::{CommandFactory, Parser, Subcommand};
use std::time::Duration;
use uuid::Uuid;

use crate::config::Config;

/// GraphQL execution allocates a great deal (a boxed future and a value map per field);
/// mimalloc serves that faster than the system allocator (see bench/results).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// One GraphQL endpoint over the Studios platform and its sibling products.
#[derive(Parser)]
#[command(name = "studiogate", version)]
struct Cli {
    #[command(flatten)]
    config: Config,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the gateway (the default): migrate, then serve HTTP.
    Serve,
    /// Print the GraphQL schema (SDL).
    Schema,
    /// Apply pending migrations and exit.
    Migrate,
    /// Load a deterministic dataset into an empty database and print a JSON summary.
    Seed {
        /// Number of companies (each with 10 studios, 40 executions and 15 files per studio).
        #[arg(long, default_value_t = 1)]
        scale: usize,
    },
    /// Print a bearer token signed with the configured secret.
    Token {
        /// Account id (the `sub` claim).
        #[arg(long)]
        sub: Uuid,
        /// Lifetime in seconds.
        #[arg(long, default_value_t = 3600)]
        ttl_secs: i64,
        /// Role claim: `authenticated` (the default) or `service` (runners). Platform
        /// administration is not a claim: see `studiogate admin`.
        #[arg(long)]
        role: Option<String>,
    },
    /// Run a worker for pending executions (`--simulate`: the built-in simulated worker).
    Runner(studiogate_runner::RunnerArgs),
    /// Grant or revoke the platform administration of a domain (stored in the database;
    /// running servers see the change within 10 s).
    Admin {
        #[command(subcommand)]
        action: AdminAction,
    },
}

#[derive(Subcommand)]
enum AdminAction {
    /// Make an account the platform administrator of one domain.
    Grant(AdminArgs),
    /// Take a domain's platform administration from an account.
    Revoke(AdminArgs),
}

#[derive(clap::Args)]
struct AdminArgs {
    /// The account's id.
    #[arg(long)]
    account: Uuid,
    /// The domain (`studios`, ...).
    #[arg(long)]
    domain: String,
}

/// Settings are read and checked before the runtime starts: the config file is mapped onto
/// environment variables, which is only sound while the process has a single thread.
fn main() -> anyhow::Result<()> {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if let Err(problems) = config_file::apply(&Cli::command(), &args) {
        refuse(&problems);
    }
    let mut cli = Cli::parse_from(args);
    if !matches!(cli.command, Some(Command::Schema)) {
        let problems = cli.config.validate();
        if !problems.is_empty() {
            refuse(&problems);
        }
        let generated = cli.config.jwt_secret.is_none();
        cli.config = match cli.config.with_installation_secret() {
            Ok(config) => config,
            Err(err) => refuse(&[format!("{err:#}")]),
        };
        if generated && matches!(cli.command, None | Some(Command::Serve)) {
            eprintln!(
                "studiogate: STUDIOGATE_JWT_SECRET is not set; signing with this installation's \
                 own secret in {}",
                cli.config.secret_file.display()
            );
        }
    }
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(run(cli))
}

/// Every bad setting, one line each, then exit code 2 (as clap does for bad flags).
fn refuse(problems: &[String]) -> ! {
    eprintln!("studiogate: invalid configuration:");
    for problem in problems {
        eprintln!("  - {problem}");
    }
    std::process::exit(2)
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let config = cli.config;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let _tracing = studiogate_server::observability::init_tracing(
                config.log_format(),
                config.otlp_endpoint.as_deref(),
            )?;
            let domains = domains::all(&config)?;
            let settings = config.settings();
            let schema = schema::build(&domains, &settings.limits.schema(config.production));
            studiogate_server::serve(settings, schema, domains).await
        }
        Command::Schema => {
            println!("{}", schema::sdl());
            Ok(())
        }
        Command::Migrate => {
            let domains = domains::all(&config)?;
            studiogate_server::db::migrate(&config.database_url, &domains).await
        }
        Command::Seed { scale } => {
            let domains = domains::all(&config)?;
            studiogate_server::db::migrate(&config.database_url, &domains).await?;
            let db =
                studiogate_server::db::connect(&config.database_url, &config.pool(), None).await?;
            let mut summary = serde_json::Map::new();
            for domain in domains.iter() {
                let seeded = domain
                    .seed(&db, scale)
                    .await
                    .map_err(|err| anyhow::anyhow!("seeding {}: {err}", domain.name()))?;
                if let Some(serde_json::Value::Object(fields)) = seeded {
                    summary.extend(fields);
                }
            }
            // Closed before the runtime winds down: a pool dropped while it runs keeps its
            // maintenance task alive into the runtime's shutdown, where sqlx's task can spin
            // and the process never exits (seen once, a seed beside a running server).
            db.close().await?;
            println!("{}", serde_json::to_string(&summary)?);
            Ok(())
        }
        Command::Token {
            sub,
            ttl_secs,
            role,
        } => {
            println!("{}", config.jwt_keys().sign(sub, ttl_secs, role.as_deref()));
            Ok(())
        }
        Command::Admin { action } => {
            let domains = domains::all(&config)?;
            let (grant, args) = match action {
                AdminAction::Grant(args) => (true, args),
                AdminAction::Revoke(args) => (false, args),
            };
            let Some(domain) = domains.iter().find(|d| d.name() == args.domain) else {
                let names: Vec<&str> = domains.iter().map(|d| d.name()).collect();
                eprintln!(
                    "studiogate admin: --domain: no domain `{}` (domains: {})",
                    args.domain,
                    names.join(", ")
                );
                std::process::exit(2)
            };
            studiogate_server::db::migrate(&config.database_url, &domains).await?;
            let db =
                studiogate_server::db::connect(&config.database_url, &config.pool(), None).await?;
            use studiogate_identity::roles;
            if grant {
                roles::grant_admin(&db, args.account, domain.name()).await?;
                println!("{} administers {}", args.account, domain.name());
            } else if roles::revoke_admin(&db, args.account, domain.name()).await? {
                println!("{} no longer administers {}", args.account, domain.name());
            } else {
                println!("{} did not administer {}", args.account, domain.name());
            }
            db.close().await?;
            Ok(())
        }
        Command::Runner(args) => {
            let token = match (&args.token, args.sub) {
                (Some(token), _) => token.clone(),
                (None, Some(sub)) => config.jwt_keys().sign(sub, 24 * 3600, Some("service")),
                // The demo's company admin, so `runner --simulate` works on the demo as is.
                (None, None) => {
                    let demo = studiogate_studios::seed::demo_admin();
                    eprintln!("runner: no --token or --sub; working as the demo admin {demo}");
                    config.jwt_keys().sign(demo, 24 * 3600, Some("service"))
                }
            };
            let settings = studiogate_runner::Settings {
                worker: config.runner_worker,
                activepieces_url: config.activepieces_url.clone(),
                activepieces_timeout: Duration::from_secs(config.activepieces_timeout_secs),
            };
            studiogate_runner::run(args, token, settings).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `--help` opens with what the program is, not with a flattened group's description.
    #[test]
    fn help_opens_with_what_studiogate_is() {
        let help = Cli::command().render_help().to_string();
        assert!(
            help.starts_with("One GraphQL endpoint over the Studios platform"),
            "{help}"
        );
    }
}
