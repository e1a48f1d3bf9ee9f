//! KAIRO's writes over the API, with their error paths: leads (anonymous, validated,
//! rate-limited, honeypot; the pipeline), projects (slugs), people, automations and their
//! runs (status machine, counters), and the subscriptions that announce them.

use serde_json::{json, Value};
use std::time::Duration;
use studiogate_testkit::{on_both_backends, Backend, TestApp};
use uuid::Uuid;

use super::{client, codes, company, id, reason, seeded};
use crate::support::rows;

const CREATE_LEAD: &str = "mutation($input: CreateKairoLeadInput!) {
    kairo { createLead(input: $input) { id receivedAt } } }";
const LEAD_STATUS: &str = "mutation($input: ChangeKairoLeadStatusInput!) {
    kairo { changeLeadStatus(input: $input) { lead { id status } } } }";

fn lead(email: &str) -> Value {
    json!({ "input": {
        "name": "Ada", "email": email, "message": "A configurator, please",
        "utmSource": "newsletter", "utmMedium": "email", "utmCampaign": "winter"
    } })
}

async fn count(app: &TestApp, sql: &str) -> usize {
    rows(app, sql).await.len()
}

async fn anyone_sends_a_lead_and_staff_move_it_through_the_pipeline(backend: Backend) {
    let (app, k) = seeded(&backend, 1).await;
    let (_, body) = app
        .post(None, CREATE_LEAD, lead("ada@example.com"))
        .await
        .expect("post");
    let new = id(&body["data"]["kairo"]["createLead"]["id"]);
    let stored = rows(
        &app,
        "SELECT utm_campaign, status FROM kairo_leads WHERE email = 'ada@example.com'",
    )
    .await;
    assert_eq!(stored.len(), 1, "{body}");
    assert_eq!(crate::support::text(&stored[0], "utm_campaign"), "winter");
    assert_eq!(crate::support::text(&stored[0], "status"), "NEW");

    // The submitter cannot read it back; a client cannot move it; staff can.
    let move_to = |status: &str| json!({ "input": { "id": new, "status": status } });
    let (_, body) = app
        .post(None, LEAD_STATUS, move_to("CONTACTED"))
        .await
        .expect("post");
    assert_eq!(codes(&body), ["UNAUTHENTICATED"], "{body}");
    let body = app
        .gql(
            &app.token(client(&k, 0, 0)),
            LEAD_STATUS,
            move_to("CONTACTED"),
        )
        .await
        .expect("gql");
    assert_eq!(codes(&body), ["FORBIDDEN"], "{body}");
    let team = app.token(id(&k["team"]));
    let body = app
        .gql(&team, LEAD_STATUS, move_to("CONTACTED"))
        .await
        .expect("gql");
    assert_eq!(
        body["data"]["kairo"]["changeLeadStatus"]["lead"]["status"], "CONTACTED",
        "{body}"
    );
    // Skipping QUALIFIED is not a move of the pipeline; nothing changes.
    let body = app
        .gql(&team, LEAD_STATUS, move_to("CONVERTED"))
        .await
        .expect("gql");
    assert_eq!(codes(&body), ["INVALID_TRANSITION"], "{body}");
    for step in ["QUALIFIED", "CONVERTED"] {
        let body = app
            .gql(&team, LEAD_STATUS, move_to(step))
            .await
            .expect("gql");
        assert_eq!(
            body["data"]["kairo"]["changeLeadStatus"]["lead"]["status"], step,
            "{body}"
        );
    }
    // Terminal: a converted lead is not lost.
    let body = app
        .gql(&team, LEAD_STATUS, move_to("LOST"))
        .await
        .expect("gql");
    assert_eq!(codes(&body), ["INVALID_TRANSITION"], "{body}");
    let missing = json!({ "input": { "id": Uuid::new_v4(), "status": "LOST" } });
    let body = app.gql(&team, LEAD_STATUS, missing).await.expect("gql");
    assert_eq!(codes(&body), ["NOT_FOUND"], "{body}");
}
on_both_backends!(anyone_sends_a_lead_and_staff_move_it_through_the_pipeline);

async fn bad_leads_are_refused_and_one_address_is_rate_limited(backend: Backend) {
    let app = TestApp::spawn(crate::support::BIN, &backend)
        .await
        .expect("app");
    let before = count(&app, "SELECT id FROM kairo_leads").await;
    let (_, body) = app
        .post(None, CREATE_LEAD, lead("not-an-email"))
        .await
        .expect("post");
    assert_eq!(codes(&body), ["BAD_USER_INPUT"], "{body}");
    assert_eq!(reason(&body), "INVALID_EMAIL");
    assert_eq!(body["errors"][0]["extensions"]["field"], "email");
    let mut bot = lead("bot@example.com");
    bot["input"]["website"] = json!("http://spam.example");
    let (_, body) = app.post(None, CREATE_LEAD, bot).await.expect("post");
    assert_eq!(reason(&body), "SPAM_SUSPECTED", "{body}");
    let mut blank = lead("ada@example.com");
    blank["input"]["message"] = json!("   ");
    let (_, body) = app.post(None, CREATE_LEAD, blank).await.expect("post");
    assert_eq!(reason(&body), "EMPTY", "{body}");
    assert_eq!(
        count(&app, "SELECT id FROM kairo_leads").await,
        before,
        "refusals store nothing"
    );

    // Five at once from one address, then RATE_LIMITED with a wait.
    for n in 0..5 {
        let (_, body) = app
            .post(None, CREATE_LEAD, lead(&format!("p{n}@example.com")))
            .await
            .expect("post");
        assert!(body["errors"].is_null(), "{n}: {body}");
    }
    let (_, body) = app
        .post(None, CREATE_LEAD, lead("p5@example.com"))
        .await
        .expect("post");
    assert_eq!(codes(&body), ["RATE_LIMITED"], "{body}");
    assert!(
        body["errors"][0]["extensions"]["retryAfter"].as_u64() >= Some(1),
        "{body}"
    );
    assert_eq!(count(&app, "SELECT id FROM kairo_leads").await, before + 5);
}
on_both_backends!(bad_leads_are_refused_and_one_address_is_rate_limited);

const CREATE_PROJECT: &str = "mutation($input: CreateKairoProjectInput!) {
    kairo { createProject(input: $input) { project { id slug published company { id } } } } }";
const UPDATE_PROJECT: &str = "mutation($input: UpdateKairoProjectInput!) {
    kairo { updateProject(input: $input) { project { id slug published featured } } } }";

async fn staff_write_projects_with_unique_slugs_and_publish_them(backend: Backend) {
    let (app, k) = seeded(&backend, 1).await;
    let team = app.token(id(&k["team"]));
    let a = id(&company(&k, 0)["id"]);
    let input = |slug: &str| {
        json!({ "input": {
        "companyId": a, "slug": slug, "title": "Launch", "summary": "A launch",
        "content": [{ "type": "text", "body": "hello" }], "tags": ["3d", "3d"]
    } })
    };
    let body = app
        .gql(&team, CREATE_PROJECT, input("launch-2026"))
        .await
        .expect("gql");
    let project = &body["data"]["kairo"]["createProject"]["project"];
    assert_eq!(project["published"], false, "{body}");
    assert_eq!(project["company"]["id"], json!(a));
    let project_id = id(&project["id"]);

    let body = app
        .gql(&team, CREATE_PROJECT, input("launch-2026"))
        .await
        .expect("gql");
    assert_eq!(codes(&body), ["CONFLICT"], "{body}");
    assert_eq!(reason(&body), "SLUG_TAKEN");
    let body = app
        .gql(&team, CREATE_PROJECT, input("Launch 2026"))
        .await
        .expect("gql");
    assert_eq!(reason(&body), "INVALID_SLUG", "{body}");
    let mut bad = input("other");
    bad["input"]["content"] = json!({ "type": "text" });
    let body = app.gql(&team, CREATE_PROJECT, bad).await.expect("gql");
    assert_eq!(reason(&body), "INVALID_CONTENT", "{body}");
    let mut foreign = input("other");
    foreign["input"]["companyId"] = json!(Uuid::new_v4());
    let body = app.gql(&team, CREATE_PROJECT, foreign).await.expect("gql");
    assert_eq!(codes(&body), ["NOT_FOUND"], "{body}");
    let body = app
        .gql(&app.token(client(&k, 0, 0)), CREATE_PROJECT, input("mine"))
        .await
        .expect("gql");
    assert_eq!(codes(&body), ["FORBIDDEN"], "{body}");
    assert_eq!(
        count(
            &app,
            "SELECT id FROM kairo_projects WHERE slug IN ('other', 'mine')"
        )
        .await,
        0
    );

    // Unpublished: not public. Published: public.
    let by_slug = "{ kairo { projectBySlug(slug: \"launch-2026\") { id tags } } }";
    let (_, body) = app.post(None, by_slug, json!({})).await.expect("post");
    assert_eq!(codes(&body), ["NOT_FOUND"], "{body}");
    let publish = json!({ "input": { "id": project_id, "published": true, "featured": true } });
    let body = app.gql(&team, UPDATE_PROJECT, publish).await.expect("gql");
    assert_eq!(
        body["data"]["kairo"]["updateProject"]["project"]["featured"], true,
        "{body}"
    );
    let (_, body) = app.post(None, by_slug, json!({})).await.expect("post");
    assert_eq!(
        body["data"]["kairo"]["projectBySlug"]["tags"],
        json!(["3d"]),
        "{body}"
    );
    // Renaming onto a taken slug is CONFLICT and changes nothing.
    let clash = json!({ "input": { "id": project_id, "slug": "studio-0", "title": "New" } });
    let body = app.gql(&team, UPDATE_PROJECT, clash).await.expect("gql");
    assert_eq!(codes(&body), ["CONFLICT"], "{body}");
    let title = rows(
        &app,
        "SELECT title FROM kairo_projects WHERE slug = 'launch-2026'",
    )
    .await;
    assert_eq!(crate::support::text(&title[0], "title"), "Launch");

    let delete = "mutation($id: UUID!) { kairo { deleteProject(id: $id) { id } } }";
    let body = app
        .gql(&team, delete, json!({ "id": project_id }))
        .await
        .expect("gql");
    assert_eq!(
        body["data"]["kairo"]["deleteProject"]["id"],
        json!(project_id),
        "{body}"
    );
    let (_, body) = app.post(None, by_slug, json!({})).await.expect("post");
    assert_eq!(codes(&body), ["NOT_FOUND"], "{body}");
    let body = app
        .gql(&team, delete, json!({ "id": project_id }))
        .await
        .expect("gql");
    assert_eq!(codes(&body), ["NOT_FOUND"], "{body}");
}
on_both_backends!(staff_write_projects_with_unique_slugs_and_publish_them);

const ASSIGN: &str = "mutation($input: AssignKairoUserInput!) {
    kairo { assignUser(input: $input) { user { id role company { id } } } } }";

async fn an_admin_assigns_people_to_roles_and_companies(backend: Backend) {
    let (app, k) = seeded(&backend, 2).await;
    let admin = app.token(id(&k["admin"]));
    let team = app.token(id(&k["team"]));
    let person = id(&k["unassigned"]);
    let a = id(&company(&k, 0)["id"]);
    let to_a = json!({ "input": { "userId": person, "role": "CLIENT", "companyId": a } });
    let body = app.gql(&team, ASSIGN, to_a.clone()).await.expect("gql");
    assert_eq!(codes(&body), ["FORBIDDEN"], "{body}");
    let no_company = json!({ "input": { "userId": person, "role": "CLIENT" } });
    let body = app.gql(&admin, ASSIGN, no_company).await.expect("gql");
    assert_eq!(reason(&body), "COMPANY_REQUIRED", "{body}");
    let body = app.gql(&admin, ASSIGN, to_a).await.expect("gql");
    assert_eq!(
        body["data"]["kairo"]["assignUser"]["user"]["company"]["id"],
        json!(a),
        "{body}"
    );
    // The new client sees company A now.
    let mine = "{ kairo { companies { nodes { id } } viewer { role } } }";
    let body = app
        .gql(&app.token(person), mine, json!({}))
        .await
        .expect("gql");
    assert_eq!(
        body["data"]["kairo"]["companies"]["nodes"][0]["id"],
        json!(a),
        "{body}"
    );
    assert_eq!(body["data"]["kairo"]["viewer"]["role"], "CLIENT");

    // A new company, created by staff; a client may not.
    let create = "mutation($input: CreateKairoCompanyInput!) {
        kairo { createCompany(input: $input) { company { id name } } } }";
    let input = json!({ "input": { "name": "Northwind", "metadata": { "tier": 1 } } });
    let body = app.gql(&team, create, input.clone()).await.expect("gql");
    assert_eq!(
        body["data"]["kairo"]["createCompany"]["company"]["name"], "Northwind",
        "{body}"
    );
    let body = app
        .gql(&app.token(person), create, input)
        .await
        .expect("gql");
    assert_eq!(codes(&body), ["FORBIDDEN"], "{body}");
}
on_both_backends!(an_admin_assigns_people_to_roles_and_companies);

const CREATE_AUTOMATION: &str = "mutation($input: CreateKairoAutomationInput!) {
    kairo { createAutomation(input: $input) { automation { id status company { id } } } } }";
const STATUS: &str = "mutation($input: ChangeKairoAutomationStatusInput!) {
    kairo { changeAutomationStatus(input: $input) { automation { id status } } } }";
const START: &str = "mutation($id: UUID!) {
    kairo { startAutomationRun(automationId: $id) { run { id status automation { executionCount lastExecutedAt } } } } }";
const FINISH: &str = "mutation($input: FinishKairoAutomationRunInput!) {
    kairo { finishAutomationRun(input: $input) { run { id status durationMs error logs } } } }";

fn flow() -> Value {
    json!({ "nodes": [{ "id": "t", "type": "trigger" }, { "id": "m", "type": "email" }],
            "edges": [{ "source": "t", "target": "m" }] })
}

async fn automations_move_through_their_statuses_and_runs_keep_the_counters(backend: Backend) {
    let (app, k) = seeded(&backend, 2).await;
    let a = app.token(client(&k, 0, 0));
    let b = app.token(client(&k, 1, 0));
    let input = |flow: Value| json!({ "input": { "title": "Welcome mail", "flow": flow } });
    let bad = json!({ "nodes": [{ "id": "t", "type": "trigger" }], "edges": [{ "source": "t", "target": "x" }] });
    let body = app
        .gql(&a, CREATE_AUTOMATION, input(bad))
        .await
        .expect("gql");
    assert_eq!(reason(&body), "INVALID_FLOW", "{body}");
    let body = app
        .gql(&a, CREATE_AUTOMATION, input(flow()))
        .await
        .expect("gql");
    let automation = &body["data"]["kairo"]["createAutomation"]["automation"];
    assert_eq!(automation["status"], "DRAFT", "{body}");
    assert_eq!(automation["company"]["id"], company(&k, 0)["id"]);
    let auto = id(&automation["id"]);
    // Looked up by id, the automation reads its flow only when asked for it.
    let look = |selection: &str| {
        format!("query($id: UUID!) {{ kairo {{ automation(id: $id) {{ {selection} }} }} }}")
    };
    for (selection, want) in [("title flow", flow()), ("title", Value::Null)] {
        let body = app
            .gql(&a, &look(selection), json!({ "id": auto }))
            .await
            .expect("gql");
        let found = &body["data"]["kairo"]["automation"];
        assert_eq!(found["title"], "Welcome mail", "{body}");
        assert_eq!(found["flow"], want, "{body}");
    }

    // A DRAFT does not run; B's client does not even find it.
    let body = app
        .gql(&a, START, json!({ "id": auto }))
        .await
        .expect("gql");
    assert_eq!(reason(&body), "NOT_ACTIVE", "{body}");
    let body = app
        .gql(&b, START, json!({ "id": auto }))
        .await
        .expect("gql");
    assert_eq!(codes(&body), ["NOT_FOUND"], "{body}");
    let status = |s: &str| json!({ "input": { "id": auto, "status": s } });
    let body = app.gql(&a, STATUS, status("PAUSED")).await.expect("gql");
    assert_eq!(codes(&body), ["INVALID_TRANSITION"], "{body}");
    let body = app.gql(&b, STATUS, status("ACTIVE")).await.expect("gql");
    assert_eq!(codes(&body), ["NOT_FOUND"], "{body}");
    let body = app.gql(&a, STATUS, status("ACTIVE")).await.expect("gql");
    assert_eq!(
        body["data"]["kairo"]["changeAutomationStatus"]["automation"]["status"], "ACTIVE",
        "{body}"
    );

    // Two runs: the counter follows them.
    let mut runs = Vec::new();
    for n in 1..=2 {
        let body = app
            .gql(&a, START, json!({ "id": auto }))
            .await
            .expect("gql");
        let run = &body["data"]["kairo"]["startAutomationRun"]["run"];
        assert_eq!(run["status"], "RUNNING", "{body}");
        assert_eq!(run["automation"]["executionCount"], n);
        assert!(run["automation"]["lastExecutedAt"].is_string());
        runs.push(id(&run["id"]));
    }
    let finish = |run: Uuid, status: &str, error: Option<&str>| json!({ "input": { "id": run, "status": status, "error": error, "logs": [{ "message": "sent" }] } });
    let body = app
        .gql(&a, FINISH, finish(runs[0], "SUCCESS", Some("no")))
        .await
        .expect("gql");
    assert_eq!(reason(&body), "ERROR_ON_SUCCESS", "{body}");
    let body = app
        .gql(&a, FINISH, finish(runs[0], "SUCCESS", None))
        .await
        .expect("gql");
    let run = &body["data"]["kairo"]["finishAutomationRun"]["run"];
    assert_eq!(run["status"], "SUCCESS", "{body}");
    assert!(run["durationMs"].as_i64() >= Some(0));
    assert_eq!(run["logs"], json!([{ "message": "sent" }]));
    // Once only.
    let body = app
        .gql(&a, FINISH, finish(runs[0], "FAILED", Some("late")))
        .await
        .expect("gql");
    assert_eq!(codes(&body), ["INVALID_TRANSITION"], "{body}");
    // Only the holder of the run's lease reports it.
    let other = app.token(client(&k, 0, 1));
    let body = app
        .gql(&other, FINISH, finish(runs[1], "FAILED", Some("x")))
        .await
        .expect("gql");
    assert_eq!(reason(&body), "LEASE_LOST", "{body}");
    let body = app
        .gql(&a, FINISH, finish(runs[1], "FAILED", Some("SMTP down")))
        .await
        .expect("gql");
    assert_eq!(
        body["data"]["kairo"]["finishAutomationRun"]["run"]["error"], "SMTP down",
        "{body}"
    );

    let counts = "query($id: UUID!) { kairo { automation(id: $id) { executionCount runs { totalCount } } } }";
    let body = app
        .gql(&a, counts, json!({ "id": auto }))
        .await
        .expect("gql");
    assert_eq!(
        body["data"]["kairo"]["automation"]["executionCount"], 2,
        "{body}"
    );
    assert_eq!(body["data"]["kairo"]["automation"]["runs"]["totalCount"], 2);

    // Archived is final.
    let body = app.gql(&a, STATUS, status("ARCHIVED")).await.expect("gql");
    assert!(body["errors"].is_null(), "{body}");
    let body = app.gql(&a, STATUS, status("ACTIVE")).await.expect("gql");
    assert_eq!(codes(&body), ["INVALID_TRANSITION"], "{body}");
}
on_both_backends!(automations_move_through_their_statuses_and_runs_keep_the_counters);

async fn a_run_whose_lease_runs_out_fails(backend: Backend) {
    let app = TestApp::spawn_with_env(
        crate::support::BIN,
        &backend,
        &[
            ("STUDIOGATE_RUNNER_LEASE_SECS", "1"),
            ("STUDIOGATE_LEASE_SWEEP_SECS", "1"),
        ],
    )
    .await
    .expect("app");
    let k = app.seed(1).await.expect("seed")["kairo"].clone();
    let a = app.token(client(&k, 0, 0));
    // Automation 0 of each seeded company is ACTIVE.
    let auto = super::ids(&company(&k, 0)["automations"])[0];
    let watch = "subscription($id: UUID!) { kairoAutomationRunUpdated(automationId: $id) { id status error } }";
    let mut sub = app
        .subscribe(Some(&a), watch, json!({ "id": auto }))
        .await
        .expect("sub");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let body = app
        .gql(&a, START, json!({ "id": auto }))
        .await
        .expect("gql");
    let run = id(&body["data"]["kairo"]["startAutomationRun"]["run"]["id"]);
    // Its start, then its failure once the lease runs out without a heartbeat.
    let started = sub.event(Duration::from_secs(10)).await.expect("the start");
    assert_eq!(
        started["data"]["kairoAutomationRunUpdated"]["status"], "RUNNING",
        "{started}"
    );
    let event = sub
        .event(Duration::from_secs(10))
        .await
        .expect("the sweeper's event");
    let updated = &event["data"]["kairoAutomationRunUpdated"];
    assert_eq!(updated["id"], json!(run), "{event}");
    assert_eq!(updated["status"], "FAILED");
    assert!(updated["error"].is_string(), "{event}");
    let body = app
        .gql(
            &a,
            FINISH,
            json!({ "input": { "id": run, "status": "SUCCESS" } }),
        )
        .await
        .expect("gql");
    assert_eq!(codes(&body), ["INVALID_TRANSITION"], "{body}");
}
on_both_backends!(a_run_whose_lease_runs_out_fails);

async fn new_leads_reach_staff_subscribers_only(backend: Backend) {
    let (app, k) = seeded(&backend, 1).await;
    let watch = "subscription { kairoLeadCreated { id email status } }";
    let mut staff = app
        .subscribe(Some(&app.token(id(&k["team"]))), watch, json!({}))
        .await
        .expect("sub");
    let mut refused = app
        .subscribe(Some(&app.token(client(&k, 0, 0))), watch, json!({}))
        .await
        .expect("sub");
    let answer = refused.next(Duration::from_secs(5)).await.expect("socket");
    assert!(format!("{answer:?}").contains("FORBIDDEN"), "{answer:?}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (_, body) = app
        .post(None, CREATE_LEAD, lead("grace@example.com"))
        .await
        .expect("post");
    let new = &body["data"]["kairo"]["createLead"]["id"];
    let event = staff.event(Duration::from_secs(10)).await.expect("event");
    assert_eq!(event["data"]["kairoLeadCreated"]["id"], *new, "{event}");
    assert_eq!(event["data"]["kairoLeadCreated"]["status"], "NEW");
}
on_both_backends!(new_leads_reach_staff_subscribers_only);

const UPLOAD: &str =
    "mutation($input: UploadKairoAssetInput!) { kairo { uploadAsset(input: $input) {
    asset { id type mimeType sizeBytes filename downloadUrl company { id } } } } }";

/// `uploadAsset` as a GraphQL multipart request.
async fn upload(app: &TestApp, token: &str, input: Value, name: &str, bytes: Vec<u8>) -> Value {
    let operations = json!({ "query": UPLOAD, "variables": { "input": input } });
    let part = reqwest::multipart::Part::bytes(bytes)
        .file_name(name.to_owned())
        .mime_str("application/octet-stream")
        .expect("mime");
    let form = reqwest::multipart::Form::new()
        .text("operations", operations.to_string())
        .text("map", r#"{"0": ["variables.input.file"]}"#)
        .part("0", part);
    reqwest::Client::new()
        .post(format!("{}/graphql", app.base_url))
        .bearer_auth(token)
        .header("apollo-require-preflight", "true")
        .multipart(form)
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json")
}

fn png() -> Vec<u8> {
    let mut bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    bytes.extend_from_slice(&[7; 64]);
    bytes
}

async fn assets_are_stored_for_their_company_and_read_through_signed_links(backend: Backend) {
    let (app, k) = seeded(&backend, 2).await;
    let a = app.token(client(&k, 0, 0));
    let b = app.token(client(&k, 1, 0));
    let before = count(&app, "SELECT id FROM kairo_assets").await;
    let image =
        json!({ "file": null, "type": "IMAGE", "tags": ["hero"], "metadata": { "width": 8 } });
    let body = upload(&app, &a, image.clone(), "hero.png", png()).await;
    let asset = &body["data"]["kairo"]["uploadAsset"]["asset"];
    assert_eq!(asset["mimeType"], "image/png", "{body}");
    assert_eq!(asset["sizeBytes"], png().len());
    assert_eq!(asset["company"]["id"], company(&k, 0)["id"]);
    let asset_id = id(&asset["id"]);
    let link = asset["downloadUrl"].as_str().expect("link").to_owned();
    let (status, _) = app.get(&link).await.expect("get");
    assert_eq!(status, 200);
    let bytes = reqwest::get(format!("{}{link}", app.base_url))
        .await
        .expect("get")
        .bytes()
        .await
        .expect("bytes");
    assert_eq!(bytes.to_vec(), png());
    let (status, _) = app
        .get(&link.replace("signature=", "signature=00"))
        .await
        .expect("get");
    assert_eq!(status, 404, "a forged link");

    // Another company's client finds nothing.
    let one = "query($id: UUID!) { kairo { asset(id: $id) { id downloadUrl } } }";
    let body = app
        .gql(&b, one, json!({ "id": asset_id }))
        .await
        .expect("gql");
    assert_eq!(codes(&body), ["NOT_FOUND"], "{body}");

    // The content must fit the type; what is refused stores nothing.
    let mut video = image.clone();
    video["type"] = json!("VIDEO");
    let body = upload(&app, &a, video, "hero.png", png()).await;
    assert_eq!(reason(&body), "TYPE_MISMATCH", "{body}");
    let body = upload(&app, &a, image.clone(), "notes.png", b"just text".to_vec()).await;
    assert_eq!(reason(&body), "TYPE_MISMATCH", "{body}");
    let body = upload(
        &app,
        &a,
        image.clone(),
        "x.png",
        b"\x7fELF\x02\x01\x01\0\0\0".to_vec(),
    )
    .await;
    assert_eq!(codes(&body), ["BAD_USER_INPUT"], "{body}");
    let mut foreign = image.clone();
    foreign["companyId"] = company(&k, 1)["id"].clone();
    let body = upload(&app, &a, foreign, "hero.png", png()).await;
    assert_eq!(codes(&body), ["NOT_FOUND"], "{body}");

    // Staff name the company; a binary glTF is a model.
    let team = app.token(id(&k["team"]));
    let mut glb = b"glTF\x02\0\0\0".to_vec();
    glb.extend_from_slice(&[1; 32]);
    let model = json!({ "file": null, "type": "MODEL" });
    let body = upload(&app, &team, model.clone(), "car.glb", glb.clone()).await;
    assert_eq!(reason(&body), "COMPANY_REQUIRED", "{body}");
    let mut for_b = model;
    for_b["companyId"] = company(&k, 1)["id"].clone();
    let body = upload(&app, &team, for_b, "car.glb", glb).await;
    assert_eq!(
        body["data"]["kairo"]["uploadAsset"]["asset"]["mimeType"], "model/gltf-binary",
        "{body}"
    );
    assert_eq!(count(&app, "SELECT id FROM kairo_assets").await, before + 2);

    // Deleted: out of the lists, and its link stops working.
    let delete = "mutation($id: UUID!) { kairo { deleteAsset(id: $id) { id } } }";
    let body = app
        .gql(&b, delete, json!({ "id": asset_id }))
        .await
        .expect("gql");
    assert_eq!(codes(&body), ["NOT_FOUND"], "{body}");
    let body = app
        .gql(&a, delete, json!({ "id": asset_id }))
        .await
        .expect("gql");
    assert_eq!(
        body["data"]["kairo"]["deleteAsset"]["id"],
        json!(asset_id),
        "{body}"
    );
    let (status, _) = app.get(&link).await.expect("get");
    assert_eq!(status, 404);
}
on_both_backends!(assets_are_stored_for_their_company_and_read_through_signed_links);

async fn people_edit_their_profile_and_staff_edit_companies_and_delete_leads(backend: Backend) {
    let (app, k) = seeded(&backend, 1).await;
    let a = app.token(client(&k, 0, 0));
    let team = app.token(id(&k["team"]));
    let profile = "mutation($input: UpdateKairoProfileInput!) {
        kairo { updateProfile(input: $input) { user { id name avatarUrl } } } }";
    let input =
        json!({ "input": { "name": "  Ada L.  ", "avatarUrl": "https://a.example/ada.png" } });
    let body = app.gql(&a, profile, input).await.expect("gql");
    assert_eq!(
        body["data"]["kairo"]["updateProfile"]["user"]["name"], "Ada L.",
        "{body}"
    );
    let body = app
        .gql(&a, "{ kairo { viewer { name avatarUrl } } }", json!({}))
        .await
        .expect("gql");
    assert_eq!(
        body["data"]["kairo"]["viewer"]["avatarUrl"],
        "https://a.example/ada.png"
    );
    let long = json!({ "input": { "name": "x".repeat(201) } });
    let body = app.gql(&a, profile, long).await.expect("gql");
    assert_eq!(reason(&body), "TOO_LONG", "{body}");

    let update = "mutation($input: UpdateKairoCompanyInput!) {
        kairo { updateCompany(input: $input) { company { id name website } } } }";
    let company_id = company(&k, 0)["id"].clone();
    let rename = json!({ "input": { "id": company_id, "name": "Client Renamed", "website": "" } });
    let body = app.gql(&a, update, rename.clone()).await.expect("gql");
    assert_eq!(codes(&body), ["FORBIDDEN"], "{body}");
    let body = app.gql(&team, update, rename).await.expect("gql");
    let renamed = &body["data"]["kairo"]["updateCompany"]["company"];
    assert_eq!(renamed["name"], "Client Renamed", "{body}");
    assert!(renamed["website"].is_null(), "empty text clears: {body}");
    let blank = json!({ "input": { "id": company_id, "name": " " } });
    let body = app.gql(&team, update, blank).await.expect("gql");
    assert_eq!(reason(&body), "EMPTY", "{body}");

    let lead = super::ids(&k["leads"])[0];
    let delete = "mutation($id: UUID!) { kairo { deleteLead(id: $id) { id } } }";
    let body = app
        .gql(&a, delete, json!({ "id": lead }))
        .await
        .expect("gql");
    assert_eq!(codes(&body), ["FORBIDDEN"], "{body}");
    let body = app
        .gql(&team, delete, json!({ "id": lead }))
        .await
        .expect("gql");
    assert_eq!(
        body["data"]["kairo"]["deleteLead"]["id"],
        json!(lead),
        "{body}"
    );
    let leads = "{ kairo { leads { totalCount } } }";
    let body = app.gql(&team, leads, json!({})).await.expect("gql");
    assert_eq!(body["data"]["kairo"]["leads"]["totalCount"], 5, "{body}");
    let body = app
        .gql(&team, delete, json!({ "id": lead }))
        .await
        .expect("gql");
    assert_eq!(codes(&body), ["NOT_FOUND"], "{body}");
}
on_both_backends!(people_edit_their_profile_and_staff_edit_companies_and_delete_leads);

const CREATE_SERVICE: &str = "mutation($input: CreateKairoServiceInput!) {
    kairo { createService(input: $input) { service { id slug } } } }";
const UPDATE_SERVICE: &str = "mutation($input: UpdateKairoServiceInput!) {
    kairo { updateService(input: $input) { service { id slug title tagline featuredOrder published } } } }";

async fn staff_update_services_with_the_rules_of_create(backend: Backend) {
    let (app, k) = seeded(&backend, 1).await;
    let team = app.token(id(&k["team"]));
    let admin = app.token(id(&k["admin"]));
    let new = |slug: &str| {
        json!({ "input": { "slug": slug, "title": "Configurators", "tagline": "3D",
            "description": "Product configurators", "content": [], "published": false } })
    };
    let body = app
        .gql(&team, CREATE_SERVICE, new("configurators"))
        .await
        .expect("gql");
    let service = id(&body["data"]["kairo"]["createService"]["service"]["id"]);
    let body = app
        .gql(&team, CREATE_SERVICE, new("websites"))
        .await
        .expect("gql");
    assert!(body["errors"].is_null(), "{body}");

    // Staff (TEAM and ADMIN) change it; empty optional text clears; publishing makes it public.
    let change = json!({ "input": { "id": service, "slug": "configurators-3d",
        "title": "3D configurators", "tagline": "", "featuredOrder": 2 } });
    let body = app.gql(&team, UPDATE_SERVICE, change).await.expect("gql");
    let changed = &body["data"]["kairo"]["updateService"]["service"];
    assert_eq!(changed["slug"], "configurators-3d", "{body}");
    assert_eq!(changed["title"], "3D configurators");
    assert!(changed["tagline"].is_null(), "empty text clears: {body}");
    assert_eq!(changed["featuredOrder"], 2);
    let by_slug = "{ kairo { serviceBySlug(slug: \"configurators-3d\") { id title } } }";
    let (_, body) = app.post(None, by_slug, json!({})).await.expect("post");
    assert_eq!(codes(&body), ["NOT_FOUND"], "a draft is not public: {body}");
    let publish = json!({ "input": { "id": service, "published": true } });
    let body = app.gql(&admin, UPDATE_SERVICE, publish).await.expect("gql");
    assert_eq!(
        body["data"]["kairo"]["updateService"]["service"]["published"], true,
        "{body}"
    );
    let (_, body) = app.post(None, by_slug, json!({})).await.expect("post");
    assert_eq!(
        body["data"]["kairo"]["serviceBySlug"]["title"], "3D configurators",
        "{body}"
    );

    // The rules of createService, each with its reason; nothing changes.
    let refused = [
        (json!({ "slug": "websites" }), "CONFLICT", "SLUG_TAKEN"),
        (
            json!({ "slug": "Web Sites" }),
            "BAD_USER_INPUT",
            "INVALID_SLUG",
        ),
        (
            json!({ "content": "text" }),
            "BAD_USER_INPUT",
            "INVALID_CONTENT",
        ),
        (json!({ "featuredOrder": -1 }), "BAD_USER_INPUT", "NEGATIVE"),
        (json!({ "title": "  " }), "BAD_USER_INPUT", "EMPTY"),
        (
            json!({ "description": "x".repeat(5001) }),
            "BAD_USER_INPUT",
            "TOO_LONG",
        ),
    ];
    for (fields, code, why) in refused {
        let mut input = fields.clone();
        input["id"] = json!(service);
        input["title"] = input.get("title").cloned().unwrap_or(json!("Renamed"));
        let body = app
            .gql(&team, UPDATE_SERVICE, json!({ "input": input }))
            .await
            .expect("gql");
        assert_eq!(codes(&body), [code], "{fields}: {body}");
        assert_eq!(reason(&body), why, "{fields}: {body}");
    }
    let title = rows(
        &app,
        "SELECT title FROM kairo_services WHERE slug = 'configurators-3d'",
    )
    .await;
    assert_eq!(crate::support::text(&title[0], "title"), "3D configurators");

    // Clients and anonymous callers are refused; an unknown id is NOT_FOUND.
    let rename = json!({ "input": { "id": service, "title": "Hijacked" } });
    let body = app
        .gql(&app.token(client(&k, 0, 0)), UPDATE_SERVICE, rename.clone())
        .await
        .expect("gql");
    assert_eq!(codes(&body), ["FORBIDDEN"], "{body}");
    let (_, body) = app.post(None, UPDATE_SERVICE, rename).await.expect("post");
    assert_eq!(codes(&body), ["UNAUTHENTICATED"], "{body}");
    assert_eq!(
        count(
            &app,
            "SELECT id FROM kairo_services WHERE title = 'Hijacked'"
        )
        .await,
        0
    );
    let unknown = json!({ "input": { "id": Uuid::new_v4(), "title": "Ghost" } });
    let body = app.gql(&team, UPDATE_SERVICE, unknown).await.expect("gql");
    assert_eq!(codes(&body), ["NOT_FOUND"], "{body}");
}
on_both_backends!(staff_update_services_with_the_rules_of_create);

const DELETE_COMPANY: &str = "mutation($id: UUID!) { kairo { deleteCompany(id: $id) { id } } }";
const CLIENT_VIEW: &str = "query($id: UUID!) { kairo {
    companies { totalCount } automations { totalCount nodes { id status } } assets { totalCount }
    projects(first: 100) { nodes { id company { id } } }
    company(id: $id) { id } } }";

async fn a_deleted_company_disappears_with_its_rows_for_everyone(backend: Backend) {
    let (app, k) = seeded(&backend, 2).await;
    let team = app.token(id(&k["team"]));
    let a_client = app.token(client(&k, 0, 0));
    let b_client = app.token(client(&k, 1, 0));
    let a = id(&company(&k, 0)["id"]);
    let b = id(&company(&k, 1)["id"]);
    let seen = |body: &Value, list: &str| body["data"]["kairo"][list]["totalCount"].clone();

    // Before: the client sees its company and its rows.
    let body = app
        .gql(&a_client, CLIENT_VIEW, json!({ "id": a }))
        .await
        .expect("gql");
    assert_eq!(seen(&body, "companies"), 1, "{body}");
    assert!(seen(&body, "automations").as_u64() > Some(0), "{body}");
    assert!(seen(&body, "assets").as_u64() > Some(0), "{body}");
    let automation = body["data"]["kairo"]["automations"]["nodes"]
        .as_array()
        .and_then(|all| all.iter().find(|a| a["status"] != "ARCHIVED").cloned())
        .unwrap_or_else(|| panic!("an automation to archive: {body}"));

    // Refusals: a client (even its own), anonymous callers, unknown ids.
    let body = app
        .gql(&a_client, DELETE_COMPANY, json!({ "id": a }))
        .await
        .expect("gql");
    assert_eq!(codes(&body), ["FORBIDDEN"], "{body}");
    let (_, body) = app
        .post(None, DELETE_COMPANY, json!({ "id": a }))
        .await
        .expect("post");
    assert_eq!(codes(&body), ["UNAUTHENTICATED"], "{body}");
    let body = app
        .gql(&team, DELETE_COMPANY, json!({ "id": Uuid::new_v4() }))
        .await
        .expect("gql");
    assert_eq!(codes(&body), ["NOT_FOUND"], "{body}");
    let body = app
        .gql(&a_client, CLIENT_VIEW, json!({ "id": a }))
        .await
        .expect("gql");
    assert_eq!(
        seen(&body, "companies"),
        1,
        "refusals change nothing: {body}"
    );

    // TEAM deletes it.
    let body = app
        .gql(&team, DELETE_COMPANY, json!({ "id": a }))
        .await
        .expect("gql");
    assert_eq!(
        body["data"]["kairo"]["deleteCompany"]["id"],
        json!(a),
        "{body}"
    );

    // Its client reads nothing of it.
    let body = app
        .gql(&a_client, CLIENT_VIEW, json!({ "id": a }))
        .await
        .expect("gql");
    assert_eq!(codes(&body), ["NOT_FOUND"], "{body}");
    assert_eq!(seen(&body, "companies"), 0, "{body}");
    assert_eq!(seen(&body, "automations"), 0, "{body}");
    assert_eq!(seen(&body, "assets"), 0, "{body}");
    let projects = body["data"]["kairo"]["projects"]["nodes"]
        .as_array()
        .expect("projects")
        .clone();
    assert!(
        projects.iter().all(|p| p["company"]["id"] != json!(a)),
        "{body}"
    );
    // ... and writes nothing to it: no new automation, no change to an old one.
    let body = app
        .gql(
            &a_client,
            CREATE_AUTOMATION,
            json!({ "input": { "title": "After the end", "flow": flow() } }),
        )
        .await
        .expect("gql");
    assert_eq!(codes(&body), ["NOT_FOUND"], "{body}");
    let archive = json!({ "input": { "id": automation["id"], "status": "ARCHIVED" } });
    let body = app.gql(&a_client, STATUS, archive).await.expect("gql");
    assert_eq!(codes(&body), ["NOT_FOUND"], "{body}");
    assert_eq!(
        count(
            &app,
            "SELECT id FROM kairo_automations WHERE title = 'After the end'"
        )
        .await,
        0
    );

    // The company is NOT_FOUND to staff too, its rows gone from their lists; deleting it again
    // is NOT_FOUND. The other company is untouched.
    let body = app
        .gql(&team, CLIENT_VIEW, json!({ "id": a }))
        .await
        .expect("gql");
    assert_eq!(codes(&body), ["NOT_FOUND"], "{body}");
    assert_eq!(seen(&body, "companies"), 1, "{body}");
    let body = app
        .gql(&team, DELETE_COMPANY, json!({ "id": a }))
        .await
        .expect("gql");
    assert_eq!(codes(&body), ["NOT_FOUND"], "{body}");
    let body = app
        .gql(&b_client, CLIENT_VIEW, json!({ "id": b }))
        .await
        .expect("gql");
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(body["data"]["kairo"]["company"]["id"], json!(b));
}
on_both_backends!(a_deleted_company_disappears_with_its_rows_for_everyone);
