//! The schema: every domain's root fields merged, behind the deny-by-default tenant guard.

use async_graphql::{MergedObject, MergedSubscription, Schema};
use studiogate_graph::{FreshDataExtension, Observability, PolicyRegistry, TenantGuard};
use studiogate_identity::IdentityMutation;
use studiogate_studios::{StudiosMutation, StudiosQuery, StudiosSubscription};

use crate::config::{Limits, Toggle};
use crate::limits::OperationLimits;

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

/// The schema with the operation limits and switches of `limits`.
pub fn build(limits: &Limits, production: bool) -> AppSchema {
    let default = if production { Toggle::Off } else { Toggle::On };
    let introspection = limits.introspection.unwrap_or(default) == Toggle::On;
    let mut builder = Schema::build(
        Query::default(),
        Mutation::default(),
        Subscription::default(),
    )
    // First, so the data it adds is in place for every later extension and resolver.
    .extension(FreshDataExtension)
    .extension(Observability)
    .extension(TenantGuard::new(policies()))
    .extension(OperationLimits {
        max_aliases: limits.max_aliases as usize,
        max_root_fields: limits.max_root_fields as usize,
        max_cost: limits.max_complexity as usize,
        introspection,
    })
    .limit_depth(limits.max_depth as usize)
    .limit_directives(limits.max_directives as usize)
    .limit_recursive_depth(64);
    if !introspection {
        builder = builder.disable_introspection();
    }
    if limits.field_suggestions.unwrap_or(default) == Toggle::Off {
        builder = builder.disable_suggestions();
    }
    builder.finish()
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

    /// Walks every object field of the schema by introspection: each must have a policy.
    #[tokio::test]
    async fn every_field_has_a_policy() {
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
