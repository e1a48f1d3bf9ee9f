//! Turning merged domain roots into the served schema, behind the [`Gateway`]: per-operation
//! data, observability, the deny-by-default policies and the operation limits.

use async_graphql::{ObjectType, SubscriptionType};

use crate::{Gateway, OperationLimits, PolicyRegistry};

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

/// The schema of `Q`, `M` and `S` behind the [`Gateway`]: guarded by `policies`, held to the
/// limits of `settings`.
pub fn build<Q, M, S>(policies: PolicyRegistry, settings: &SchemaSettings) -> Gateway<Q, M, S>
where
    Q: ObjectType + Default + 'static,
    M: ObjectType + Default + 'static,
    S: SubscriptionType + Default + 'static,
{
    let limits = OperationLimits {
        max_depth: settings.max_depth,
        max_aliases: settings.max_aliases,
        max_root_fields: settings.max_root_fields,
        max_cost: settings.max_cost,
        introspection: settings.introspection,
    };
    Gateway::new(policies, limits, |builder| {
        // The walk of OperationLimits applies `max_depth` outside introspection and
        // INTROSPECTION_DEPTH inside; this is the backstop for both.
        let mut builder = builder
            .limit_depth(settings.max_depth.max(crate::limits::INTROSPECTION_DEPTH))
            .limit_directives(settings.max_directives)
            .limit_recursive_depth(64);
        if !settings.introspection {
            builder = builder.disable_introspection();
        }
        if !settings.field_suggestions {
            builder = builder.disable_suggestions();
        }
        builder
    })
}

/// The subscription root of a domain that has no subscription fields: merged into the
/// binary's `Subscription`, it adds no field and claims no operation. (async-graphql's
/// `MergedObjectTail` cannot stand in: its `create_field_stream` is `unreachable!`.)
#[derive(Default)]
pub struct NoSubscription;

impl async_graphql::SubscriptionType for NoSubscription {
    fn type_name() -> std::borrow::Cow<'static, str> {
        std::borrow::Cow::Borrowed("NoSubscription")
    }

    fn create_type_info(registry: &mut async_graphql::registry::Registry) -> String {
        registry.create_subscription_type::<Self, _>(|_| {
            async_graphql::registry::MetaType::Object {
                name: "NoSubscription".to_owned(),
                description: None,
                fields: Default::default(),
                cache_control: Default::default(),
                extends: false,
                shareable: false,
                resolvable: true,
                keys: None,
                visible: None,
                inaccessible: false,
                interface_object: false,
                tags: Default::default(),
                is_subscription: true,
                rust_typename: Some(std::any::type_name::<Self>()),
                directive_invocations: Default::default(),
                requires_scopes: Default::default(),
            }
        })
    }

    fn create_field_stream<'a>(
        &'a self,
        _ctx: &'a async_graphql::Context<'_>,
    ) -> Option<
        std::pin::Pin<Box<dyn futures_util::Stream<Item = async_graphql::Response> + Send + 'a>>,
    > {
        None
    }
}
