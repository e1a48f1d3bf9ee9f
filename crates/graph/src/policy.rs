//! The third wall: every field of the schema declares who may resolve it, and a field without a
//! declaration is refused. Row filtering (the first wall) happens in the loaders; per-object
//! role checks (the second wall) are guards on the fields that need them.

use async_graphql::parser::types::{
    Field, FragmentDefinition, OperationDefinition, OperationType, Selection, SelectionSet,
};
use async_graphql::registry::{MetaType, MetaTypeName, Registry};
use async_graphql::{ErrorExtensions, Name, PathSegment, Positioned, ServerError};
use std::collections::{HashMap, HashSet};

use crate::{GraphError, PlatformRole, Viewer};

/// Who may resolve a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// Anyone, including anonymous callers.
    Public,
    /// Anyone; the answer is `null` unless the caller is signed in (the caller's own account),
    /// so what is selected below it is checked for signed-in callers only.
    SignedInOrNull,
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
            Self::Public | Self::SignedInOrNull | Self::Inherit => Ok(()),
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

/// What each field of the schema's object types returns (the named type, without list or
/// non-null wrappers), for walking an operation's selections with their types.
#[derive(Debug, Default)]
pub struct FieldTypes {
    types: HashMap<String, HashMap<String, String>>,
}

impl FieldTypes {
    pub fn of(registry: &Registry) -> Self {
        let types = registry
            .types
            .iter()
            .filter_map(|(name, ty)| match ty {
                MetaType::Object { fields, .. } => Some((
                    name.clone(),
                    fields
                        .iter()
                        .map(|(field, meta)| {
                            let named = MetaTypeName::concrete_typename(&meta.ty);
                            (field.clone(), named.to_owned())
                        })
                        .collect(),
                )),
                _ => None,
            })
            .collect();
        Self { types }
    }

    fn returned(&self, type_name: &str, field: &str) -> Option<&str> {
        self.types.get(type_name)?.get(field).map(String::as_str)
    }
}

/// The root type names of the schema, for the walk.
#[derive(Debug, Clone)]
pub struct Roots {
    pub query: String,
    pub mutation: String,
    pub subscription: String,
}

impl PolicyRegistry {
    /// Every field of the operation (fragments expanded) that the viewer may not resolve, each
    /// refusal naming the field and its path in the response (list indexes left out: one
    /// refusal covers every item). Checked once, before anything runs: an operation with a
    /// refusal runs no resolver at all. Fields nobody declared a policy for are refused.
    pub fn refusals(
        &self,
        types: &FieldTypes,
        roots: &Roots,
        operation: &Positioned<OperationDefinition>,
        fragments: &HashMap<Name, Positioned<FragmentDefinition>>,
        viewer: Option<&Viewer>,
    ) -> Vec<ServerError> {
        let root = match operation.node.ty {
            OperationType::Query => &roots.query,
            OperationType::Mutation => &roots.mutation,
            OperationType::Subscription => &roots.subscription,
        };
        let mut walk = PolicyWalk {
            registry: self,
            types,
            fragments,
            viewer,
            mutation: (operation.node.ty == OperationType::Mutation).then_some(root.as_str()),
            path: Vec::new(),
            seen: HashSet::new(),
            refused: Vec::new(),
        };
        walk.selection_set(&operation.node.selection_set, root);
        walk.refused
    }

    /// The verdict on one field of `type_name` for `viewer`: the policy that admits it.
    fn verdict(
        &self,
        type_name: &str,
        field: &str,
        viewer: Option<&Viewer>,
        mutation_root: Option<&str>,
    ) -> Result<Policy, GraphError> {
        match self.get(type_name, field) {
            // A service token (a runner) writes through the runner operations only: the
            // mutations of people (creating studios, uploading) are not its to call.
            Some(policy)
                if policy != Policy::Service
                    && viewer.is_some_and(|v| v.role == PlatformRole::Service)
                    && mutation_root == Some(type_name) =>
            {
                Err(GraphError::forbidden())
            }
            Some(policy) => policy.check(viewer).map(|()| policy),
            None => {
                tracing::error!(
                    r#type = type_name,
                    field,
                    "field has no access policy; refused"
                );
                Err(GraphError::forbidden())
            }
        }
    }
}

struct PolicyWalk<'a> {
    registry: &'a PolicyRegistry,
    types: &'a FieldTypes,
    fragments: &'a HashMap<Name, Positioned<FragmentDefinition>>,
    viewer: Option<&'a Viewer>,
    mutation: Option<&'a str>,
    /// Response keys from the root to the selection being walked.
    path: Vec<String>,
    /// `(fragment, type)` pairs already walked, and `(type, field)` pairs already refused: a
    /// fragment spread many times is walked once, so the walk stays as small as the document.
    seen: HashSet<(String, String)>,
    refused: Vec<ServerError>,
}

impl PolicyWalk<'_> {
    fn selection_set(&mut self, set: &Positioned<SelectionSet>, type_name: &str) {
        for selection in &set.node.items {
            match &selection.node {
                Selection::Field(field) => self.field(field, type_name),
                Selection::InlineFragment(inline) => {
                    let on = inline
                        .node
                        .type_condition
                        .as_ref()
                        .map_or(type_name, |c| c.node.on.node.as_str());
                    self.selection_set(&inline.node.selection_set, on);
                }
                Selection::FragmentSpread(spread) => {
                    let name = &spread.node.fragment_name.node;
                    let Some(fragment) = self.fragments.get(name) else {
                        continue; // validation reports it
                    };
                    let on = fragment.node.type_condition.node.on.node.as_str();
                    if self.seen.insert((format!("...{name}"), on.to_owned())) {
                        self.selection_set(&fragment.node.selection_set, on);
                    }
                }
            }
        }
    }

    fn field(&mut self, field: &Positioned<Field>, type_name: &str) {
        let name = field.node.name.node.as_str();
        // Introspection (`__typename`, `__schema`, `__type`) is the schema's own.
        if name.starts_with("__") {
            return;
        }
        let types = self.types;
        let Some(returned) = types.returned(type_name, name) else {
            return; // an unknown field: validation reports it
        };
        let key = field.node.response_key().node.to_string();
        let verdict = self
            .registry
            .verdict(type_name, name, self.viewer, self.mutation);
        let policy = match verdict {
            Ok(policy) => policy,
            Err(err) => {
                if self.seen.insert((type_name.to_owned(), name.to_owned())) {
                    let path = self
                        .path
                        .iter()
                        .cloned()
                        .chain(std::iter::once(key))
                        .map(PathSegment::Field)
                        .collect();
                    self.refused
                        .push(err.extend().into_server_error(field.pos).with_path(path));
                }
                return;
            }
        };
        let signed_in = self.viewer.is_some_and(Viewer::is_authenticated);
        if field.node.selection_set.node.items.is_empty()
            || (policy == Policy::SignedInOrNull && !signed_in)
        {
            return;
        }
        self.path.push(key);
        self.selection_set(&field.node.selection_set, returned);
        self.path.pop();
    }
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

    mod schema {
        #[derive(async_graphql::SimpleObject, Default)]
        pub struct Company {
            pub id: i32,
            pub tax_id: i32,
        }

        pub struct Query;

        #[async_graphql::Object]
        impl Query {
            async fn viewer(&self) -> i32 {
                0
            }
            async fn companies(&self) -> Vec<Company> {
                Vec::new()
            }
        }

        pub struct Mutation;

        #[async_graphql::Object]
        impl Mutation {
            async fn rename(&self) -> i32 {
                0
            }
            async fn report(&self) -> i32 {
                0
            }
        }
    }

    /// The refusals of `query` for `viewer`, as `(code, path)`.
    fn refusals(query: &str, viewer: &Viewer) -> Vec<(String, Vec<String>)> {
        use async_graphql::OutputType;
        let mut registry = Registry::default();
        schema::Query::create_type_info(&mut registry);
        schema::Mutation::create_type_info(&mut registry);
        let mut policies = PolicyRegistry::default();
        policies
            .field("Query", "viewer", Policy::Public)
            .field("Query", "companies", Policy::Authenticated)
            .field("Company", "id", Policy::TenantScoped)
            .field("Mutation", "rename", Policy::TenantScoped)
            .field("Mutation", "report", Policy::Service);
        let roots = Roots {
            query: "Query".into(),
            mutation: "Mutation".into(),
            subscription: "Subscription".into(),
        };
        let document = async_graphql::parser::parse_query(query).expect("parses");
        let (_, operation) = document.operations.iter().next().expect("an operation");
        policies
            .refusals(
                &FieldTypes::of(&registry),
                &roots,
                operation,
                &document.fragments,
                Some(viewer),
            )
            .into_iter()
            .map(|e| {
                let code = match e.extensions.as_ref().and_then(|x| x.get("code")) {
                    Some(async_graphql::Value::String(code)) => code.clone(),
                    other => format!("{other:?}"),
                };
                let path = e.path.iter().map(|p| format!("{p:?}")).collect();
                (code, path)
            })
            .collect()
    }

    #[test]
    fn an_operation_is_checked_whole_through_its_fragments() {
        const QUERY: &str = "query { viewer ...Lists me: companies { ...Row } } \
            fragment Lists on Query { companies { id } } \
            fragment Row on Company { id taxId ... on Company { again: taxId } }";
        let field = |path: &[&str]| -> Vec<String> {
            path.iter()
                .map(|p| format!("{:?}", PathSegment::Field(p.to_string())))
                .collect()
        };
        // Anonymous: `companies` is refused once, where it first appears; `viewer` is public.
        assert_eq!(
            refusals(QUERY, &Viewer::anonymous()),
            [("UNAUTHENTICATED".to_owned(), field(&["companies"]))]
        );
        // A member reaches the lists, but `taxId` has no policy: refused, named by its path.
        assert_eq!(
            refusals(QUERY, &member()),
            [("FORBIDDEN".to_owned(), field(&["me", "taxId"]))]
        );
        assert!(refusals("{ viewer companies { id } }", &member()).is_empty());
    }

    #[test]
    fn service_tokens_call_only_service_mutations() {
        let service = Viewer {
            role: PlatformRole::Service,
            ..member()
        };
        assert!(refusals("mutation { report }", &service).is_empty());
        assert_eq!(
            refusals("mutation { rename report }", &service),
            [(
                "FORBIDDEN".to_owned(),
                vec![format!("{:?}", PathSegment::Field("rename".into()))]
            )]
        );
        assert_eq!(refusals("mutation { report }", &member()).len(), 1);
    }

    #[test]
    #[should_panic(expected = "name each field")]
    fn wildcards_are_refused() {
        PolicyRegistry::default().field("Company", "*", Policy::TenantScoped);
    }
}
