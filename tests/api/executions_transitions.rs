//! Who moves an execution: runners start (claim), succeed and fail; people pause, resume,
//! cancel and retry, also an execution a runner holds. The other side's move is FORBIDDEN and
//! changes nothing. Output is checked against the template's output schema.

use serde_json::{json, Value};
use studiogate_testkit::{error_codes, on_both_backends, Backend, TestApp};
use uuid::Uuid;

use crate::realtime::{start, studios_of, template};
use crate::support::{member, rows, seeded};

const CHANGE: &str = r#"mutation($input: ChangeWorkflowExecutionStatusInput!) {
  changeWorkflowExecutionStatus(input: $input) {
    workflowExecution { status errorMessage leaseExpiresAt retryCount outputData logs } } }"#;
const REPORT: &str = r#"mutation($input: ReportWorkflowExecutionInput!) {
  reportWorkflowExecution(input: $input) {
    workflowExecution { status outputData activepiecesRunId leaseExpiresAt } } }"#;
const CLAIM: &str = r#"mutation { claimWorkflowExecutions(input: { limit: 5 }) {
  workflowExecutions { id } } }"#;
const HEARTBEAT: &str = r#"mutation($id: UUID!) { heartbeatWorkflowExecution(input: { id: $id }) {
  workflowExecution { id } } }"#;
const READ: &str = r#"query($id: UUID!) { workflowExecution(id: $id) {
  status outputData errorMessage retryCount activepiecesRunId logs } }"#;

async fn read(app: &TestApp, token: &str, id: &Value) -> Value {
    let body = app.gql(token, READ, json!({ "id": id })).await.expect("ok");
    body["data"]["workflowExecution"].clone()
}

/// Refused with `code` (and `reason`), and the execution is exactly as it was.
async fn refused(
    app: &TestApp,
    token: &str,
    reader: &str,
    query: &str,
    input: Value,
    code: &str,
    reason: Option<&str>,
) {
    let id = input["id"].clone();
    let before = read(app, reader, &id).await;
    let body = app
        .gql(token, query, json!({ "input": input }))
        .await
        .expect("ok");
    assert_eq!(error_codes(&body), vec![code], "{input}: {body}");
    if let Some(reason) = reason {
        assert_eq!(
            body["errors"][0]["extensions"]["reason"], reason,
            "{input}: {body}"
        );
    }
    assert_eq!(read(app, reader, &id).await, before, "{input}: unchanged");
}

async fn ok(app: &TestApp, token: &str, query: &str, input: Value) -> Value {
    let body = app
        .gql(token, query, json!({ "input": input }))
        .await
        .expect("ok");
    assert!(body["errors"].is_null(), "{input}: {body}");
    let data = &body["data"];
    data["changeWorkflowExecutionStatus"]["workflowExecution"]
        .as_object()
        .or_else(|| data["reportWorkflowExecution"]["workflowExecution"].as_object())
        .map(|o| Value::Object(o.clone()))
        .unwrap_or_else(|| panic!("{body}"))
}

/// Leaves no execution of the seed pending, so claims take only the test's own.
async fn quiet(app: &TestApp) {
    rows(
        app,
        "UPDATE workflow_executions SET status = 'paused' WHERE status = 'pending'",
    )
    .await;
}

async fn claim_one(app: &TestApp, runner: &str, id: &Value) {
    let body = app.gql(runner, CLAIM, json!({})).await.expect("ok");
    let ids: Vec<Value> = body["data"]["claimWorkflowExecutions"]["workflowExecutions"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|e| e["id"].clone())
        .collect();
    assert_eq!(ids, vec![id.clone()], "{body}");
}

async fn people_and_runners_each_take_only_their_own_transitions(backend: Backend) {
    let (app, seed) = seeded(&backend, 2).await;
    let person = app.token(member(&seed, 0, 1));
    let runner = app.token_with_role(member(&seed, 0, 3), "service");
    let studio = studios_of(&app, &seed, 0).await[0];
    let template = template(&app, &person).await;
    quiet(&app).await;
    let id = start(&app, &person, studio, &template).await;
    let to = |status: &str| json!({ "id": id, "status": status });
    let p = &person;

    // Starting is a runner's (the claim): a person's PENDING -> RUNNING is refused.
    refused(
        &app,
        p,
        p,
        CHANGE,
        to("RUNNING"),
        "FORBIDDEN",
        Some("RUNNER_TRANSITION"),
    )
    .await;
    // A move the state machine does not have stays INVALID_TRANSITION.
    refused(&app, p, p, CHANGE, to("PAUSED"), "INVALID_TRANSITION", None).await;
    claim_one(&app, &runner, &id).await;
    // Succeeding and failing are the runner's; a person's RUNNING -> FAILED is a cancel.
    refused(
        &app,
        p,
        p,
        CHANGE,
        to("SUCCEEDED"),
        "FORBIDDEN",
        Some("RUNNER_TRANSITION"),
    )
    .await;
    // Pausing is a person's, also of an execution a runner holds.
    refused(
        &app,
        &runner,
        p,
        REPORT,
        to("PAUSED"),
        "FORBIDDEN",
        Some("PERSON_TRANSITION"),
    )
    .await;
    let paused = ok(&app, p, CHANGE, to("PAUSED")).await;
    assert_eq!(paused["leaseExpiresAt"], Value::Null, "{paused}");
    // The runner no longer holds it: no heartbeat, no report, and resuming is a person's.
    let beat = app
        .gql(&runner, HEARTBEAT, json!({ "id": id }))
        .await
        .expect("ok");
    assert_eq!(
        beat["errors"][0]["extensions"]["reason"], "LEASE_LOST",
        "{beat}"
    );
    refused(
        &app,
        &runner,
        p,
        REPORT,
        to("SUCCEEDED"),
        "CONFLICT",
        Some("LEASE_LOST"),
    )
    .await;
    refused(
        &app,
        &runner,
        p,
        REPORT,
        to("RUNNING"),
        "FORBIDDEN",
        Some("PERSON_TRANSITION"),
    )
    .await;
    // Resumed, it runs under a new lease for the runner that claimed it.
    let resumed = ok(&app, p, CHANGE, to("RUNNING")).await;
    assert!(resumed["leaseExpiresAt"].is_string(), "{resumed}");
    let beat = app
        .gql(&runner, HEARTBEAT, json!({ "id": id }))
        .await
        .expect("ok");
    assert!(beat["errors"].is_null(), "{beat}");
    let mut failed = to("FAILED");
    failed["errorMessage"] = json!("upstream timed out");
    assert_eq!(ok(&app, &runner, REPORT, failed).await["status"], "FAILED");
    // Retrying is a person's.
    refused(
        &app,
        &runner,
        p,
        REPORT,
        to("PENDING"),
        "FORBIDDEN",
        Some("PERSON_TRANSITION"),
    )
    .await;
    let retried = ok(&app, p, CHANGE, to("PENDING")).await;
    assert_eq!(retried["retryCount"], 1, "{retried}");

    // A person cancels a running execution the runner holds; the runner then has lost it.
    claim_one(&app, &runner, &id).await;
    let cancelled = ok(&app, p, CHANGE, to("FAILED")).await;
    assert_eq!(cancelled["errorMessage"], "Cancelled", "{cancelled}");
    let last = cancelled["logs"]
        .as_array()
        .and_then(|l| l.last())
        .map(|e| e["message"].clone());
    assert_eq!(last, Some(json!("running -> failed (cancelled)")));
    refused(
        &app,
        &runner,
        p,
        REPORT,
        to("SUCCEEDED"),
        "CONFLICT",
        Some("LEASE_LOST"),
    )
    .await;

    // Another company's member finds nothing to move.
    let outsider = app.token(member(&seed, 1, 1));
    refused(&app, &outsider, p, CHANGE, to("PENDING"), "NOT_FOUND", None).await;
}
on_both_backends!(people_and_runners_each_take_only_their_own_transitions);

const CREATE_TEMPLATE: &str = r#"mutation($input: CreateWorkflowTemplateInput!) {
  createWorkflowTemplate(input: $input) { workflowTemplate { id } } }"#;

/// A template whose output must be `{ url: string, items?: integer }`, created by a platform
/// admin; returns its id.
pub async fn template_with_output_schema(app: &TestApp, seed: &Value, flow: Uuid) -> Value {
    let admin = member(seed, 0, 5);
    app.grant_platform_admin(admin, "studios")
        .await
        .expect("granted");
    let input = json!({
        "name": format!("Report {flow}"),
        "description": "Builds a report and returns where it is.",
        "businessArea": "OPERATIONS",
        "activepiecesFlowId": flow,
        "inputSchema": { "type": "object", "properties": { "subject": { "type": "string" } } },
        "outputSchema": {
            "type": "object",
            "required": ["url"],
            "properties": { "url": { "type": "string" }, "items": { "type": "integer" } }
        },
        "estimatedDurationMinutes": 5,
        "complexityLevel": "BEGINNER",
        "tags": ["report"],
        "version": "1.0.0"
    });
    let body = app
        .gql(
            &app.token(admin),
            CREATE_TEMPLATE,
            json!({ "input": input }),
        )
        .await
        .expect("ok");
    let id = body["data"]["createWorkflowTemplate"]["workflowTemplate"]["id"].clone();
    assert!(id.is_string(), "{body}");
    id
}

async fn output_that_breaks_the_output_schema_is_refused_with_pointers(backend: Backend) {
    let (app, seed) = seeded(&backend, 1).await;
    let person = app.token(member(&seed, 0, 1));
    let runner = app.token_with_role(member(&seed, 0, 3), "service");
    let studio = studios_of(&app, &seed, 0).await[0];
    let template = template_with_output_schema(&app, &seed, Uuid::new_v4()).await;
    quiet(&app).await;
    let id = start(&app, &person, studio, &template).await;
    claim_one(&app, &runner, &id).await;

    let before = read(&app, &person, &id).await;
    let bad = json!({ "id": id, "status": "SUCCEEDED",
        "outputData": { "url": 42, "items": "many" }, "logLines": ["done"] });
    let body = app
        .gql(&runner, REPORT, json!({ "input": bad }))
        .await
        .expect("ok");
    assert_eq!(error_codes(&body), vec!["BAD_USER_INPUT"], "{body}");
    let ext = &body["errors"][0]["extensions"];
    assert_eq!(ext["field"], "outputData", "{body}");
    let mut pointers: Vec<String> = ext["violations"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|v| v["pointer"].as_str().unwrap_or_default().to_owned())
        .collect();
    pointers.sort();
    assert_eq!(pointers, vec!["/items", "/url"], "{body}");
    assert_eq!(read(&app, &person, &id).await, before, "nothing changed");
    let missing = json!({ "id": id, "status": "SUCCEEDED", "outputData": {} });
    let body = app
        .gql(&runner, REPORT, json!({ "input": missing }))
        .await
        .expect("ok");
    assert_eq!(
        body["errors"][0]["extensions"]["violations"][0]["pointer"], "",
        "{body}"
    );
    assert_eq!(read(&app, &person, &id).await, before, "nothing changed");

    // A person's cancel carrying output is held to the same schema.
    let cancel = json!({ "id": id, "status": "FAILED", "outputData": { "url": false } });
    refused(
        &app,
        &person,
        &person,
        CHANGE,
        cancel,
        "BAD_USER_INPUT",
        None,
    )
    .await;

    let run = Uuid::new_v4();
    let good = json!({ "id": id, "status": "SUCCEEDED", "activepiecesRunId": run,
        "outputData": { "url": "https://files.example/report.pdf", "items": 3 } });
    let done = ok(&app, &runner, REPORT, good).await;
    assert_eq!(
        (done["status"].clone(), done["activepiecesRunId"].clone()),
        (json!("SUCCEEDED"), json!(run)),
        "{done}"
    );
    assert_eq!(done["outputData"]["items"], 3);
}
on_both_backends!(output_that_breaks_the_output_schema_is_refused_with_pointers);
