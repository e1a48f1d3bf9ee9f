//! The runner protocol: claims are exclusive under concurrency, leases expire into retries,
//! and the built-in simulated runner completes executions end to end.

use futures_util::future::join_all;
use serde_json::{json, Value};
use std::collections::HashSet;
use studiogate_testkit::{error_codes, on_both_backends, Backend, TestApp};

use crate::realtime::{event_id, start, studios_of, template, warm_up, WAIT};
use crate::support::{rows, seeded, BIN};
use studiogate_testkit::Subscription;

const CLAIM: &str = r#"mutation($limit: Int!) { claimWorkflowExecutions(input: { limit: $limit }) {
  workflowExecutions { id status leaseExpiresAt startedAt } } }"#;
const HEARTBEAT: &str = r#"mutation($id: UUID!) { heartbeatWorkflowExecution(input: { id: $id }) { workflowExecution { leaseExpiresAt } } }"#;
const REPORT: &str = r#"mutation($id: UUID!, $status: ExecutionStatus!) {
  reportWorkflowExecution(input: { id: $id, status: $status, outputData: { ok: true }, logLines: ["done"] }) {
    workflowExecution { status outputData completedAt leaseExpiresAt } } }"#;
const WATCH: &str = r#"subscription($id: UUID!) { workflowExecutionUpdated(studioId: $id) { id status retryCount leaseExpiresAt errorMessage outputData } }"#;

/// The first event showing execution `id` in `status`. Rows are loaded when an event is
/// delivered, so a quick succession of changes can show the later state twice.
async fn reaches(sub: &mut Subscription, id: &Value, status: &str) -> Value {
    loop {
        let event = sub.event(WAIT).await.expect("event");
        let e = &event["data"]["workflowExecutionUpdated"];
        if event_id(&event) == *id && e["status"] == status {
            return e.clone();
        }
    }
}

/// A live subscription to `studio`'s executions, with no execution pending anywhere.
async fn quiet_studio(
    app: &TestApp,
    token: &str,
    studio: uuid::Uuid,
    template: &Value,
) -> Subscription {
    let mut sub = app
        .subscribe(Some(token), WATCH, json!({ "id": studio }))
        .await
        .expect("subscribed");
    warm_up(app, token, studio, template, &mut sub, &[]).await;
    rows(
        app,
        "UPDATE workflow_executions SET status = 'paused' WHERE status = 'pending'",
    )
    .await;
    sub
}

fn claimed(body: &Value) -> Vec<Value> {
    body["data"]["claimWorkflowExecutions"]["workflowExecutions"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .clone()
}

async fn pending(app: &TestApp) -> usize {
    rows(
        app,
        "SELECT id FROM workflow_executions WHERE status = 'pending'",
    )
    .await
    .len()
}

async fn concurrent_claimers_take_each_execution_exactly_once(backend: Backend) {
    let (app, seed) = seeded(&backend, 1).await;
    let member = app.token(crate::support::member(&seed, 0, 1));
    let runner = app.token_with_role(crate::support::member(&seed, 0, 3), "service");
    let studios = studios_of(&app, &seed, 0).await;
    let template = template(&app, &member).await;
    for chunk in (0..200).collect::<Vec<_>>().chunks(20) {
        join_all(
            chunk
                .iter()
                .map(|i| start(&app, &member, studios[i % studios.len()], &template)),
        )
        .await;
    }
    // A claim for one business area takes executions of that area's studios only.
    let area = app
        .gql(
            &member,
            "query($id: UUID!) { studio(id: $id) { businessArea } }",
            json!({ "id": studios[0] }),
        )
        .await
        .expect("ok")["data"]["studio"]["businessArea"]
        .clone();
    let by_area = r#"mutation($area: BusinessArea!) { claimWorkflowExecutions(input: { limit: 5, businessArea: $area }) {
      workflowExecutions { studio { businessArea } } } }"#;
    let body = app
        .gql(&runner, by_area, json!({ "area": area }))
        .await
        .expect("ok");
    let taken = claimed(&body);
    assert!(!taken.is_empty(), "{body}");
    assert!(
        taken.iter().all(|e| e["studio"]["businessArea"] == area),
        "{body}"
    );

    let total = pending(&app).await;
    assert!(total >= 195, "{total}");

    let claimers = (0..8).map(|_| async {
        let mut mine = Vec::new();
        loop {
            let body = app
                .gql(&runner, CLAIM, json!({ "limit": 7 }))
                .await
                .expect("ok");
            let batch = claimed(&body);
            if batch.is_empty() {
                return mine;
            }
            for e in &batch {
                assert_eq!(e["status"], "RUNNING");
                assert!(e["leaseExpiresAt"].is_string(), "{e}");
            }
            mine.extend(batch.into_iter().map(|e| e["id"].clone()));
        }
    });
    let began = std::time::Instant::now();
    let all: Vec<Value> = join_all(claimers).await.into_iter().flatten().collect();
    eprintln!(
        "{}: 8 claimers took {} executions in {:?}",
        backend.name(),
        all.len(),
        began.elapsed()
    );
    let unique: HashSet<String> = all.iter().map(|v| v.to_string()).collect();
    assert_eq!(
        all.len(),
        total,
        "{backend:?}: every pending execution claimed"
    );
    assert_eq!(unique.len(), total, "{backend:?}: none claimed twice");
    assert_eq!(pending(&app).await, 0);
    let leased = rows(&app, "SELECT id FROM workflow_executions WHERE status = 'running' AND lease_expires_at IS NOT NULL AND claimed_by IS NOT NULL").await;
    assert_eq!(leased.len(), total + taken.len());

    // Members do not claim; the API's tenant scope still applies to runners.
    let refused = app
        .gql(&member, CLAIM, json!({ "limit": 1 }))
        .await
        .expect("ok");
    assert_eq!(error_codes(&refused), vec!["FORBIDDEN"]);
    let too_many = app
        .gql(&runner, CLAIM, json!({ "limit": 101 }))
        .await
        .expect("ok");
    assert_eq!(error_codes(&too_many), vec!["BAD_USER_INPUT"]);
}
on_both_backends!(concurrent_claimers_take_each_execution_exactly_once);

async fn an_expired_lease_returns_the_execution_to_pending_as_a_retry(backend: Backend) {
    let env = [
        ("STUDIOGATE_RUNNER_LEASE_SECS", "1"),
        ("STUDIOGATE_LEASE_SWEEP_SECS", "1"),
    ];
    let app = TestApp::spawn_with_env(BIN, &backend, &env)
        .await
        .expect("app");
    let seed = app.seed(1).await.expect("seed");
    let member = app.token(crate::support::member(&seed, 0, 1));
    let runner = app.token_with_role(crate::support::member(&seed, 0, 3), "service");
    let other_runner = app.token_with_role(crate::support::member(&seed, 0, 4), "service");
    let studio = studios_of(&app, &seed, 0).await[0];
    let template = template(&app, &member).await;
    let mut sub = quiet_studio(&app, &member, studio, &template).await;
    let id = start(&app, &member, studio, &template).await;
    let body = app
        .gql(&runner, CLAIM, json!({ "limit": 10 }))
        .await
        .expect("ok");
    assert_eq!(claimed(&body).len(), 1, "{body}");
    let e = reaches(&mut sub, &id, "RUNNING").await;
    assert!(e["leaseExpiresAt"].is_string(), "{e}");
    // Another runner neither heartbeats nor reports it.
    let foreign = app
        .gql(&other_runner, HEARTBEAT, json!({ "id": id }))
        .await
        .expect("ok");
    assert_eq!(
        foreign["errors"][0]["extensions"]["reason"], "LEASE_LOST",
        "{foreign}"
    );
    let beat = app
        .gql(&runner, HEARTBEAT, json!({ "id": id }))
        .await
        .expect("ok");
    assert!(
        beat["data"]["heartbeatWorkflowExecution"]["workflowExecution"]["leaseExpiresAt"]
            .is_string(),
        "{beat}"
    );

    // No more heartbeats: the sweeper puts it back as a retry.
    let e = reaches(&mut sub, &id, "PENDING").await;
    assert_eq!(
        (e["retryCount"].clone(), e["leaseExpiresAt"].clone()),
        (json!(1), Value::Null),
        "{backend:?}: {e}"
    );
    let late = app
        .gql(&runner, REPORT, json!({ "id": id, "status": "SUCCEEDED" }))
        .await
        .expect("ok");
    assert_eq!(
        late["errors"][0]["extensions"]["reason"], "LEASE_LOST",
        "{late}"
    );

    // Claimed again and reported through the state machine.
    assert_eq!(
        claimed(
            &app.gql(&runner, CLAIM, json!({ "limit": 10 }))
                .await
                .expect("ok")
        )
        .len(),
        1
    );
    reaches(&mut sub, &id, "RUNNING").await;
    let skip = app
        .gql(&runner, REPORT, json!({ "id": id, "status": "PENDING" }))
        .await
        .expect("ok");
    assert_eq!(error_codes(&skip), vec!["INVALID_TRANSITION"], "{skip}");
    let done = app
        .gql(&runner, REPORT, json!({ "id": id, "status": "SUCCEEDED" }))
        .await
        .expect("ok");
    let e = &done["data"]["reportWorkflowExecution"]["workflowExecution"];
    assert_eq!(
        (
            e["status"].clone(),
            e["outputData"].clone(),
            e["leaseExpiresAt"].clone()
        ),
        (json!("SUCCEEDED"), json!({ "ok": true }), Value::Null),
        "{done}"
    );
    reaches(&mut sub, &id, "SUCCEEDED").await;

    // With its retries used up, an expired lease fails the execution.
    let last = start(&app, &member, studio, &template).await;
    // The only pending one.
    rows(
        &app,
        "UPDATE workflow_executions SET retry_count = 3 WHERE status = 'pending'",
    )
    .await;
    assert_eq!(
        claimed(
            &app.gql(&runner, CLAIM, json!({ "limit": 10 }))
                .await
                .expect("ok")
        )
        .len(),
        1
    );
    let e = reaches(&mut sub, &last, "FAILED").await;
    assert_eq!(e["retryCount"], 3, "{e}");
    assert!(e["errorMessage"]
        .as_str()
        .is_some_and(|m| m.contains("lease")));
}
on_both_backends!(an_expired_lease_returns_the_execution_to_pending_as_a_retry);

async fn the_simulated_runner_completes_executions_end_to_end(backend: Backend) {
    let (app, seed) = seeded(&backend, 1).await;
    let member = app.token(crate::support::member(&seed, 0, 1));
    let runner_account = crate::support::member(&seed, 0, 3);
    let studio = studios_of(&app, &seed, 0).await[0];
    let template = template(&app, &member).await;
    let mut sub = quiet_studio(&app, &member, studio, &template).await;
    let mut ids = Vec::new();
    for _ in 0..3 {
        ids.push(start(&app, &member, studio, &template).await);
    }
    let out = app
        .run(&[
            "runner",
            "--simulate",
            "--url",
            &app.base_url,
            "--sub",
            &runner_account.to_string(),
            "--batch",
            "2",
            "--min-ms",
            "10",
            "--max-ms",
            "200",
            "--fail-rate",
            "0",
            "--poll-ms",
            "100",
            "--max-executions",
            "3",
        ])
        .await
        .expect("runner runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout.matches("SUCCEEDED").count(), 3, "{stdout}");
    // Watchers saw each one go RUNNING, then SUCCEEDED with the runner's output.
    let mut succeeded = HashSet::new();
    while succeeded.len() < 3 {
        let event = sub.event(WAIT).await.expect("event");
        let e = &event["data"]["workflowExecutionUpdated"];
        if e["status"] == "SUCCEEDED" {
            assert_eq!(e["outputData"]["simulated"], true, "{event}");
            succeeded.insert(e["id"].to_string());
        }
    }
    let expected: HashSet<String> = ids.iter().map(|v| v.to_string()).collect();
    assert_eq!(succeeded, expected, "{backend:?}");
}
on_both_backends!(the_simulated_runner_completes_executions_end_to_end);

const CHANGE: &str = r#"mutation($id: UUID!, $status: ExecutionStatus!, $lines: [String!]) {
  changeWorkflowExecutionStatus(input: { id: $id, status: $status, logLines: $lines }) {
    workflowExecution { status } } }"#;
const REPORT_LINES: &str = r#"mutation($id: UUID!, $status: ExecutionStatus!, $lines: [String!]) {
  reportWorkflowExecution(input: { id: $id, status: $status, logLines: $lines }) {
    workflowExecution { status } } }"#;
const LOGS: &str = r#"query($id: UUID!) { workflowExecution(id: $id) { status logs } }"#;

/// An execution's status and stored log entries.
async fn logs_of(app: &TestApp, token: &str, id: &Value) -> (Value, Vec<Value>) {
    let body = app.gql(token, LOGS, json!({ "id": id })).await.expect("ok");
    let e = &body["data"]["workflowExecution"];
    let logs = e["logs"].as_array().unwrap_or_else(|| panic!("{body}"));
    (e["status"].clone(), logs.clone())
}

/// `n` lines of report `k`, each 500 characters.
fn lines(k: usize, n: usize) -> Vec<String> {
    (0..n)
        .map(|i| format!("{k}/{i} {}", "x".repeat(490)))
        .collect()
}

async fn execution_logs_stay_bounded_and_over_limit_reports_change_nothing(backend: Backend) {
    let (app, seed) = seeded(&backend, 1).await;
    let member = app.token(crate::support::member(&seed, 0, 1));
    let runner = app.token_with_role(crate::support::member(&seed, 0, 3), "service");
    let studio = studios_of(&app, &seed, 0).await[0];
    let template = template(&app, &member).await;

    // A runner claims an execution; a member pauses and resumes it 41 times with 100 lines
    // each.
    rows(
        &app,
        "UPDATE workflow_executions SET status = 'paused' WHERE status = 'pending'",
    )
    .await;
    let id = start(&app, &member, studio, &template).await;
    let body = app
        .gql(&runner, CLAIM, json!({ "limit": 1 }))
        .await
        .expect("ok");
    assert_eq!(claimed(&body)[0]["id"], id, "{body}");
    let mut status = "PAUSED";
    for k in 0..41 {
        let vars = json!({ "id": id, "status": status, "lines": lines(k, 100) });
        let body = app.gql(&member, CHANGE, vars).await.expect("ok");
        assert!(body["errors"].is_null(), "{backend:?}: {body}");
        status = if status == "RUNNING" {
            "PAUSED"
        } else {
            "RUNNING"
        };
    }
    let (_, logs) = logs_of(&app, &member, &id).await;
    // Its creation, the claim, then 41 changes of a transition entry and 100 lines.
    let appended = 2 + 41 * 101;
    assert_eq!(logs.len(), 200, "{backend:?}: the newest 200 entries");
    assert_eq!(logs[0]["dropped"], appended - 199, "{}", logs[0]);
    assert_eq!(logs[0]["level"], "warn");
    let newest: Vec<&Value> = logs[100..].iter().map(|e| &e["message"]).collect();
    let expected = lines(40, 100);
    assert_eq!(
        newest,
        expected.iter().collect::<Vec<_>>(),
        "newest report kept whole"
    );
    assert_eq!(logs[99]["message"], "running -> paused");
    let size = serde_json::to_string(&logs).expect("json").len();
    eprintln!(
        "{}: {appended} entries appended, {} kept, {size} bytes stored",
        backend.name(),
        logs.len()
    );
    assert!(size < 150_000, "{size}");

    // Over the limits: refused, naming the field, and nothing is written.
    let long = vec!["x".repeat(2001)];
    for (token, query, lines, field) in [
        (&member, CHANGE, vec!["a".to_owned(); 101], "logLines"),
        (&member, CHANGE, long.clone(), "logLines.0"),
    ] {
        let vars = json!({ "id": id, "status": "RUNNING", "lines": lines });
        let body = app.gql(token, query, vars).await.expect("ok");
        assert_eq!(error_codes(&body), vec!["BAD_USER_INPUT"], "{body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
        assert_eq!(
            logs_of(&app, &member, &id).await,
            (json!("PAUSED"), logs.clone())
        );
    }

    // The runner protocol holds the same limits.
    rows(
        &app,
        "UPDATE workflow_executions SET status = 'paused' WHERE status = 'pending'",
    )
    .await;
    let held = start(&app, &member, studio, &template).await;
    let body = app
        .gql(&runner, CLAIM, json!({ "limit": 1 }))
        .await
        .expect("ok");
    assert_eq!(claimed(&body)[0]["id"], held, "{body}");
    let before = logs_of(&app, &member, &held).await;
    for (lines, field) in [
        (vec!["a".to_owned(); 101], "logLines"),
        (long.clone(), "logLines.0"),
    ] {
        let vars = json!({ "id": held, "status": "SUCCEEDED", "lines": lines });
        let body = app.gql(&runner, REPORT_LINES, vars).await.expect("ok");
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
        assert_eq!(logs_of(&app, &member, &held).await, before, "{backend:?}");
    }
    let vars = json!({ "id": held, "status": "SUCCEEDED", "lines": lines(0, 100) });
    let body = app.gql(&runner, REPORT_LINES, vars).await.expect("ok");
    assert!(body["errors"].is_null(), "{body}");
    let (status, logs) = logs_of(&app, &member, &held).await;
    assert_eq!(
        (status, logs.len()),
        (json!("SUCCEEDED"), before.1.len() + 101)
    );
}
on_both_backends!(execution_logs_stay_bounded_and_over_limit_reports_change_nothing);
