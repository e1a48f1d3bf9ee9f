//! The generated isolation walk over the `kairo` namespace: every lookup and list, every
//! role, foreign and random ids, over HTTP and WebSocket. KAIRO's roles onto the walk's:
//! Member and Admin are two CLIENTs of company A, OtherTenantAdmin a CLIENT of B,
//! PlatformAdmin the studio's TEAM (staff see every company), Pending a CLIENT of no company,
//! Rejected an account without a KAIRO profile, Revoked a CLIENT of A whose profile was
//! deleted. Published projects are everyone's.

use std::collections::{BTreeMap, HashMap, HashSet};
use studiogate_testkit::isolation::{self, Coverage, Fixture, IsolationFixture, Role, Tenant};
use studiogate_testkit::{on_both_backends, Backend, TestApp};
use uuid::Uuid;

use super::{client, company, execute, id, ids, seeded};
use crate::support::{rows, uuid};

struct Kairo {
    summary: serde_json::Value,
    /// Which of the studio's staff plays the walk's platform admin: `team` or `admin`.
    staff: &'static str,
}

/// `(id, parent)` pairs of a table.
async fn pairs(app: &TestApp, sql: &str, parent: &str) -> Vec<(Uuid, Uuid)> {
    rows(app, sql)
        .await
        .iter()
        .map(|r| (uuid(r, "id"), uuid(r, parent)))
        .collect()
}

#[async_trait::async_trait]
impl IsolationFixture for Kairo {
    async fn load(&self, app: &TestApp) -> anyhow::Result<Fixture> {
        let k = &self.summary;
        let (a, b) = (id(&company(k, 0)["id"]), id(&company(k, 1)["id"]));
        let revoked = client(k, 0, 2);
        execute(
            app,
            "UPDATE kairo_profiles SET deleted_at = $1 WHERE id = $2",
            vec![chrono::Utc::now().fixed_offset().into(), revoked.into()],
        )
        .await;
        let studios_only = rows(app, "SELECT id FROM accounts WHERE email LIKE '%@company%'")
            .await
            .first()
            .map(|r| uuid(r, "id"))
            .ok_or_else(|| anyhow::anyhow!("no account outside KAIRO"))?;
        let tokens = HashMap::from([
            (Role::Pending, app.token(id(&k["unassigned"]))),
            (Role::Rejected, app.token(studios_only)),
            (Role::Revoked, app.token(revoked)),
            (Role::Member, app.token(client(k, 0, 0))),
            (Role::Admin, app.token(client(k, 0, 1))),
            (Role::OtherTenantAdmin, app.token(client(k, 1, 0))),
            (Role::PlatformAdmin, app.token(id(&k[self.staff]))),
        ]);

        let by_company = |c: Uuid| {
            (c == a)
                .then_some(Tenant::A)
                .or((c == b).then_some(Tenant::B))
        };
        let mut tenant_of = HashMap::from([(a, Tenant::A), (b, Tenant::B)]);
        let public: HashSet<Uuid> = rows(app, "SELECT id FROM kairo_projects WHERE published")
            .await
            .iter()
            .map(|r| uuid(r, "id"))
            .collect();
        let mut automation_tenant = HashMap::new();
        for table in [
            "kairo_profiles",
            "kairo_projects",
            "kairo_automations",
            "kairo_assets",
        ] {
            let sql = format!("SELECT id, company_id FROM {table} WHERE company_id IS NOT NULL");
            for (row, c) in pairs(app, &sql, "company_id").await {
                if let Some(t) = by_company(c) {
                    tenant_of.insert(row, t);
                    if table == "kairo_automations" {
                        automation_tenant.insert(row, t);
                    }
                }
            }
        }
        let runs = pairs(
            app,
            "SELECT id, automation_id FROM kairo_automation_runs",
            "automation_id",
        )
        .await;
        for (run, automation) in &runs {
            if let Some(t) = automation_tenant.get(automation) {
                tenant_of.insert(*run, *t);
            }
        }
        let pick = |list: &str, c: usize| ids(&company(k, c)[list])[0];
        let first_run = |t: Tenant| {
            runs.iter()
                .find(|(_, auto)| automation_tenant.get(auto) == Some(&t))
                .map(|(run, _)| *run)
                .ok_or_else(|| anyhow::anyhow!("no run of {t:?}"))
        };
        let lookups = BTreeMap::from([
            (
                "kairo.project".to_owned(),
                (
                    pick("unpublished_projects", 0),
                    pick("unpublished_projects", 1),
                ),
            ),
            ("kairo.company".to_owned(), (a, b)),
            (
                "kairo.automation".to_owned(),
                (pick("automations", 0), pick("automations", 1)),
            ),
            (
                "kairo.automationRun".to_owned(),
                (first_run(Tenant::A)?, first_run(Tenant::B)?),
            ),
            (
                "kairo.asset".to_owned(),
                (pick("assets", 0), pick("assets", 1)),
            ),
        ]);
        // Published projects' ids are public; the walk must never report them.
        for p in &public {
            tenant_of.remove(p);
        }
        Ok(Fixture {
            tokens,
            lookups,
            // Services are the studio's catalog; leads belong to no company (staff only, tested
            // in `reads`).
            shared: vec!["kairo.service".to_owned(), "kairo.lead".to_owned()],
            tenant_of,
            platform_admin_reads_all: true,
        })
    }
}

/// The walk with `staff` as the platform admin.
async fn walk_as(backend: Backend, staff: &'static str) {
    let (app, summary) = seeded(&backend, 2).await;
    let fixture = Kairo { summary, staff }.load(&app).await.expect("fixture");
    let public = rows(&app, "SELECT id FROM kairo_projects WHERE published")
        .await
        .iter()
        .map(|r| uuid(r, "id"))
        .collect();
    let coverage = Coverage {
        namespace: Some("kairo".to_owned()),
        public,
        public_lists: vec!["kairo.projects".to_owned(), "kairo.services".to_owned()],
    };
    let report = isolation::walk_with(&app, &fixture, &coverage)
        .await
        .unwrap_or_else(|err| panic!("{backend:?} ({staff}): {err:#}"));
    // Seven lookups less the two shared ones; six root lists, the company's four lists and
    // the automation's runs.
    assert_eq!(report.lookups, 5, "{report:?}");
    assert_eq!(report.connections, 11, "{report:?}");
    println!("{backend:?} ({staff}): {report:?}");
}

/// TEAM as the walk's platform admin.
async fn every_kairo_role_reaches_only_its_company_through_every_lookup_and_list(backend: Backend) {
    walk_as(backend, "team").await;
}
on_both_backends!(every_kairo_role_reaches_only_its_company_through_every_lookup_and_list);

/// ADMIN as the walk's platform admin.
async fn a_kairo_admin_reads_every_company_through_every_lookup_and_list(backend: Backend) {
    walk_as(backend, "admin").await;
}
on_both_backends!(a_kairo_admin_reads_every_company_through_every_lookup_and_list);
