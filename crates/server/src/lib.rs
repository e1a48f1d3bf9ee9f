//! The gateway's server: GraphQL over HTTP and WebSocket behind one admission path
//! (authentication, rate limits, persisted and trusted documents), intake limits,
//! idempotency, observability, graceful shutdown and the database pool.
//!
//! It knows no domain: [`serve`] takes its [`Settings`], the schema (any async-graphql
//! executor) and the list of domains, and everything domain-specific (migrations, request
//! data, routes, jobs, tenants, demo data) comes through [`studiogate_graph::Domain`].

mod admission;
mod app;
pub mod db;
mod deadline;
mod graphiql;
mod http;
mod idempotency;
mod intake;
pub mod observability;
mod persisted;
mod ratelimit;
pub mod settings;
mod shutdown;
mod ws;

pub use app::{platform, serve};
pub use db::PoolSettings;
pub use settings::{HttpPolicy, Limits, LogFormat, RateLimits, Settings, Toggle};

#[cfg(test)]
mod tests {
    /// The server knows no domain: of the workspace's crates it uses only the shared machinery
    /// (and the testkit in its own tests); no domain, entity or migration crate.
    #[test]
    fn depends_on_no_domain_entity_or_migration_crate() {
        let manifest = include_str!("../Cargo.toml");
        let ours: Vec<&str> = manifest
            .lines()
            .filter(|line| line.starts_with("studiogate-") || line.starts_with("migration"))
            .collect();
        assert_eq!(
            ours,
            [
                "studiogate-graph.workspace = true",
                "studiogate-testkit.workspace = true"
            ]
        );
    }
}
