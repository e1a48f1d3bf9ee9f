//! The schema: every domain's root fields merged, behind the deny-by-default tenant guard.

use async_graphql::{MergedObject, MergedSubscription, Schema};
use studiogate_graph::{domain, Domains, SchemaSettings};

/// `Query`, `Mutation` and `Subscription`, merged from the `roots` module of each domain crate
/// named. A domain without one of the three names `async_graphql::MergedObjectTail` (query,
/// mutation) or `studiogate_graph::NoSubscription` there.
macro_rules! merged_roots {
    ($($domain:ident),+ $(,)?) => {
        #[derive(MergedObject, Default)]
        pub struct Query($($domain::roots::Query),+);

        #[derive(MergedObject, Default)]
        pub struct Mutation($($domain::roots::Mutation),+);

        #[derive(MergedSubscription, Default)]
        pub struct Subscription($($domain::roots::Subscription),+);
    };
}

// One name per domain crate with GraphQL roots, in the order their fields appear.
merged_roots!(
    studiogate_identity,
    studiogate_studios,
    studiogate_masstock,
    studiogate_kairo
);

pub type AppSchema = studiogate_graph::Gateway<Query, Mutation, Subscription>;

/// The served schema: the domains' policies and the operation limits of `settings`.
pub fn build(domains: &Domains, settings: &SchemaSettings) -> AppSchema {
    studiogate_graph::schema::build(domain::policies(domains), settings)
}

/// The SDL, which no setting changes.
pub fn sdl() -> String {
    Schema::build(
        Query::default(),
        Mutation::default(),
        Subscription::default(),
    )
    .finish()
    .sdl()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    /// Walks every object field of the schema by introspection: each must have a policy of its
    /// own (there are no wildcards), and every policy must name a field that exists.
    #[tokio::test]
    async fn every_field_has_a_policy() {
        #[derive(Parser)]
        struct Args {
            #[command(flatten)]
            config: crate::config::Config,
        }
        let storage = std::env::temp_dir().join("studiogate-schema-test");
        let storage = storage.to_string_lossy();
        let config = Args::parse_from(["studiogate", "--storage-dir", &storage]).config;
        let domains = crate::domains::all(&config).expect("domains");
        let schema = Schema::build(
            Query::default(),
            Mutation::default(),
            Subscription::default(),
        )
        .finish();
        let resp = schema
            .execute("{ __schema { types { name kind fields { name } } } }")
            .await
            .into_result()
            .expect("introspection runs");
        let data = resp.data.into_json().expect("json");
        let registry = domain::policies(&domains);
        let mut missing = Vec::new();
        let mut present = std::collections::HashSet::new();
        let mut checked = 0;
        for ty in data["__schema"]["types"].as_array().expect("types") {
            let name = ty["name"].as_str().unwrap_or_default();
            if ty["kind"] != "OBJECT" || name.starts_with("__") {
                continue;
            }
            for field in ty["fields"].as_array().into_iter().flatten() {
                let field = field["name"].as_str().unwrap_or_default();
                checked += 1;
                present.insert((name.to_owned(), field.to_owned()));
                if registry.get(name, field).is_none() {
                    missing.push(format!("{name}.{field}"));
                }
            }
        }
        assert!(checked > 100, "introspection found only {checked} fields");
        assert!(missing.is_empty(), "fields without a policy: {missing:?}");
        // And no policy names a field the schema does not have (a typo, or a removed field).
        // Each domain's subscription root is merged into `Subscription` under its own name.
        let mut stale: Vec<String> = registry
            .entries()
            .filter(|(t, f)| !present.contains(&(t.to_string(), f.to_string())))
            .filter(|(t, f)| {
                !(t.ends_with("Subscription")
                    && present.contains(&("Subscription".to_owned(), f.to_string())))
            })
            .map(|(t, f)| format!("{t}.{f}"))
            .collect();
        stale.sort();
        assert!(
            stale.is_empty(),
            "policies for fields the schema lacks: {stale:?}"
        );
        println!("{checked} fields, each with its own policy");
    }
}
