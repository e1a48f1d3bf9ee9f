//! The third wall: every field of the schema declares who may resolve it, and a field without a
//! declaration is refused. Row filtering (the first wall) happens in the loaders; per-object
//! role checks (the second wall) are guards on the fields that need them.

use async_graphql::extensions::{ExtensionContext, ResolveInfo};
use async_graphql::{ErrorExtensions, PathSegment, ServerError, ServerResult};
use std::collections::HashMap;

use crate::{GraphError, PlatformRole, Viewer};

/// Who may resolve a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Anyone, including anonymous callers.
    Public,
    /// Any signed-in caller; the rows they see are still filtered by tenant in the loaders.
    Authenticated,
    /// A signed-in caller, on tenant data: what it checks is the sign-in; what keeps other
    /// tenants out is that the row reached the response through a tenant-scoped select (a
    /// loader's, or a service's), which only returns rows of the caller's tenants.
    TenantScoped,
    /// A signed-in person (never a service token) whose role in the row's tenant (such as
    /// company admin) the resolver or its service checks against the row.
    RoleChecked,
    /// Only the platform administrators of the named domain (roles stored in the database).
    PlatformAdmin(&'static str),
    /// Only machine clients (service tokens), such as workflow runners.
    Service,
    /// A structural field (connection edges, page info) whose parent field was already checked.
    Inherit,
}

impl Policy {
    fn check(self, viewer: Option<&Viewer>) -> Result<(), GraphError> {
        let authenticated = viewer.is_some_and(Viewer::is_authenticated);
        let service = viewer.is_some_and(|v| v.role == PlatformRole::Service);
        match self {
            Self::Public | Self::Inherit => Ok(()),
            // Machine clients act within what they were given; managing people is not part of it.
            Self::RoleChecked if service => Err(GraphError::forbidden()),
            Self::Authenticated | Self::TenantScoped | Self::RoleChecked if authenticated => Ok(()),
            Self::PlatformAdmin(domain) if viewer.is_some_and(|v| v.is_platform_admin(domain)) => {
                Ok(())
            }
            Self::PlatformAdmin(_) if authenticated => Err(GraphError::forbidden()),
            Self::Service if authenticated && service => Ok(()),
            Self::Service if authenticated => Err(GraphError::forbidden()),
            _ => Err(GraphError::unauthenticated()),
        }
    }
}

/// Policies by type, then field, each field named: there is no wildcard, so a field added to a
/// type has no policy (and is refused) until one is declared. Looked up for every resolved
/// field, so lookups borrow and never allocate.
#[derive(Debug, Default, Clone)]
pub struct PolicyRegistry {
    types: HashMap<String, HashMap<String, Policy>>,
}

impl PolicyRegistry {
    pub fn field(&mut self, type_name: &str, field: &str, policy: Policy) -> &mut Self {
        assert!(
            field != "*",
            "{type_name}: name each field; a wildcard would cover fields nobody decided on"
        );
        self.types
            .entry(type_name.to_owned())
            .or_default()
            .insert(field.to_owned(), policy);
        self
    }

    /// The same policy for several fields of one type.
    pub fn fields(&mut self, type_name: &str, fields: &[&str], policy: Policy) -> &mut Self {
        for field in fields {
            self.field(type_name, field, policy);
        }
        self
    }

    /// `<Node>Connection` and `<Node>Edge`, as async-graphql names them, inherit their parent.
    pub fn connection(&mut self, node: &str) -> &mut Self {
        self.fields(
            &format!("{node}Connection"),
            &["edges", "nodes", "pageInfo", "totalCount"],
            Policy::Inherit,
        )
        .fields(&format!("{node}Edge"), &["node", "cursor"], Policy::Inherit)
    }

    /// The connections' `PageInfo`, which inherits its connection's policy.
    pub fn page_info(&mut self) -> &mut Self {
        self.fields(
            "PageInfo",
            &["hasPreviousPage", "hasNextPage", "startCursor", "endCursor"],
            Policy::Inherit,
        )
    }

    /// Every `(type, field)` with a policy.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &str)> {
        self.types
            .iter()
            .flat_map(|(t, fields)| fields.keys().map(move |f| (t.as_str(), f.as_str())))
    }

    /// How many fields have a policy.
    pub fn len(&self) -> usize {
        self.types.values().map(HashMap::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.types.is_empty()
    }

    pub fn merge(&mut self, other: PolicyRegistry) -> &mut Self {
        for (type_name, fields) in other.types {
            self.types.entry(type_name).or_default().extend(fields);
        }
        self
    }

    pub fn get(&self, type_name: &str, field: &str) -> Option<Policy> {
        self.types.get(type_name)?.get(field).copied()
    }
}

/// Whether the viewer may resolve the field `info` is about to resolve: the check the gateway
/// extension ([`crate::gateway`]) runs for every resolved field. `Err` is the refusal, naming
/// the field's path.
pub(crate) fn admit(
    registry: &PolicyRegistry,
    ctx: &ExtensionContext<'_>,
    info: &ResolveInfo<'_>,
) -> ServerResult<()> {
    // List items resolve under a `[Type]` parent; the list field itself was checked.
    if info.is_for_introspection || info.name.starts_with("__") || info.parent_type.starts_with('[')
    {
        return Ok(());
    }
    let viewer = ctx.data_opt::<Viewer>();
    let verdict = match registry.get(info.parent_type, info.name) {
        // A service token (a runner) writes through the runner operations only: the
        // mutations of people (creating studios, uploading) are not its to call.
        Some(policy)
            if policy != Policy::Service
                && viewer.is_some_and(|v| v.role == PlatformRole::Service)
                && ctx.schema_env.registry.mutation_type.as_deref() == Some(info.parent_type) =>
        {
            Err(GraphError::forbidden())
        }
        Some(policy) => policy.check(viewer),
        None => {
            tracing::error!(
                r#type = info.parent_type,
                field = info.name,
                "field has no access policy; refused"
            );
            Err(GraphError::forbidden())
        }
    };
    verdict.map_err(|err| refusal(err, info))
}

fn refusal(err: GraphError, info: &ResolveInfo<'_>) -> ServerError {
    // The path node serialises to the response's `path` array of names and indexes.
    let path = serde_json::to_value(info.path_node)
        .ok()
        .and_then(|v| v.as_array().cloned())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|segment| match segment {
            serde_json::Value::Number(n) => n.as_u64().map(|i| PathSegment::Index(i as usize)),
            serde_json::Value::String(s) => Some(PathSegment::Field(s)),
            _ => None,
        })
        .collect();
    err.extend()
        .into_server_error(info.field.name.pos)
        .with_path(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use uuid::Uuid;

    fn member() -> Viewer {
        Viewer {
            account_id: Some(Uuid::new_v4()),
            role: PlatformRole::Authenticated,
            session_id: None,
            admin_of: Arc::from([]),
        }
    }

    #[test]
    fn service_tokens_never_reach_tenant_role_fields() {
        let service = Viewer {
            role: PlatformRole::Service,
            ..member()
        };
        assert!(Policy::TenantScoped.check(Some(&service)).is_ok());
        assert!(Policy::Service.check(Some(&service)).is_ok());
        assert_eq!(
            Policy::Service.check(Some(&member())).map_err(|e| e.code),
            Err(crate::ErrorCode::Forbidden)
        );
        let err = Policy::RoleChecked
            .check(Some(&service))
            .expect_err("refused");
        assert_eq!(err.code, crate::ErrorCode::Forbidden);
    }

    #[test]
    fn anonymous_callers_reach_only_public_fields() {
        let anon = Viewer::anonymous();
        assert!(Policy::Public.check(Some(&anon)).is_ok());
        assert!(Policy::TenantScoped.check(Some(&anon)).is_err());
        assert!(Policy::Authenticated.check(None).is_err());
    }

    #[test]
    fn platform_admin_fields_refuse_members_and_other_domains_admins() {
        let policy = Policy::PlatformAdmin("studios");
        let err = policy.check(Some(&member())).expect_err("refused");
        assert_eq!(err.code, crate::ErrorCode::Forbidden);
        let admin = Viewer {
            admin_of: Arc::from(["studios".to_owned()]),
            ..member()
        };
        assert!(policy.check(Some(&admin)).is_ok());
        let elsewhere = Viewer {
            admin_of: Arc::from(["masstock".to_owned()]),
            ..member()
        };
        let err = policy.check(Some(&elsewhere)).expect_err("refused");
        assert_eq!(err.code, crate::ErrorCode::Forbidden);
        // A runner's token acting for an admin account is still only a runner.
        let service = Viewer {
            role: PlatformRole::Service,
            ..admin
        };
        assert!(policy.check(Some(&service)).is_err());
        assert!(policy.check(Some(&Viewer::anonymous())).is_err());
    }

    #[test]
    fn only_named_fields_have_a_policy() {
        let mut registry = PolicyRegistry::default();
        registry
            .page_info()
            .fields("Company", &["id", "name"], Policy::TenantScoped)
            .field("Company", "members", Policy::RoleChecked);
        assert_eq!(registry.get("PageInfo", "endCursor"), Some(Policy::Inherit));
        assert_eq!(
            registry.get("Company", "members"),
            Some(Policy::RoleChecked)
        );
        assert_eq!(registry.get("Company", "name"), Some(Policy::TenantScoped));
        // A field nobody declared, on a known type and on an unknown one.
        assert_eq!(registry.get("Company", "taxId"), None);
        assert_eq!(registry.get("Studio", "name"), None);
        assert_eq!(registry.len(), 7);
    }

    #[test]
    #[should_panic(expected = "name each field")]
    fn wildcards_are_refused() {
        PolicyRegistry::default().field("Company", "*", Policy::TenantScoped);
    }
}
