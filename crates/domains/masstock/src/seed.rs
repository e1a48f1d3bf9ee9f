//! `studiogate seed --scale N` and the demo: N active clients (at least two), each with an
//! owner and two collaborators, workflows assigned from the spec's two seed templates,
//! executions of every status with their batch results, requests and tickets; one suspended
//! client with a member (who therefore sees nothing), and an account meant to be made the
//! MasStock platform admin (the seed grants no platform role itself).

use chrono::{DateTime, Duration, FixedOffset, TimeZone, Utc};
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, IntoActiveModel, PaginatorTrait};
use serde::Serialize;
use serde_json::json;
use studiogate_entities_identity::accounts;
use studiogate_entities_masstock::{
    masstock_client_members as members, masstock_clients as clients, masstock_profiles as profiles,
    masstock_support_tickets as tickets, masstock_workflow_batch_results as batch_results,
    masstock_workflow_executions as executions, masstock_workflow_requests as requests,
    masstock_workflow_templates as templates, masstock_workflows as workflows, scope,
};
use studiogate_graph::{BeginWrite, SeedError};
use uuid::Uuid;

const NAMESPACE: Uuid = Uuid::from_u128(0x3a55_70c4_9e1d_4b7a_8c2f_6d5e_1b0a_9f3c);
/// Executions per workflow cycle through these.
const RUNS: [&str; 5] = ["completed", "completed", "failed", "processing", "pending"];
const PROMPTS: [&str; 3] = [
    "a cat wearing sunglasses",
    "a dog in a spaceship",
    "a lighthouse at dawn, watercolour",
];

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

/// The people of client `c`, as the summary names them.
#[derive(Serialize)]
pub struct ClientSummary {
    pub id: Uuid,
    pub owner: Uuid,
    pub collaborators: Vec<Uuid>,
    pub workflows: Vec<Uuid>,
}

#[derive(Serialize)]
pub struct Summary {
    pub clients: Vec<ClientSummary>,
    /// A suspended client and its owner, who sees nothing.
    pub suspended: ClientSummary,
    /// An account with no client, for an operator to make a MasStock platform admin
    /// (`studiogate admin grant --domain masstock`): the seed grants no platform role.
    pub admin: Uuid,
    pub templates: Vec<Uuid>,
}

#[derive(Default)]
struct Rows {
    accounts: Vec<accounts::Model>,
    profiles: Vec<profiles::Model>,
    clients: Vec<clients::Model>,
    members: Vec<members::Model>,
    templates: Vec<templates::Model>,
    workflows: Vec<workflows::Model>,
    requests: Vec<requests::Model>,
    executions: Vec<executions::Model>,
    results: Vec<batch_results::Model>,
    tickets: Vec<tickets::Model>,
}

impl Rows {
    fn person(&mut self, key: &str, name: &str, minute: i64) -> Uuid {
        let id = id(&format!("account/{key}"));
        let email = format!("{key}@masstock.example");
        self.accounts.push(accounts::Model {
            id,
            email: email.clone(),
            created_at: at(minute),
            password_hash: None,
            email_verified: true,
            last_login_at: None,
            login_count: 0,
            failed_login_attempts: 0,
            locked_until: None,
            deleted_at: None,
            status: "active".into(),
        });
        self.profiles.push(profiles::Model {
            id,
            email,
            name: name.to_owned(),
            status: "active".into(),
            created_at: at(minute),
            updated_at: at(minute),
            last_login: None,
        });
        id
    }

    fn member(&mut self, client: Uuid, user: Uuid, role: &str, minute: i64) {
        self.members.push(members::Model {
            id: id(&format!("member/{client}/{user}")),
            client_id: client,
            user_id: user,
            role: role.into(),
            created_at: at(minute),
            updated_at: at(minute),
        });
    }

    fn client(&mut self, key: &str, status: &str, minute: i64) -> ClientSummary {
        let client = id(&format!("client/{key}"));
        self.clients.push(clients::Model {
            id: client,
            name: format!("Client {key}"),
            company_name: Some(format!("Client {key} Inc.")),
            email: format!("contact@client-{key}.example"),
            status: status.into(),
            created_at: at(minute),
            updated_at: at(minute),
        });
        let owner = self.person(&format!("{key}-owner"), &format!("Owner of {key}"), minute);
        self.member(client, owner, "owner", minute);
        let mut collaborators = Vec::new();
        for k in 1..=2 {
            let who = self.person(
                &format!("{key}-collab-{k}"),
                &format!("Collaborator {k} of {key}"),
                minute + k,
            );
            self.member(client, who, "collaborator", minute + k);
            collaborators.push(who);
        }
        ClientSummary {
            id: client,
            owner,
            collaborators,
            workflows: Vec::new(),
        }
    }

    fn templates(&mut self) -> Vec<Uuid> {
        let specs = [
            (
                "Flash Image Gen",
                "nano_banana",
                "gemini-2.5-flash-image",
                39,
                100,
                "zap",
            ),
            (
                "Pro Image Gen",
                "pro_banana",
                "gemini-3-pro-image",
                100,
                250,
                "sparkles",
            ),
        ];
        specs
            .iter()
            .enumerate()
            .map(|(k, (name, kind, model, cost, revenue, icon))| {
                let tid = id(&format!("template/{kind}"));
                self.templates.push(templates::Model {
                    id: tid,
                    name: (*name).into(),
                    description: Some(format!("AI image generation with {model}")),
                    icon: (*icon).into(),
                    workflow_type: (*kind).into(),
                    config: json!({ "model": model, "max_prompts": 100, "requires_api_key": true }),
                    cost_per_execution_mills: *cost,
                    revenue_per_execution_mills: *revenue,
                    is_active: true,
                    created_at: at(k as i64),
                    updated_at: at(k as i64),
                });
                tid
            })
            .collect()
    }

    /// Two workflows of client `summary`, five executions each, requests and tickets.
    fn work(&mut self, summary: &mut ClientSummary, templates: &[Uuid], minute: i64) {
        for (w, template) in templates.iter().enumerate() {
            let wid = id(&format!("workflow/{}/{w}", summary.id));
            let kind = if w == 0 { "nano_banana" } else { "pro_banana" };
            self.workflows.push(workflows::Model {
                id: wid,
                name: format!("Workflow {w} of client"),
                description: Some("Generate AI images".into()),
                status: "active".into(),
                config: json!({ "workflow_type": kind, "max_prompts": 100, "requires_api_key": false }),
                client_id: Some(summary.id),
                template_id: Some(*template),
                created_at: at(minute + w as i64),
                updated_at: at(minute + w as i64),
            });
            summary.workflows.push(wid);
            for (e, status) in RUNS.iter().enumerate() {
                let by = if e % 2 == 0 {
                    summary.owner
                } else {
                    summary.collaborators[0]
                };
                self.execution(
                    summary.id,
                    wid,
                    by,
                    status,
                    minute + 10 + (w * 10 + e) as i64,
                );
            }
            self.requests.push(requests::Model {
                id: id(&format!("request/{wid}")),
                client_id: summary.id,
                workflow_id: wid,
                status: if w == 0 { "approved" } else { "pending" }.into(),
                notes: Some("Need 50 product images for the Q2 campaign".into()),
                created_at: at(minute + 2),
                updated_at: at(minute + 3),
            });
        }
        for (t, (status, priority)) in [("open", "high"), ("in_progress", "medium")]
            .iter()
            .enumerate()
        {
            self.tickets.push(tickets::Model {
                id: id(&format!("ticket/{}/{t}", summary.id)),
                client_id: summary.id,
                user_id: summary.collaborators[t % 2],
                subject: "Unable to upload reference images".into(),
                description: "Images over 5 MB are refused".into(),
                status: (*status).into(),
                priority: (*priority).into(),
                created_at: at(minute + 5 + t as i64),
                updated_at: at(minute + 5 + t as i64),
            });
        }
    }

    fn execution(&mut self, client: Uuid, workflow: Uuid, by: Uuid, status: &str, minute: i64) {
        let eid = id(&format!("execution/{workflow}/{minute}"));
        let started = (status != "pending").then(|| at(minute + 1));
        let done = matches!(status, "completed" | "failed");
        let ok = match status {
            "completed" => PROMPTS.len(),
            "failed" => 0,
            _ => 1,
        };
        self.executions.push(executions::Model {
            id: eid,
            workflow_id: workflow,
            client_id: client,
            triggered_by_user_id: Some(by),
            status: status.into(),
            input_data: json!({ "prompts": PROMPTS, "reference_images": [] }),
            output_data: done.then(|| json!({ "successful": ok, "failed": PROMPTS.len() - ok, "total": PROMPTS.len() })),
            api_key_ciphertext: None,
            started_at: started,
            completed_at: done.then(|| at(minute + 6)),
            duration_seconds: done.then_some(300),
            error_message: (status == "failed").then(|| "Every prompt of the batch failed".into()),
            lease_expires_at: None,
            claimed_by: None,
            retry_count: 0,
            created_at: at(minute),
        });
        for (k, prompt) in PROMPTS.iter().enumerate() {
            let result = match status {
                "completed" => "completed",
                "failed" => "failed",
                "processing" if k < ok => "completed",
                "processing" => "processing",
                _ => "pending",
            };
            let finished = matches!(result, "completed" | "failed");
            self.results.push(batch_results::Model {
                id: id(&format!("result/{eid}/{k}")),
                execution_id: eid,
                batch_index: k as i32,
                prompt_text: (*prompt).into(),
                status: result.into(),
                result_url: None,
                result_storage_path: None,
                error_message: (result == "failed").then(|| "The model refused the prompt".into()),
                processing_time_ms: finished.then_some(3_500),
                created_at: at(minute),
                completed_at: finished.then(|| at(minute + 2)),
            });
        }
    }
}

fn generate(scale: usize) -> (Rows, Summary) {
    let mut rows = Rows::default();
    let templates = rows.templates();
    let mut clients = Vec::new();
    for c in 0..scale.max(2) {
        let minute = 100 * (c as i64 + 1);
        let mut summary = rows.client(&format!("{c:03}"), "active", minute);
        rows.work(&mut summary, &templates, minute);
        clients.push(summary);
    }
    let mut suspended = rows.client("suspended", "suspended", 50);
    rows.work(&mut suspended, &templates, 50);
    let admin = rows.person("platform-admin", "MasStock Admin", 1);
    let summary = Summary {
        clients,
        suspended,
        admin,
        templates,
    };
    (rows, summary)
}

async fn insert<E>(txn: &sea_orm::DatabaseTransaction, rows: Vec<E::Model>) -> Result<(), SeedError>
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
        E::insert_many(chunk).exec_without_returning(txn).await?;
    }
    Ok(())
}

/// Loads the dataset of `scale` into a database whose MasStock tables are empty.
pub async fn load(db: &DatabaseConnection, scale: usize) -> Result<Summary, SeedError> {
    if scope::any_client().count(db).await? > 0 {
        return Err("the MasStock tables already hold clients; seed only an empty domain".into());
    }
    let (rows, summary) = generate(scale);
    let txn = db.begin_write().await?;
    insert::<accounts::Entity>(&txn, rows.accounts).await?;
    insert::<profiles::Entity>(&txn, rows.profiles).await?;
    insert::<clients::Entity>(&txn, rows.clients).await?;
    insert::<members::Entity>(&txn, rows.members).await?;
    insert::<templates::Entity>(&txn, rows.templates).await?;
    insert::<workflows::Entity>(&txn, rows.workflows).await?;
    insert::<requests::Entity>(&txn, rows.requests).await?;
    insert::<executions::Entity>(&txn, rows.executions).await?;
    insert::<batch_results::Entity>(&txn, rows.results).await?;
    insert::<tickets::Entity>(&txn, rows.tickets).await?;
    txn.commit().await?;
    Ok(summary)
}

/// The demo: the small dataset, when the MasStock tables are empty. Returns whether it loaded.
pub async fn demo(db: &DatabaseConnection) -> Result<bool, SeedError> {
    if scope::any_client().count(db).await? > 0 {
        return Ok(false);
    }
    load(db, 2).await?;
    Ok(true)
}

/// Makes `account` (the banner's demo account) an owner of the first demo client, with a
/// MasStock profile if it has none, so that the GraphiQL demo token can query MasStock.
pub async fn open_demo_to(db: &DatabaseConnection, account: Uuid) -> Result<(), SeedError> {
    let Some(found) = studiogate_entities_identity::scope::account(account)
        .one(db)
        .await?
    else {
        return Ok(());
    };
    let txn = db.begin_write().await?;
    if scope::own_profile(account).one(&txn).await?.is_none() {
        profiles::ActiveModel {
            id: sea_orm::Set(account),
            email: sea_orm::Set(found.email.clone()),
            name: sea_orm::Set("Demo user".into()),
            status: sea_orm::Set("active".into()),
            created_at: sea_orm::Set(found.created_at),
            updated_at: sea_orm::Set(found.created_at),
            last_login: sea_orm::Set(None),
        }
        .insert(&txn)
        .await?;
    }
    if scope::memberships_of(account).one(&txn).await?.is_none() {
        let mut rows = Rows::default();
        rows.member(id("client/000"), account, "owner", 0);
        insert::<members::Entity>(&txn, rows.members).await?;
    }
    txn.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seed_is_deterministic_and_covers_every_status() {
        let (a, summary) = generate(2);
        let (b, _) = generate(2);
        assert_eq!(a.executions, b.executions);
        assert_eq!(summary.clients.len(), 2);
        for status in ["pending", "processing", "completed", "failed"] {
            assert!(a.executions.iter().any(|e| e.status == status), "{status}");
            assert!(a.results.iter().any(|r| r.status == status), "{status}");
        }
        // One result per prompt, indexes unique within each execution.
        assert_eq!(a.results.len(), a.executions.len() * PROMPTS.len());
        let (bigger, _) = generate(4);
        assert_eq!(
            bigger.clients.len(),
            5,
            "four active clients and the suspended one"
        );
    }
}
