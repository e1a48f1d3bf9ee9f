//! Deterministic datasets: `studiogate seed --scale N` (N client companies) for tests and
//! benchmarks, and the small demo of an empty SQLite database. Ids are UUIDv5 of stable names
//! and timestamps count from a fixed epoch, so the same scale always gives the same rows.

use anyhow::{ensure, Context};
use chrono::{DateTime, Duration, FixedOffset, TimeZone, Utc};
use sea_orm::sea_query::{Alias, Query};
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, DatabaseConnection, EntityTrait, IntoActiveModel,
    PaginatorTrait,
};
use serde::Serialize;
use serde_json::json;
use studiogate_entities_kairo::{
    kairo_assets as assets, kairo_automation_runs as runs, kairo_automations as automations,
    kairo_companies as companies, kairo_leads as leads, kairo_profiles as profiles,
    kairo_projects as projects, kairo_services as services, scope,
};
use studiogate_graph::BeginWrite;
use uuid::Uuid;

const NAMESPACE: Uuid = Uuid::from_u128(0x6b61_6972_6f00_4c5e_9a1b_7d0c_2e3f_4a5c);
const ASSET_TYPES: [(&str, &str, &str); 4] = [
    ("MODEL", "model/gltf-binary", "glb"),
    ("TEXTURE", "image/png", "png"),
    ("IMAGE", "image/jpeg", "jpg"),
    ("VIDEO", "video/mp4", "mp4"),
];
const RUN_STATUSES: [&str; 2] = ["SUCCESS", "FAILED"];
const AUTOMATION_STATUSES: [&str; 3] = ["ACTIVE", "PAUSED", "DRAFT"];
const LEAD_STATUSES: [&str; 5] = ["NEW", "CONTACTED", "QUALIFIED", "CONVERTED", "LOST"];

/// How big a dataset to build.
pub struct Shape {
    pub companies: usize,
    pub clients: usize,
    pub projects: usize,
    pub automations: usize,
    pub runs: usize,
    pub assets: usize,
}

impl Shape {
    /// `seed --scale N`: N companies of 3 clients, 4 projects (half published), 3 automations
    /// of 4 runs each, and 4 assets.
    pub fn scale(n: usize) -> Self {
        Self {
            companies: n,
            clients: 3,
            projects: 4,
            automations: 3,
            runs: 4,
            assets: 4,
        }
    }

    pub fn demo() -> Self {
        Self::scale(2)
    }
}

pub fn id(name: &str) -> Uuid {
    Uuid::new_v5(&NAMESPACE, name.as_bytes())
}

fn at(minutes: i64) -> DateTime<FixedOffset> {
    let epoch = Utc
        .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default();
    (epoch + Duration::minutes(minutes)).fixed_offset()
}

#[derive(Serialize, Default)]
pub struct SeededCompany {
    pub id: Uuid,
    pub name: String,
    /// Its CLIENT accounts.
    pub clients: Vec<Uuid>,
    pub published_projects: Vec<Uuid>,
    pub unpublished_projects: Vec<Uuid>,
    pub automations: Vec<Uuid>,
    pub assets: Vec<Uuid>,
}

#[derive(Serialize, Default)]
pub struct Summary {
    /// An ADMIN and a TEAM member of the studio.
    pub admin: Uuid,
    pub team: Uuid,
    /// A CLIENT of no company yet.
    pub unassigned: Uuid,
    pub companies: Vec<SeededCompany>,
    /// The studio's own published projects (of no company).
    pub studio_projects: Vec<Uuid>,
    pub services: Vec<Uuid>,
    pub draft_services: Vec<Uuid>,
    pub leads: Vec<Uuid>,
}

#[derive(Default)]
struct Rows {
    /// `(id, email)` of identity accounts.
    accounts: Vec<(Uuid, String)>,
    profiles: Vec<profiles::Model>,
    companies: Vec<companies::Model>,
    projects: Vec<projects::Model>,
    automations: Vec<automations::Model>,
    runs: Vec<runs::Model>,
    assets: Vec<assets::Model>,
    leads: Vec<leads::Model>,
    services: Vec<services::Model>,
}

/// Loads a dataset of `shape` into a database without KAIRO companies, and describes it.
pub async fn load(db: &DatabaseConnection, shape: &Shape) -> anyhow::Result<Summary> {
    #[expect(
        clippy::disallowed_methods,
        reason = "the seed loader runs for an operator, not a viewer: it counts every \
                  company only to refuse a database that already holds KAIRO data"
    )]
    let empty = companies::Entity::find().count(db).await? == 0;
    ensure!(
        empty,
        "the database already holds KAIRO companies; seed only an empty one"
    );
    let (rows, summary) = generate(shape);
    let txn = db.begin_write().await?;
    let backend = txn.get_database_backend();
    for chunk in rows.accounts.chunks(500) {
        let mut insert = Query::insert();
        insert.into_table(Alias::new("accounts")).columns([
            Alias::new("id"),
            Alias::new("email"),
            Alias::new("created_at"),
            Alias::new("email_verified"),
            Alias::new("login_count"),
            Alias::new("failed_login_attempts"),
        ]);
        for (id, email) in chunk {
            insert.values([
                (*id).into(),
                email.clone().into(),
                at(0).into(),
                true.into(),
                0.into(),
                0.into(),
            ])?;
        }
        txn.execute(backend.build(&insert))
            .await
            .context("inserting seed accounts")?;
    }
    insert::<companies::Entity>(&txn, rows.companies).await?;
    insert::<profiles::Entity>(&txn, rows.profiles).await?;
    insert::<projects::Entity>(&txn, rows.projects).await?;
    insert::<automations::Entity>(&txn, rows.automations).await?;
    insert::<runs::Entity>(&txn, rows.runs).await?;
    insert::<assets::Entity>(&txn, rows.assets).await?;
    insert::<leads::Entity>(&txn, rows.leads).await?;
    insert::<services::Entity>(&txn, rows.services).await?;
    txn.commit().await?;
    Ok(summary)
}

/// Makes `account` (the demo banner's) KAIRO's ADMIN, so GraphiQL's token reads every part of
/// KAIRO.
pub async fn make_demo_admin(db: &DatabaseConnection, account: Uuid) -> anyhow::Result<()> {
    if scope::any_profile(account).one(db).await?.is_none() {
        let exists = db
            .query_one(sea_orm::Statement::from_sql_and_values(
                db.get_database_backend(),
                match db.get_database_backend() {
                    sea_orm::DbBackend::Postgres => "SELECT 1 FROM accounts WHERE id = $1",
                    _ => "SELECT 1 FROM accounts WHERE id = ?",
                },
                [account.into()],
            ))
            .await?
            .is_some();
        if exists {
            profile(account, "Demo admin", "ADMIN", None)
                .into_active_model()
                .reset_all()
                .insert(db)
                .await?;
        }
    }
    Ok(())
}

async fn insert<E>(txn: &sea_orm::DatabaseTransaction, rows: Vec<E::Model>) -> anyhow::Result<()>
where
    E: EntityTrait,
    E::Model: IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<E::ActiveModel> = rows
            .by_ref()
            .take(300)
            .map(|m| m.into_active_model().reset_all())
            .collect();
        E::insert_many(chunk)
            .exec_without_returning(txn)
            .await
            .context("inserting kairo seed rows")?;
    }
    Ok(())
}

fn profile(id: Uuid, name: &str, role: &str, company: Option<Uuid>) -> profiles::Model {
    profiles::Model {
        id,
        name: Some(name.to_owned()),
        role: role.to_owned(),
        company_id: company,
        avatar_url: None,
        created_at: at(0),
        updated_at: at(0),
        deleted_at: None,
    }
}

fn account(rows: &mut Rows, name: &str, role: &str, company: Option<Uuid>) -> Uuid {
    let account = id(&format!("account/{name}"));
    rows.accounts
        .push((account, format!("{name}@kairo.example")));
    rows.profiles.push(profile(account, name, role, company));
    account
}

fn project(rows: &mut Rows, key: &str, company: Option<Uuid>, n: i64, published: bool) -> Uuid {
    let project = id(&format!("project/{key}"));
    rows.projects.push(projects::Model {
        id: project,
        company_id: company,
        slug: key.replace('/', "-"),
        title: format!("Project {key}"),
        summary: format!("What we built for {key}"),
        hero_asset: Some(format!("https://cdn.kairo.example/{key}/hero.glb")),
        content: json!([{ "type": "text", "body": format!("The story of {key}") }]),
        metrics: Some(json!({ "conversion": n % 7, "visitors": 1000 + n })),
        tags: json!(["3d", if published { "case-study" } else { "internal" }]),
        published,
        featured: n % 3 == 0,
        created_at: at(n),
        updated_at: at(n),
        deleted_at: None,
    });
    project
}

fn generate(shape: &Shape) -> (Rows, Summary) {
    let mut rows = Rows::default();
    let mut summary = Summary {
        admin: account(&mut rows, "admin", "ADMIN", None),
        team: account(&mut rows, "team", "TEAM", None),
        unassigned: account(&mut rows, "unassigned", "CLIENT", None),
        ..Summary::default()
    };
    for p in 0..2 {
        let key = format!("studio-{p}");
        let id = project(&mut rows, &key, None, p, true);
        summary.studio_projects.push(id);
    }
    for c in 0..shape.companies {
        summary.companies.push(company(&mut rows, shape, c));
    }
    for s in 0..4 {
        let published = s != 3;
        let service = id(&format!("service/{s}"));
        rows.services.push(services::Model {
            id: service,
            slug: format!("service-{s}"),
            title: format!("Service {s}"),
            tagline: Some(format!("Tagline {s}")),
            description: format!("What service {s} does"),
            content: json!({ "sections": [] }),
            icon_url: None,
            planet_model_url: Some(format!("https://cdn.kairo.example/planets/{s}.glb")),
            featured_order: (s < 2).then_some(s as i32),
            published,
            created_at: at(s),
            updated_at: at(s),
        });
        if published {
            summary.services.push(service);
        } else {
            summary.draft_services.push(service);
        }
    }
    for l in 0..6 {
        let lead = id(&format!("lead/{l}"));
        rows.leads.push(leads::Model {
            id: lead,
            name: format!("Lead {l}"),
            email: format!("lead{l}@prospect.example"),
            message: "We would like a 3D configurator".to_owned(),
            phone: None,
            company: Some(format!("Prospect {l}")),
            source: Some("CONTACT_FORM".to_owned()),
            utm_source: Some("newsletter".to_owned()),
            utm_medium: Some("email".to_owned()),
            utm_campaign: Some("winter".to_owned()),
            metadata: None,
            status: LEAD_STATUSES[l % LEAD_STATUSES.len()].to_owned(),
            created_at: at(l as i64),
            updated_at: at(l as i64),
            deleted_at: None,
        });
        summary.leads.push(lead);
    }
    (rows, summary)
}

fn company(rows: &mut Rows, shape: &Shape, c: usize) -> SeededCompany {
    let company_id = id(&format!("company/{c}"));
    let base = c as i64 * 100;
    let mut seeded = SeededCompany {
        id: company_id,
        name: format!("Client {c:03}"),
        ..SeededCompany::default()
    };
    rows.companies.push(companies::Model {
        id: company_id,
        name: seeded.name.clone(),
        website: Some(format!("https://client{c:03}.example")),
        industry: Some("retail".to_owned()),
        logo_url: None,
        metadata: Some(json!({ "tier": c % 3 })),
        created_at: at(base),
        updated_at: at(base),
        deleted_at: None,
    });
    for k in 0..shape.clients {
        let client = account(rows, &format!("client{c}-{k}"), "CLIENT", Some(company_id));
        seeded.clients.push(client);
    }
    for p in 0..shape.projects {
        let published = p % 2 == 0;
        let key = format!("client{c}-project{p}");
        let id = project(rows, &key, Some(company_id), base + p as i64, published);
        if published {
            seeded.published_projects.push(id);
        } else {
            seeded.unpublished_projects.push(id);
        }
    }
    for a in 0..shape.automations {
        let automation = id(&format!("automation/{c}/{a}"));
        let owner = seeded.clients[a % seeded.clients.len()];
        let start = base + 10 * a as i64;
        rows.automations.push(automations::Model {
            id: automation,
            user_id: owner,
            company_id: Some(company_id),
            title: format!("Automation {a} of client {c}"),
            description: None,
            flow: json!({
                "nodes": [{ "id": "t", "type": "trigger" }, { "id": "e", "type": "email" }],
                "edges": [{ "source": "t", "target": "e" }]
            }),
            status: AUTOMATION_STATUSES[a % AUTOMATION_STATUSES.len()].to_owned(),
            execution_count: shape.runs as i32,
            last_executed_at: (shape.runs > 0).then(|| at(start + shape.runs as i64)),
            created_at: at(start),
            updated_at: at(start),
            deleted_at: None,
        });
        seeded.automations.push(automation);
        for r in 0..shape.runs {
            let status = RUN_STATUSES[r % RUN_STATUSES.len()];
            let started = at(start + 1 + r as i64);
            rows.runs.push(runs::Model {
                id: id(&format!("run/{c}/{a}/{r}")),
                automation_id: automation,
                status: status.to_owned(),
                started_at: started,
                completed_at: Some(started + Duration::milliseconds(1500)),
                duration_ms: Some(1500),
                logs: Some(json!([{ "message": "sent 1 e-mail" }])),
                error: (status == "FAILED").then(|| "SMTP timeout".to_owned()),
                lease_expires_at: None,
                claimed_by: None,
                retry_count: 0,
            });
        }
    }
    for s in 0..shape.assets {
        let (ty, mime, ext) = ASSET_TYPES[s % ASSET_TYPES.len()];
        let asset = id(&format!("asset/{c}/{s}"));
        rows.assets.push(assets::Model {
            id: asset,
            company_id: Some(company_id),
            filename: format!("asset-{s}.{ext}"),
            url: format!("kairo-assets/{company_id}/{asset}"),
            r#type: ty.to_owned(),
            size_bytes: Some(1024 * (s as i64 + 1)),
            mime_type: Some(mime.to_owned()),
            metadata: Some(json!({ "width": 1024, "height": 1024 })),
            tags: json!(["seed"]),
            created_by: Some(seeded.clients[0]),
            created_at: at(base + s as i64),
            deleted_at: None,
        });
        seeded.assets.push(asset);
    }
    seeded
}
