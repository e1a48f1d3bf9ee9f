//! studiogate: one GraphQL endpoint over the Studios platform and its sibling products.

mod app;
mod config;
mod db;
mod idempotency;
mod leases;
mod runner;
mod schema;
mod seed;
mod ws;

use clap::{Parser, Subcommand};
use uuid::Uuid;

use crate::config::Config;

#[derive(Parser)]
#[command(name = "studiogate", version, about)]
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
        /// Platform role claim (`authenticated`, `platform_admin`, `service`).
        #[arg(long)]
        role: Option<String>,
    },
    /// Run a worker for pending executions (`--simulate`: the built-in simulated worker).
    Runner(runner::RunnerArgs),
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = cli.config;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            config::init_tracing();
            app::serve(config).await
        }
        Command::Schema => {
            println!("{}", schema::sdl());
            Ok(())
        }
        Command::Migrate => {
            db::connect(&config.database_url, None).await?;
            Ok(())
        }
        Command::Seed { scale } => {
            let db = db::connect(&config.database_url, None).await?;
            let summary = seed::load(&db, &seed::Shape::scale(scale)).await?;
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
        Command::Runner(args) => {
            let token = match (&args.token, args.sub) {
                (Some(token), _) => token.clone(),
                (None, Some(sub)) => config.jwt_keys().sign(sub, 24 * 3600, Some("service")),
                // The demo's company admin, so `runner --simulate` works on the demo as is.
                (None, None) => {
                    let demo = seed::account_id(0, 0);
                    eprintln!("runner: no --token or --sub; working as the demo admin {demo}");
                    config.jwt_keys().sign(demo, 24 * 3600, Some("service"))
                }
            };
            runner::run(args, token).await
        }
    }
}
