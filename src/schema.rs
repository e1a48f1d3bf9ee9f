//! The schema: every domain's root fields merged, behind the deny-by-default tenant guard.

use async_graphql::{MergedObject, MergedSubscription, Schema};
use studiogate_graph::{FreshDataExtension, PolicyRegistry, TenantGuard};
use studiogate_identity::IdentityMutation;
use studiogate_studios::{StudiosMutation, StudiosQuery, StudiosSubscription};

#[derive(MergedObject, Default)]
pub struct Query(StudiosQuery);

#[derive(MergedObject, Default)]
pub struct Mutation(IdentityMutation, StudiosMutation);

#[derive(MergedSubscription, Default)]
pub struct Subscription(StudiosSubscription);

pub type AppSchema = Schema<Query, Mutation, Subscription>;

pub fn policies() -> PolicyRegistry {
    let mut registry = PolicyRegistry::default();
    registry
        .merge(studiogate_identity::policies())
        .merge(studiogate_studios::policies());
    registry
}

/// Deepest selection nesting an operation may have.
pub const MAX_DEPTH: usize = 12;

pub fn build() -> AppSchema {
    Schema::build(
        Query::default(),
        Mutation::default(),
        Subscription::default(),
    )
    // First, so the data it adds is in place for every later extension and resolver.
    .extension(FreshDataExtension)
    .extension(TenantGuard::new(policies()))
    .limit_depth(MAX_DEPTH)
    .limit_recursive_depth(64)
    .finish()
}

pub fn sdl() -> String {
    build().sdl()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Walks every object field of the schema by introspection: each must have a policy.
    #[tokio::test]
    async fn every_field_has_a_policy() {
        let schema = build();
        let resp = schema
            .execute("{ __schema { types { name kind fields { name } } } }")
            .await
            .into_result()
            .expect("introspection runs");
        let data = resp.data.into_json().expect("json");
        let registry = policies();
        let mut missing = Vec::new();
        let mut checked = 0;
        for ty in data["__schema"]["types"].as_array().expect("types") {
            let name = ty["name"].as_str().unwrap_or_default();
            if ty["kind"] != "OBJECT" || name.starts_with("__") {
                continue;
            }
            for field in ty["fields"].as_array().into_iter().flatten() {
                let field = field["name"].as_str().unwrap_or_default();
                checked += 1;
                if registry.get(name, field).is_none() {
                    missing.push(format!("{name}.{field}"));
                }
            }
        }
        assert!(checked > 100, "introspection found only {checked} fields");
        assert!(missing.is_empty(), "fields without a policy: {missing:?}");
    }
}
