//! The tenant-isolation walk, generated from the schema: every root field that takes an `id`
//! and every connection (at the root, and on each looked-up object), asked by every role with
//! the ids of two tenants and a random one, over HTTP and over WebSocket. A domain supplies its
//! two tenants through [`IsolationFixture`]; the walk finds the fields by introspection, so a
//! new root lookup without a fixture entry fails the walk instead of going untested.

use anyhow::{bail, ensure, Context};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;
use uuid::Uuid;

use crate::TestApp;

/// Who asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Anonymous,
    /// A membership of tenant A that is still pending.
    Pending,
    Rejected,
    /// A membership of A that was revoked.
    Revoked,
    /// An approved member of A.
    Member,
    /// A's administrator.
    Admin,
    /// B's administrator (a stranger to A).
    OtherTenantAdmin,
    /// A platform administrator of the domain.
    PlatformAdmin,
}

pub const ROLES: [Role; 8] = [
    Role::Anonymous,
    Role::Pending,
    Role::Rejected,
    Role::Revoked,
    Role::Member,
    Role::Admin,
    Role::OtherTenantAdmin,
    Role::PlatformAdmin,
];

/// One of the fixture's two tenants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tenant {
    A,
    B,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    Http,
    WebSocket,
}

/// Two tenants' data in one app, and who is who.
pub struct Fixture {
    /// A token for every role but `Anonymous`.
    pub tokens: HashMap<Role, String>,
    /// For each root field taking an `id` (its path, `studio` or `masstock.client`): an id of
    /// tenant A's and one of B's.
    pub lookups: BTreeMap<String, (Uuid, Uuid)>,
    /// Root fields taking an `id` whose rows belong to no tenant (a shared catalog), declared
    /// so that every lookup is accounted for.
    pub shared: Vec<String>,
    /// The tenant of every row of A and B (any type), to check what lists return.
    pub tenant_of: HashMap<Uuid, Tenant>,
    /// Whether the domain's platform admin reads every tenant.
    pub platform_admin_reads_all: bool,
}

impl Fixture {
    fn sees(&self, role: Role, tenant: Tenant) -> bool {
        match role {
            Role::Member | Role::Admin => tenant == Tenant::A,
            Role::OtherTenantAdmin => tenant == Tenant::B,
            Role::PlatformAdmin => self.platform_admin_reads_all,
            Role::Anonymous | Role::Pending | Role::Rejected | Role::Revoked => false,
        }
    }
}

/// What a domain's tests implement to get the walk.
#[async_trait::async_trait]
pub trait IsolationFixture: Send + Sync {
    /// Loads the two tenants into `app`'s (empty) database.
    async fn load(&self, app: &TestApp) -> anyhow::Result<Fixture>;
}

/// How many requests the walk sent, and how many fields it covered.
#[derive(Debug, Default)]
pub struct Report {
    pub probes: usize,
    pub lookups: usize,
    pub connections: usize,
}

impl TestApp {
    /// One operation over `transport`: a POST, or a `subscribe` on a fresh graphql-ws
    /// connection (which answers a query with one `next`).
    pub async fn ask(
        &self,
        transport: Transport,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> anyhow::Result<Value> {
        match transport {
            Transport::Http => Ok(self.post(token, query, variables).await?.1),
            Transport::WebSocket => {
                let mut sub = self.subscribe(token, query, variables).await?;
                let answer = sub.event(Duration::from_secs(10)).await;
                sub.close().await;
                answer
            }
        }
    }
}

/// The response without what differs between two equal answers: error locations.
pub fn comparable(body: &Value) -> Value {
    let mut body = body.clone();
    for err in body["errors"].as_array_mut().into_iter().flatten() {
        err.as_object_mut().map(|e| e.remove("locations"));
    }
    body
}

const INTROSPECTION: &str = r#"{ __schema { queryType { name } types { name kind
  fields { name args { name type { kind name ofType { kind name ofType { kind name } } } }
    type { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }"#;

/// The named type under any NON_NULL / LIST wrappers.
fn named(ty: &Value) -> (&str, bool) {
    let mut ty = ty;
    let mut list = false;
    while ty["name"].is_null() {
        list |= ty["kind"] == "LIST";
        ty = &ty["ofType"];
    }
    (ty["name"].as_str().unwrap_or_default(), list)
}

struct Schema {
    types: HashMap<String, Value>,
}

impl Schema {
    fn fields(&self, ty: &str) -> Vec<Value> {
        self.types
            .get(ty)
            .and_then(|t| t["fields"].as_array().cloned())
            .unwrap_or_default()
    }

    fn has_id(&self, ty: &str) -> bool {
        self.fields(ty).iter().any(|f| f["name"] == "id")
    }

    /// `nodes { id }` of a connection type, when its nodes have ids.
    fn connection_node(&self, ty: &str) -> Option<String> {
        let nodes = self.fields(ty).into_iter().find(|f| f["name"] == "nodes")?;
        let (node, _) = named(&nodes["type"]);
        self.has_id(node).then(|| node.to_owned())
    }

    /// The required arguments of a field, with their type names.
    fn required_args(field: &Value) -> Vec<(String, String)> {
        field["args"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|a| a["type"]["kind"] == "NON_NULL")
            .map(|a| {
                let name = a["name"].as_str().unwrap_or_default().to_owned();
                (name, named(&a["type"]).0.to_owned())
            })
            .collect()
    }
}

/// A root field found by the walk: its path from `Query` (namespace fields included).
struct Found {
    path: Vec<String>,
    field: Value,
}

fn wrap(path: &[String], inner: &str) -> String {
    path.iter()
        .rev()
        .skip(1)
        .fold(inner.to_owned(), |inner, ns| format!("{ns} {{ {inner} }}"))
}

/// Walks the schema of `app` with `fixture`'s tenants and fails on the first leak. Of the root
/// fields, it walks the groups the fixture names lookups in: the un-namespaced root fields,
/// and each namespace (`masstock`) whose lookups it names.
pub async fn walk(app: &TestApp, fixture: &Fixture) -> anyhow::Result<Report> {
    let token = fixture
        .tokens
        .get(&Role::Member)
        .context("a member token")?;
    let intro = app.gql(token, INTROSPECTION, json!({})).await?;
    let root = intro["data"]["__schema"]["queryType"]["name"]
        .as_str()
        .context("introspection")?
        .to_owned();
    let schema = Schema {
        types: intro["data"]["__schema"]["types"]
            .as_array()
            .context("types")?
            .iter()
            .filter_map(|t| Some((t["name"].as_str()?.to_owned(), t.clone())))
            .collect(),
    };
    // Root fields, and the fields of namespace objects (`masstock: MasstockQuery!`).
    let mut found = Vec::new();
    let mut queue = vec![(Vec::<String>::new(), root)];
    while let Some((prefix, ty)) = queue.pop() {
        for field in schema.fields(&ty) {
            let name = field["name"].as_str().unwrap_or_default().to_owned();
            let mut path = prefix.clone();
            path.push(name);
            let (target, _) = named(&field["type"]);
            let no_args = field["args"].as_array().is_none_or(|a| a.is_empty());
            if no_args && target.ends_with("Query") && target != ty {
                queue.push((path, target.to_owned()));
            } else {
                found.push(Found { path, field });
            }
        }
    }
    // A fixture covers the groups it names a lookup of: the root fields (the flagship's), or a
    // namespace (`masstock.client`). Each domain's fixture walks its own group; the others
    // are walked by theirs.
    let group = |path: &[&str]| {
        if path.len() > 1 {
            path[0].to_owned()
        } else {
            String::new()
        }
    };
    let covered: std::collections::HashSet<String> = fixture
        .lookups
        .keys()
        .chain(fixture.shared.iter())
        .map(|dotted| group(&dotted.split('.').collect::<Vec<_>>()))
        .collect();
    found.retain(|f| {
        let path: Vec<&str> = f.path.iter().map(String::as_str).collect();
        covered.contains(&group(&path))
    });
    let mut report = Report::default();
    for Found { path, field } in &found {
        let dotted = path.join(".");
        let (target, _) = named(&field["type"]);
        let required = Schema::required_args(field);
        if required.iter().any(|(_, ty)| ty == "UUID") {
            // A field that takes an id (`id`, `studioId`, ...) is a lookup: one id, nothing else.
            let [(arg, _)] = required.as_slice() else {
                bail!("root field `{dotted}` takes an id and more: the walk cannot ask it");
            };
            if fixture.shared.contains(&dotted) {
                continue;
            }
            let (a, b) = *fixture
                .lookups
                .get(&dotted)
                .with_context(|| format!("root lookup `{dotted}` has no isolation fixture"))?;
            lookup(
                app,
                fixture,
                &schema,
                path,
                arg,
                target,
                (a, b),
                &mut report,
            )
            .await?;
            report.lookups += 1;
        } else if target.ends_with("Connection") && Schema::required_args(field).is_empty() {
            if schema.connection_node(target).is_none() {
                continue;
            }
            let last = path.last().context("a path")?;
            let query = format!(
                "{{ {} }}",
                wrap(path, &format!("{last}(first: 100) {{ nodes {{ id }} }}"))
            );
            list(app, fixture, &query, &dotted, &mut report).await?;
            report.connections += 1;
        }
    }
    ensure!(report.lookups > 0, "the walk found no root lookup");
    Ok(report)
}

/// A root lookup with each tenant's id and a random one, and the connections of the object.
#[allow(clippy::too_many_arguments)]
async fn lookup(
    app: &TestApp,
    fixture: &Fixture,
    schema: &Schema,
    path: &[String],
    arg: &str,
    target: &str,
    (a, b): (Uuid, Uuid),
    report: &mut Report,
) -> anyhow::Result<()> {
    let dotted = path.join(".");
    let last = path.last().context("a path")?;
    let mut selection = if schema.has_id(target) {
        "id"
    } else {
        "__typename"
    }
    .to_owned();
    for field in schema.fields(target) {
        let (ty, _) = named(&field["type"]);
        if ty.ends_with("Connection")
            && Schema::required_args(&field).is_empty()
            && schema.connection_node(ty).is_some()
        {
            let name = field["name"].as_str().unwrap_or_default();
            selection.push_str(&format!(" {name}(first: 100) {{ nodes {{ id }} }}"));
            report.connections += 1;
        }
    }
    let query = format!(
        "query($id: UUID!) {{ {} }}",
        wrap(path, &format!("{last}({arg}: $id) {{ {selection} }}"))
    );
    for role in ROLES {
        let token = fixture.tokens.get(&role).map(String::as_str);
        for transport in [Transport::Http, Transport::WebSocket] {
            let ask = |id: Uuid| app.ask(transport, token, &query, json!({ "id": id }));
            let missing = ask(Uuid::new_v4()).await?;
            report.probes += 1;
            let at = |body: &Value| {
                path.iter()
                    .fold(&body["data"], |v, p| &v[p.as_str()])
                    .clone()
            };
            ensure!(
                at(&missing).is_null(),
                "{role:?} {transport:?} {dotted}: a random id answered {missing}"
            );
            for (tenant, id) in [(Tenant::A, a), (Tenant::B, b)] {
                let got = ask(id).await?;
                report.probes += 1;
                let object = at(&got);
                if fixture.sees(role, tenant) {
                    ensure!(
                        !object.is_null() && (object["id"].is_null() || object["id"] == json!(id)),
                        "{role:?} {transport:?} {dotted}: {tenant:?}'s own row missing: {got}"
                    );
                    leaks(
                        fixture,
                        role,
                        &object,
                        &format!("{role:?} {transport:?} {dotted}"),
                    )?;
                } else if comparable(&got) != comparable(&missing) {
                    bail!(
                        "{role:?} {transport:?} {dotted}: {tenant:?}'s id answers otherwise than a \
                         missing one:\n  {tenant:?}: {got}\n  missing: {missing}"
                    );
                }
            }
        }
    }
    Ok(())
}

/// A root list asked by every role: no row of a tenant the role may not see.
async fn list(
    app: &TestApp,
    fixture: &Fixture,
    query: &str,
    dotted: &str,
    report: &mut Report,
) -> anyhow::Result<()> {
    for role in ROLES {
        let token = fixture.tokens.get(&role).map(String::as_str);
        for transport in [Transport::Http, Transport::WebSocket] {
            let body = app.ask(transport, token, query, json!({})).await?;
            report.probes += 1;
            if role == Role::Anonymous {
                ensure!(
                    body["data"].is_null() || !body["errors"].is_null(),
                    "anonymous {transport:?} {dotted}: answered {body}"
                );
            }
            leaks(
                fixture,
                role,
                &body["data"],
                &format!("{role:?} {transport:?} {dotted}"),
            )?;
        }
    }
    Ok(())
}

/// Fails when `value` holds the id of a row of a tenant `role` may not see.
fn leaks(fixture: &Fixture, role: Role, value: &Value, context: &str) -> anyhow::Result<()> {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                if key == "id" {
                    let id = v.as_str().and_then(|s| Uuid::parse_str(s).ok());
                    if let Some(tenant) = id.and_then(|id| fixture.tenant_of.get(&id)) {
                        ensure!(
                            fixture.sees(role, *tenant),
                            "{context}: a row of tenant {tenant:?} leaked: {v}"
                        );
                    }
                }
                leaks(fixture, role, v, context)?;
            }
            Ok(())
        }
        Value::Array(items) => items
            .iter()
            .try_for_each(|v| leaks(fixture, role, v, context)),
        _ => Ok(()),
    }
}
