//! Turning merged domain roots into the served schema: per-operation data first, then
//! observability, the deny-by-default tenant guard and the operation limits.

use async_graphql::{ObjectType, Schema, SubscriptionType};

use crate::{FreshDataExtension, Observability, OperationLimits, PolicyRegistry, TenantGuard};

/// What one operation may ask for, and what the schema tells about itself.
#[derive(Clone, Debug)]
pub struct SchemaSettings {
    pub max_depth: usize,
    pub max_directives: usize,
    pub max_aliases: usize,
    pub max_root_fields: usize,
    pub max_cost: usize,
    pub introspection: bool,
    pub field_suggestions: bool,
}

/// The schema of `query`, `mutation` and `subscription`, guarded by `policies`.
pub fn build<Q, M, S>(
    query: Q,
    mutation: M,
    subscription: S,
    policies: PolicyRegistry,
    settings: &SchemaSettings,
) -> Schema<Q, M, S>
where
    Q: ObjectType + 'static,
    M: ObjectType + 'static,
    S: SubscriptionType + 'static,
{
    let mut builder = Schema::build(query, mutation, subscription)
        // First, so the data it adds is in place for every later extension and resolver.
        .extension(FreshDataExtension)
        .extension(Observability)
        .extension(TenantGuard::new(policies))
        .extension(OperationLimits {
            max_depth: settings.max_depth,
            max_aliases: settings.max_aliases,
            max_root_fields: settings.max_root_fields,
            max_cost: settings.max_cost,
            introspection: settings.introspection,
        })
        // The walk of OperationLimits applies `max_depth` outside introspection and
        // INTROSPECTION_DEPTH inside; this is the backstop for both.
        .limit_depth(settings.max_depth.max(crate::limits::INTROSPECTION_DEPTH))
        .limit_directives(settings.max_directives)
        .limit_recursive_depth(64);
    if !settings.introspection {
        builder = builder.disable_introspection();
    }
    if !settings.field_suggestions {
        builder = builder.disable_suggestions();
    }
    builder.finish()
}
