//! Deterministic datasets: `studiogate seed --scale N` for tests and benchmarks, and the small
//! demo loaded on the first start of an empty SQLite database. Ids are UUIDv5 of stable names
//! and timestamps count from a fixed epoch, so the same scale always gives the same rows.

use anyhow::{ensure, Context};
use chrono::{DateTime, Duration, FixedOffset, TimeZone, Utc};
use futures_util::{StreamExt, TryStreamExt};
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, IntoActiveModel, PaginatorTrait};
use serde::Serialize;
use serde_json::json;
use studiogate_entities_studios::{
    accounts, card_field_definitions, companies, files, kanban_boards, kanban_cards, kanban_stages,
    studios, user_companies, user_profiles, workflow_executions, workflow_templates,
};
use studiogate_graph::BeginWrite;
use studiogate_platform::FileStore;
use uuid::Uuid;

mod content;

/// Seeded files written to the store at once.
const PUTS_AT_ONCE: usize = 16;

const NAMESPACE: Uuid = Uuid::from_u128(0x5747_0d1e_0a7e_4c5e_9a1b_7d0c_2e3f_4a5b);
const AREAS: [&str; 7] = [
    "marketing",
    "sales",
    "operations",
    "customer_support",
    "finance",
    "hr",
    "other",
];
const INDUSTRIES: [&str; 8] = [
    "technology",
    "healthcare",
    "finance",
    "retail",
    "manufacturing",
    "education",
    "consulting",
    "other",
];
const STATUSES: [&str; 5] = ["succeeded", "failed", "running", "pending", "paused"];
const MIME_TYPES: [&str; 4] = [
    "application/pdf",
    "text/csv",
    "image/png",
    "application/json",
];
/// Account k of each company: 0 admin, 1-6 approved members, 7 pending, 8 rejected, 9 revoked.
const MEMBER_STATUS: [&str; 10] = [
    "approved", "approved", "approved", "approved", "approved", "approved", "approved", "pending",
    "rejected", "inactive",
];

/// How big a dataset to build.
pub struct Shape {
    pub companies: usize,
    pub studios: usize,
    pub executions: usize,
    pub files: usize,
    pub templates: usize,
}

impl Shape {
    /// `seed --scale N`: N companies of 10 studios, 40 executions and 15 files per studio.
    pub fn scale(n: usize) -> Self {
        Self {
            companies: n,
            studios: 10,
            executions: 40,
            files: 15,
            templates: 30,
        }
    }

    pub fn demo() -> Self {
        Self {
            companies: 2,
            studios: 3,
            executions: 6,
            files: 4,
            templates: 8,
        }
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

/// The demo's company admin (the account the start-up banner mints a token for, and the one
/// `runner --simulate` works as by default).
pub fn demo_admin() -> Uuid {
    account_id(0, 0)
}

pub fn account_id(company: usize, k: usize) -> Uuid {
    id(&format!("account/{company}/{k}"))
}

#[derive(Serialize)]
pub struct SeededAccount {
    pub id: Uuid,
    pub email: String,
    pub companies: Vec<Uuid>,
}

#[derive(Serialize)]
pub struct SeededCompany {
    pub id: Uuid,
    pub name: String,
    /// Who is who in the company, by role and membership status, so that tests and tools
    /// name the account they mean instead of counting.
    pub people: People,
}

#[derive(Serialize, Default)]
pub struct People {
    pub admin: Uuid,
    /// Approved members (not admins), in seed order.
    pub members: Vec<Uuid>,
    pub pending: Uuid,
    pub rejected: Uuid,
    /// A membership that was approved and revoked.
    pub revoked: Uuid,
}

#[derive(Serialize)]
pub struct Summary {
    pub accounts: Vec<SeededAccount>,
    pub companies: Vec<SeededCompany>,
}

#[derive(Default)]
struct Rows {
    accounts: Vec<accounts::Model>,
    profiles: Vec<user_profiles::Model>,
    memberships: Vec<user_companies::Model>,
    companies: Vec<companies::Model>,
    studios: Vec<studios::Model>,
    templates: Vec<workflow_templates::Model>,
    executions: Vec<workflow_executions::Model>,
    files: Vec<files::Model>,
    boards: Vec<kanban_boards::Model>,
    stages: Vec<kanban_stages::Model>,
    cards: Vec<kanban_cards::Model>,
    field_defs: Vec<card_field_definitions::Model>,
}

/// Loads a dataset of `shape` into an empty database, and the bytes of its files into `store`,
/// and describes what it loaded. The bytes go first: a failed load leaves no row without them.
pub async fn load(
    db: &DatabaseConnection,
    store: &FileStore,
    shape: &Shape,
) -> anyhow::Result<Summary> {
    #[expect(
        clippy::disallowed_methods,
        reason = "the seed loader runs for an operator, not a viewer: it counts every \
                  tenant's accounts only to refuse a database that is not empty"
    )]
    let empty = accounts::Entity::find().count(db).await? == 0;
    ensure!(
        empty,
        "the database already holds accounts; seed only an empty database"
    );
    let (rows, summary) = generate(shape);
    put_contents(store, &rows.files).await?;
    let txn = db.begin_write().await?;
    insert::<accounts::Entity>(&txn, rows.accounts).await?;
    insert::<user_profiles::Entity>(&txn, rows.profiles).await?;
    insert::<companies::Entity>(&txn, rows.companies).await?;
    insert::<user_companies::Entity>(&txn, rows.memberships).await?;
    insert::<studios::Entity>(&txn, rows.studios).await?;
    insert::<workflow_templates::Entity>(&txn, rows.templates).await?;
    insert::<files::Entity>(&txn, rows.files).await?;
    insert::<workflow_executions::Entity>(&txn, rows.executions).await?;
    insert::<kanban_boards::Entity>(&txn, rows.boards).await?;
    insert::<kanban_stages::Entity>(&txn, rows.stages).await?;
    insert::<kanban_cards::Entity>(&txn, rows.cards).await?;
    insert::<card_field_definitions::Entity>(&txn, rows.field_defs).await?;
    txn.commit().await?;
    Ok(summary)
}

/// Every file's bytes, at its path, [`PUTS_AT_ONCE`] at a time.
async fn put_contents(store: &FileStore, files: &[files::Model]) -> anyhow::Result<()> {
    // Owned per file: a future borrowing the row would not be `Send` for every lifetime.
    let jobs: Vec<(String, String, usize, String)> = files
        .iter()
        .map(|f| {
            let size = usize::try_from(f.file_size).unwrap_or(0);
            (
                f.supabase_path.clone(),
                f.mime_type.clone(),
                size,
                f.filename.clone(),
            )
        })
        .collect();
    futures_util::stream::iter(jobs)
        .map(|(path, mime, size, name)| async move {
            let bytes = content::bytes(&mime, size, &name);
            store
                .put(&path, bytes.into())
                .await
                .map_err(|e| anyhow::anyhow!("storing {path}: {}", e.message))
        })
        .buffer_unordered(PUTS_AT_ONCE)
        .try_collect::<()>()
        .await
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
            .take(500)
            .map(|m| m.into_active_model().reset_all())
            .collect();
        E::insert_many(chunk)
            .exec_without_returning(txn)
            .await
            .context("inserting seed rows")?;
    }
    Ok(())
}

fn generate(shape: &Shape) -> (Rows, Summary) {
    let mut rows = Rows::default();
    let mut summary = Summary {
        accounts: Vec::new(),
        companies: Vec::new(),
    };
    let templates: Vec<Uuid> = (0..shape.templates)
        .map(|t| template(&mut rows, t))
        .collect();
    let active: Vec<Uuid> = templates
        .iter()
        .enumerate()
        .filter(|(t, _)| t % 10 != 9)
        .map(|(_, id)| *id)
        .collect();
    for c in 0..shape.companies {
        let company_id = id(&format!("company/{c}"));
        let name = format!("Company {c:03}");
        let mut people = People::default();
        for (k, &status) in MEMBER_STATUS.iter().enumerate() {
            let account = account_id(c, k);
            match (k, status) {
                (0, _) => people.admin = account,
                (_, "approved") => people.members.push(account),
                (_, "pending") => people.pending = account,
                (_, "rejected") => people.rejected = account,
                _ => people.revoked = account,
            }
            let email = format!("user{k}@company{c:03}.example");
            // Seeded accounts have no password: sign in with `studiogate token`.
            rows.accounts.push(accounts::Model {
                id: account,
                email: email.clone(),
                created_at: at(c as i64),
                password_hash: None,
                email_verified: true,
                last_login_at: None,
                login_count: 0,
                failed_login_attempts: 0,
                locked_until: None,
                deleted_at: None,
                status: "active".into(),
            });
            rows.profiles.push(user_profiles::Model {
                id: account,
                full_name: format!("User {k} of {name}"),
                created_at: at(c as i64),
                last_login_at: None,
            });
            rows.memberships
                .push(membership(account, company_id, k, status, c));
            let mut approved = Vec::new();
            if status == "approved" {
                approved.push(company_id);
            }
            summary.accounts.push(SeededAccount {
                id: account,
                email,
                companies: approved,
            });
        }
        rows.companies.push(companies::Model {
            id: company_id,
            name: name.clone(),
            industry_type: INDUSTRIES[c % INDUSTRIES.len()].into(),
            contact_email: format!("contact@company{c:03}.example"),
            contact_phone: Some(format!("+1555{c:07}")),
            headquarters_address: format!("{c} Main Street, Springfield"),
            branches: json!([{ "name": "North", "address": format!("{c} North Road, Springfield") }]),
            created_by: account_id(c, 0),
            created_at: at(c as i64 * 60),
            updated_at: at(c as i64 * 60),
        });
        summary.companies.push(SeededCompany {
            id: company_id,
            name,
            people,
        });
        for s in 0..shape.studios {
            studio(&mut rows, shape, c, s, &active);
        }
    }
    (rows, summary)
}

fn membership(
    account: Uuid,
    company: Uuid,
    k: usize,
    status: &str,
    c: usize,
) -> user_companies::Model {
    user_companies::Model {
        id: id(&format!("membership/{account}/{company}")),
        user_id: account,
        company_id: company,
        role: if k == 0 { "admin" } else { "member" }.into(),
        status: status.into(),
        joined_at: (status == "approved" || status == "inactive").then(|| at(c as i64 * 60 + 1)),
        created_at: at(c as i64 * 60 + k as i64),
    }
}

fn template(rows: &mut Rows, t: usize) -> Uuid {
    let template_id = id(&format!("template/{t}"));
    rows.templates.push(workflow_templates::Model {
        id: template_id,
        name: format!("Template {t:02}"),
        description: format!("Automates routine task number {t} end to end."),
        business_area: AREAS[t % AREAS.len()].into(),
        activepieces_flow_id: id(&format!("flow/{t}")),
        input_schema: json!({
            "type": "object",
            "properties": { "subject": { "type": "string" } },
            "required": ["subject"]
        }),
        output_schema: Some(json!({ "type": "object" })),
        estimated_duration_minutes: (t as i32 % 60) + 1,
        complexity_level: ["beginner", "intermediate", "advanced"][t % 3].into(),
        tags: json!([AREAS[t % AREAS.len()], format!("tag{}", t % 5)]),
        version: format!("1.{}.0", t % 4),
        is_active: t % 10 != 9,
        created_at: at(t as i64),
        updated_at: at(t as i64),
    });
    template_id
}

fn studio(rows: &mut Rows, shape: &Shape, c: usize, s: usize, templates: &[Uuid]) {
    let company_id = id(&format!("company/{c}"));
    let studio_id = id(&format!("studio/{c}/{s}"));
    let base = (c * 1000 + s * 100) as i64 * 60;
    let approved: Vec<Uuid> = (0..7).map(|k| account_id(c, k)).collect();
    rows.studios.push(studios::Model {
        id: studio_id,
        company_id,
        name: format!("Studio {s:02}"),
        description: Some(format!("Studio {s} of company {c}")),
        business_area: AREAS[s % AREAS.len()].into(),
        created_by: account_id(c, 0),
        created_at: at(base),
        updated_at: at(base),
    });
    let file_ids: Vec<Uuid> = (0..shape.files)
        .map(|f| {
            let file_id = id(&format!("file/{c}/{s}/{f}"));
            rows.files.push(files::Model {
                id: file_id,
                studio_id,
                uploaded_by: approved[f % approved.len()],
                filename: format!("document-{f:02}.{}", ["pdf", "csv", "png", "json"][f % 4]),
                file_size: 1024 * (f as i32 + 1),
                mime_type: MIME_TYPES[f % MIME_TYPES.len()].into(),
                supabase_path: format!("studios/{studio_id}/{file_id}"),
                upload_timestamp: at(base + f as i64),
                last_accessed: None,
                access_level: match f % 5 {
                    0 => "private",
                    1 => "company",
                    _ => "studio",
                }
                .into(),
                metadata: json!({}),
            });
            file_id
        })
        .collect();
    for e in 0..shape.executions {
        let status = STATUSES[e % STATUSES.len()];
        let created = at(base + 30 + e as i64);
        let started = (status != "pending").then(|| created + Duration::seconds(5));
        let completed =
            matches!(status, "succeeded" | "failed").then(|| created + Duration::seconds(65));
        let mut used = vec![
            json!({ "file_id": file_ids[e % file_ids.len()], "usage_type": "input" }),
            json!({ "file_id": file_ids[(e + 1) % file_ids.len()], "usage_type": "input" }),
        ];
        if e % 2 == 0 {
            used.push(
                json!({ "file_id": file_ids[(e + 2) % file_ids.len()], "usage_type": "output" }),
            );
        }
        rows.executions.push(workflow_executions::Model {
            id: id(&format!("execution/{c}/{s}/{e}")),
            studio_id,
            template_id: templates[e % templates.len()],
            user_id: approved[e % approved.len()],
            input_data: json!({ "subject": format!("Run {e}") }),
            output_data: (status == "succeeded").then(|| json!({ "ok": true })),
            status: status.into(),
            activepieces_run_id: started.map(|_| id(&format!("run/{c}/{s}/{e}"))),
            started_at: started,
            completed_at: completed,
            duration_seconds: completed.map(|_| 60),
            error_message: (status == "failed").then(|| "Step 2 timed out".to_owned()),
            retry_count: if status == "failed" { 1 } else { 0 },
            logs: json!([{ "at": created, "level": "info", "message": "created" }]),
            files_used: json!(used),
            created_at: created,
            lease_expires_at: None,
            claimed_by: None,
        });
    }
    if s == 0 {
        kanban(rows, c, studio_id, base, &approved);
    }
}

fn kanban(rows: &mut Rows, c: usize, studio_id: Uuid, base: i64, members: &[Uuid]) {
    let board_id = id(&format!("board/{c}"));
    rows.boards.push(kanban_boards::Model {
        id: board_id,
        studio_id,
        name: "Launch plan".into(),
        description: Some("Everything for the next launch".into()),
        created_by: members[0],
        created_at: at(base + 2),
        updated_at: at(base + 2),
    });
    for (p, (name, color)) in [
        ("To do", "#94A3B8"),
        ("Doing", "#3B82F6"),
        ("Done", "#22C55E"),
    ]
    .into_iter()
    .enumerate()
    {
        let stage_id = id(&format!("stage/{c}/{p}"));
        rows.stages.push(kanban_stages::Model {
            id: stage_id,
            board_id,
            name: name.into(),
            color: color.into(),
            position: p as i32,
            workflow_triggers: json!([]),
            created_at: at(base + 3),
            updated_at: at(base + 3),
        });
        for n in 0..2 {
            rows.cards.push(kanban_cards::Model {
                id: id(&format!("card/{c}/{p}/{n}")),
                board_id,
                stage_id,
                title: format!("{name} item {n}"),
                description: None,
                position: n,
                assignee_id: Some(members[(p + n as usize) % members.len()]),
                due_date: None,
                custom_fields: json!([{ "field_name": "Priority", "field_type": "dropdown", "field_value": "High" }]),
                created_by: members[0],
                created_at: at(base + 4),
                updated_at: at(base + 4),
            });
        }
    }
    for (order, (name, kind, config)) in [
        (
            "Priority",
            "dropdown",
            json!({ "options": ["Low", "High"], "allow_multiple": false }),
        ),
        (
            "Estimate",
            "number",
            json!({ "min_value": 0, "decimal_places": 1 }),
        ),
    ]
    .into_iter()
    .enumerate()
    {
        rows.field_defs.push(card_field_definitions::Model {
            id: id(&format!("field/{c}/{name}")),
            studio_id,
            field_name: name.into(),
            field_type: kind.into(),
            field_config: config,
            is_required: order == 0,
            display_order: order as i32,
            created_at: at(base + 1),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scale_gives_the_issue_shape() {
        let (rows, summary) = generate(&Shape::scale(2));
        assert_eq!(rows.companies.len(), 2);
        assert_eq!(rows.studios.len(), 20);
        assert_eq!(rows.executions.len(), 800);
        assert_eq!(rows.files.len(), 300);
        assert_eq!(rows.templates.len(), 30);
        assert_eq!(summary.accounts.len(), 20);
        let approved = summary
            .accounts
            .iter()
            .filter(|a| !a.companies.is_empty())
            .count();
        assert_eq!(approved, 14);
    }

    #[test]
    fn executions_use_two_or_three_files_of_their_studio() {
        let (rows, _) = generate(&Shape::scale(1));
        for exec in &rows.executions {
            let used = exec.files_used.as_array().map(Vec::len).unwrap_or(0);
            assert!((2..=3).contains(&used));
            for usage in exec.files_used.as_array().into_iter().flatten() {
                let file_id: Uuid = serde_json::from_value(usage["file_id"].clone()).expect("uuid");
                let file = rows
                    .files
                    .iter()
                    .find(|f| f.id == file_id)
                    .expect("file exists");
                assert_eq!(file.studio_id, exec.studio_id);
            }
        }
    }

    #[test]
    fn the_same_scale_gives_the_same_ids() {
        let (a, _) = generate(&Shape::scale(1));
        let (b, _) = generate(&Shape::scale(1));
        assert_eq!(a.executions, b.executions);
    }
}
