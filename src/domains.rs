//! The one list of domains. Adding a domain is a line here (and its crate in Cargo.toml and its
//! roots in `schema.rs`); `every_domain_crate_is_registered` fails until it is listed.

use std::sync::Arc;
use std::time::Duration;
use studiogate_graph::{Domain, Domains};

use crate::config::Config;

/// Every domain, in the order their migrations run: the platform's shared tables, identity
/// (others refer to accounts), then the products.
pub fn all(config: &Config) -> anyhow::Result<Domains> {
    // One object store for every domain's buckets.
    let files = Arc::new(config.file_store()?);
    let domains: Vec<Arc<dyn Domain>> = vec![
        Arc::new(studiogate_platform::SharedTables),
        Arc::new(studiogate_identity::Identity::new(
            config.identity(),
            config.jwks(),
        )),
        Arc::new(
            studiogate_studios::Studios::new(
                files.clone(),
                Duration::from_secs(config.runner_lease_secs),
                Duration::from_secs(config.lease_sweep_secs),
            )
            .with_files(config.studios_files()),
        ),
        Arc::new(studiogate_masstock::Masstock::new(
            files.clone(),
            config.masstock_keys().map_err(anyhow::Error::msg)?,
            Duration::from_secs(config.runner_lease_secs),
            Duration::from_secs(config.lease_sweep_secs),
        )),
        Arc::new(studiogate_kairo::Kairo::new(
            files.clone(),
            Duration::from_secs(config.runner_lease_secs),
            Duration::from_secs(config.lease_sweep_secs),
        )),
    ];
    Ok(domains.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    /// A crate under `crates/domains/` that is not in [`all`] is a domain nobody serves.
    #[test]
    fn every_domain_crate_is_registered() {
        #[derive(Parser)]
        struct Args {
            #[command(flatten)]
            config: Config,
        }
        let storage = std::env::temp_dir().join("studiogate-domains-test");
        let storage = storage.to_string_lossy();
        let config = Args::parse_from(["studiogate", "--storage-dir", &storage]).config;
        let registered: Vec<&str> = all(&config)
            .expect("domains build")
            .iter()
            .map(|d| d.name())
            .collect();
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/crates/domains");
        let mut crates: Vec<String> = std::fs::read_dir(dir)
            .expect("crates/domains")
            .filter_map(Result::ok)
            .filter(|e| e.path().join("Cargo.toml").is_file())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        crates.sort();
        assert!(crates.len() >= 2, "found only {crates:?}");
        for name in &crates {
            assert!(
                registered.contains(&name.as_str()),
                "crates/domains/{name} is not listed in src/domains.rs"
            );
        }
        let mut unique = registered.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(
            unique.len(),
            registered.len(),
            "domain names repeat: {registered:?}"
        );
    }
}
