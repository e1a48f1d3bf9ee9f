//! The generated tenant-isolation walk (`studiogate_testkit::isolation`) over MasStock: clients
//! 0 (A) and 1 (B) of the seed, every role, every lookup and connection under `masstock`,
//! over HTTP and WebSocket, with foreign and random ids.

use std::collections::{BTreeMap, HashMap};
use studiogate_testkit::isolation::{self, Coverage, Fixture, IsolationFixture, Role, Tenant};
use studiogate_testkit::{on_both_backends, Backend, TestApp};
use uuid::Uuid;

use super::{admin, client, collaborator, id, owner, UNLIMITED};
use crate::support::{rows, uuid};

struct Masstock;

/// Every row of A and B: `(id, client)` of each client-owned table, members' accounts too.
const OWNED: &[&str] = &[
    "SELECT id, id AS client_id FROM masstock_clients",
    "SELECT id, client_id FROM masstock_client_members",
    "SELECT user_id AS id, client_id FROM masstock_client_members",
    "SELECT id, client_id FROM masstock_workflows WHERE client_id IS NOT NULL",
    "SELECT id, client_id FROM masstock_workflow_requests",
    "SELECT id, client_id FROM masstock_workflow_executions",
    "SELECT id, client_id FROM masstock_support_tickets",
    "SELECT r.id, e.client_id FROM masstock_workflow_batch_results r \
     JOIN masstock_workflow_executions e ON e.id = r.execution_id",
];

#[async_trait::async_trait]
impl IsolationFixture for Masstock {
    async fn load(&self, app: &TestApp) -> anyhow::Result<Fixture> {
        let seed = app.seed(2).await?["masstock"].clone();
        let (a, b) = (client(&seed, 0), client(&seed, 1));
        app.grant_platform_admin(admin(&seed), "masstock").await?;
        // MasStock has no pending or rejected memberships; the owner of a suspended client
        // stands in for a revoked member: they see nothing.
        let tokens = HashMap::from([
            (Role::Revoked, app.token(id(&seed["suspended"]["owner"]))),
            (Role::Member, app.token(collaborator(&seed, 0))),
            (Role::Admin, app.token(owner(&seed, 0))),
            (Role::OtherTenantAdmin, app.token(owner(&seed, 1))),
            (Role::PlatformAdmin, app.token(admin(&seed))),
        ]);
        let tenant = |c: Uuid| {
            (c == a)
                .then_some(Tenant::A)
                .or((c == b).then_some(Tenant::B))
        };
        let mut tenant_of = HashMap::new();
        for sql in OWNED {
            for row in rows(app, sql).await {
                if let Some(t) = tenant(uuid(&row, "client_id")) {
                    tenant_of.insert(uuid(&row, "id"), t);
                }
            }
        }
        let first = |table: &str, t: Tenant| {
            let of = &tenant_of;
            let table = table.to_owned();
            async move {
                let sql = format!("SELECT id, client_id FROM {table} WHERE client_id IS NOT NULL");
                rows(app, &sql)
                    .await
                    .iter()
                    .map(|r| (uuid(r, "id"), uuid(r, "client_id")))
                    .find(|(_, c)| tenant(*c) == Some(t) && of.contains_key(c))
                    .map(|(id, _)| id)
                    .ok_or_else(|| anyhow::anyhow!("no row of {table} for {t:?}"))
            }
        };
        let mut lookups = BTreeMap::new();
        lookups.insert("masstock.client".to_owned(), (a, b));
        for (field, table) in [
            ("masstock.workflow", "masstock_workflows"),
            ("masstock.workflowRequest", "masstock_workflow_requests"),
            ("masstock.workflowExecution", "masstock_workflow_executions"),
            ("masstock.supportTicket", "masstock_support_tickets"),
        ] {
            let pair = (
                first(table, Tenant::A).await?,
                first(table, Tenant::B).await?,
            );
            lookups.insert(field.to_owned(), pair);
        }
        Ok(Fixture {
            tokens,
            lookups,
            // The template catalog belongs to no client (platform admins only).
            shared: vec!["masstock.workflowTemplate".to_owned()],
            tenant_of,
            platform_admin_reads_all: true,
        })
    }
}

async fn every_masstock_role_reaches_only_its_client_through_every_lookup_and_connection(
    backend: Backend,
) {
    let app = TestApp::spawn_with_env(crate::support::BIN, &backend, UNLIMITED)
        .await
        .expect("app starts");
    let fixture = Masstock.load(&app).await.expect("fixture");
    let coverage = Coverage {
        namespace: Some("masstock".to_owned()),
        ..Coverage::default()
    };
    let report = isolation::walk_with(&app, &fixture, &coverage)
        .await
        .unwrap_or_else(|err| panic!("{backend:?}: {err:#}"));
    // Five lookups (the catalog is shared), three root lists, and the connections of the
    // looked-up client (5) and workflow (2): a walk that found less lost part of the schema.
    assert_eq!(report.lookups, 5, "{report:?}");
    assert_eq!(report.connections, 10, "{report:?}");
    println!("{backend:?}: {report:?}");
}
on_both_backends!(every_masstock_role_reaches_only_its_client_through_every_lookup_and_connection);
