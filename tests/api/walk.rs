//! The generated tenant-isolation walk (`studiogate_testkit::isolation`) over the Studios
//! platform: two companies from the seed, every role, every root lookup and connection the
//! schema has, over HTTP and WebSocket.

use std::collections::{BTreeMap, HashMap};
use studiogate_testkit::isolation::{self, Fixture, IsolationFixture, Role, Tenant};
use studiogate_testkit::{on_both_backends, Backend, TestApp};
use uuid::Uuid;

use crate::support::{admin, company, member, pending, rejected, revoked, rows, uuid};

/// The walk sends a few hundred requests per role; the rate limits are not what it tests.
const UNLIMITED: &[(&str, &str)] = &[
    ("STUDIOGATE_RATE_LIMIT_PER_SECOND", "1000000"),
    ("STUDIOGATE_RATE_LIMIT_BURST", "1000000"),
    ("STUDIOGATE_TENANT_RATE_LIMIT_PER_SECOND", "1000000"),
    ("STUDIOGATE_TENANT_RATE_LIMIT_BURST", "1000000"),
];

/// Companies 0 (A) and 1 (B) of `studiogate seed --scale 2`.
struct Studios;

/// `(id, parent)` pairs of a table.
async fn pairs(app: &TestApp, sql: &str, parent: &str) -> Vec<(Uuid, Uuid)> {
    rows(app, sql)
        .await
        .iter()
        .map(|r| (uuid(r, "id"), uuid(r, parent)))
        .collect()
}

#[async_trait::async_trait]
impl IsolationFixture for Studios {
    async fn load(&self, app: &TestApp) -> anyhow::Result<Fixture> {
        let seed = app.seed(2).await?;
        let (a, b) = (company(&seed, 0), company(&seed, 1));
        let platform_admin = member(&seed, 1, 2);
        app.grant_platform_admin(platform_admin, "studios").await?;
        let tokens = HashMap::from([
            (Role::Pending, app.token(pending(&seed, 0))),
            (Role::Rejected, app.token(rejected(&seed, 0))),
            (Role::Revoked, app.token(revoked(&seed, 0))),
            (Role::Member, app.token(member(&seed, 0, 1))),
            (Role::Admin, app.token(admin(&seed, 0))),
            (Role::OtherTenantAdmin, app.token(admin(&seed, 1))),
            (Role::PlatformAdmin, app.token(platform_admin)),
        ]);

        // Every row of A and B, by tenant: companies, then down the studio tree.
        let mut tenant_of = HashMap::from([(a, Tenant::A), (b, Tenant::B)]);
        let by_company = |id: Uuid| {
            (id == a)
                .then_some(Tenant::A)
                .or((id == b).then_some(Tenant::B))
        };
        let mut studio_tenant = HashMap::new();
        for (id, c) in pairs(app, "SELECT id, company_id FROM studios", "company_id").await {
            if let Some(t) = by_company(c) {
                studio_tenant.insert(id, t);
                tenant_of.insert(id, t);
            }
        }
        // Memberships, and the seed's accounts, which belong to one company each (members of
        // every status).
        for sql in [
            "SELECT id, company_id FROM user_companies",
            "SELECT user_id AS id, company_id FROM user_companies",
        ] {
            for (id, c) in pairs(app, sql, "company_id").await {
                if let Some(t) = by_company(c) {
                    tenant_of.insert(id, t);
                }
            }
        }
        let mut board_tenant = HashMap::new();
        for table in [
            "workflow_executions",
            "files",
            "kanban_boards",
            "card_field_definitions",
        ] {
            let sql = format!("SELECT id, studio_id FROM {table}");
            for (id, s) in pairs(app, &sql, "studio_id").await {
                if let Some(t) = studio_tenant.get(&s).copied() {
                    tenant_of.insert(id, t);
                    if table == "kanban_boards" {
                        board_tenant.insert(id, t);
                    }
                }
            }
        }
        for table in ["kanban_stages", "kanban_cards"] {
            let sql = format!("SELECT id, board_id FROM {table}");
            for (id, board) in pairs(app, &sql, "board_id").await {
                if let Some(t) = board_tenant.get(&board).copied() {
                    tenant_of.insert(id, t);
                }
            }
        }

        // One id of each lookup per tenant (files: a public one; private files have their own
        // test, since only their uploader sees them).
        let first = |rows: &[(Uuid, Uuid)], tenant: Tenant, of: &HashMap<Uuid, Tenant>| {
            rows.iter()
                .find(|(_, parent)| of.get(parent) == Some(&tenant))
                .map(|(id, _)| *id)
        };
        let mut lookups = BTreeMap::new();
        lookups.insert("company".to_owned(), (a, b));
        let studios = pairs(app, "SELECT id, company_id FROM studios", "company_id").await;
        let executions = pairs(
            app,
            "SELECT id, studio_id FROM workflow_executions",
            "studio_id",
        )
        .await;
        let files = pairs(
            app,
            "SELECT id, studio_id FROM files WHERE access_level <> 'private'",
            "studio_id",
        )
        .await;
        let boards = pairs(app, "SELECT id, studio_id FROM kanban_boards", "studio_id").await;
        for (field, rows, parents) in [
            ("studio", &studios, &tenant_of),
            ("workflowExecution", &executions, &studio_tenant),
            ("file", &files, &studio_tenant),
            ("kanbanBoard", &boards, &studio_tenant),
        ] {
            let pick =
                |t| first(rows, t, parents).ok_or_else(|| anyhow::anyhow!("no {field} of {t:?}"));
            lookups.insert(field.to_owned(), (pick(Tenant::A)?, pick(Tenant::B)?));
        }
        Ok(Fixture {
            tokens,
            lookups,
            // The template catalog is shared by every company.
            shared: vec!["workflowTemplate".to_owned()],
            tenant_of,
            platform_admin_reads_all: true,
        })
    }
}

async fn every_role_reaches_only_its_tenant_through_every_lookup_and_connection(backend: Backend) {
    let app = TestApp::spawn_with_env(crate::support::BIN, &backend, UNLIMITED)
        .await
        .expect("app starts");
    let fixture = Studios.load(&app).await.expect("fixture");
    let report = isolation::walk(&app, &fixture)
        .await
        .unwrap_or_else(|err| panic!("{backend:?}: {err:#}"));
    // Six root lookups less the shared catalog, the root lists, and the connections of
    // each looked-up object: a walk that found less has lost part of the schema.
    assert_eq!(report.lookups, 5, "{report:?}");
    assert_eq!(report.connections, 8, "{report:?}");
    println!("{backend:?}: {report:?}");
}
on_both_backends!(every_role_reaches_only_its_tenant_through_every_lookup_and_connection);
