//! Executions end to end: a member starts one with an API key (sealed at rest, never
//! returned), a runner's service token claims it through the job engine (and alone sees the
//! key), reports each batch result with its image in the `workflow-results` bucket, and the
//! execution finishes with its last result; subscribers follow along.

use serde_json::{json, Value};
use std::time::Duration;
use studiogate_testkit::{on_both_backends, Backend, TestApp};
use uuid::Uuid;

use super::{admin, client, collaborator, count, id, ok, owner, refusal, seeded, seeded_with_env};
use crate::support::{rows, text, uuid};

const SECRET: &str = "sk-test-SECRET-0123456789";
const PNG: &[u8] =
    b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

const START: &str = "mutation($input: MasstockStartExecutionInput!) { masstock { \
    startExecution(input: $input) { workflowExecution { id status inputData hasApiKey \
    batchResults { batchIndex status promptText } } } } }";
const CLAIM: &str = "mutation { masstockClaimExecutions(limit: 50) { executions { apiKey \
    workflowExecution { id status startedAt } } } }";
const REPORT: &str = "mutation($input: MasstockReportBatchResultInput!) { \
    masstockReportBatchResult(input: $input) { batchResult { batchIndex status resultUrl \
    errorMessage } workflowExecution { id status outputData durationSeconds hasApiKey } } }";

/// An operation with one file at `at` (such as `variables.input.image`), as a GraphQL
/// multipart request.
async fn multipart(
    app: &TestApp,
    token: &str,
    query: &str,
    variables: Value,
    at: &str,
    bytes: &[u8],
) -> Value {
    let operations = json!({ "query": query, "variables": variables });
    let part = reqwest::multipart::Part::bytes(bytes.to_vec())
        .file_name("image.png")
        .mime_str("image/png")
        .expect("mime");
    let form = reqwest::multipart::Form::new()
        .text("operations", operations.to_string())
        .text("map", json!({ "0": [at] }).to_string())
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

/// A report with an image.
async fn report_with_image(app: &TestApp, token: &str, input: Value, bytes: &[u8]) -> Value {
    let variables = json!({ "input": input });
    multipart(
        app,
        token,
        REPORT,
        variables,
        "variables.input.image",
        bytes,
    )
    .await
}

/// The bytes behind a signed link, with the status and content type.
async fn fetch(app: &TestApp, link: &str) -> (u16, String, Vec<u8>) {
    let resp = reqwest::get(format!("{}{link}", app.base_url))
        .await
        .expect("download");
    let status = resp.status().as_u16();
    let mime = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, mime, resp.bytes().await.expect("bytes").to_vec())
}

/// The stored row of an execution.
async fn execution_row(app: &TestApp, execution: Uuid) -> sea_orm::QueryResult {
    let sql = "SELECT id, api_key_ciphertext, input_data FROM masstock_workflow_executions";
    rows(app, sql)
        .await
        .into_iter()
        .find(|r| uuid(r, "id") == execution)
        .expect("the execution's row")
}

/// A workflow of client 0 that needs an API key and takes at most 2 prompts.
async fn keyed_workflow(app: &TestApp, seed: &Value) -> Uuid {
    let config = json!({ "requires_api_key": true, "max_prompts": 2 });
    workflow_of(app, seed, config).await
}

/// A workflow of client 0 with `config`.
async fn workflow_of(app: &TestApp, seed: &Value, config: Value) -> Uuid {
    let root = app.token(admin(seed));
    let template = "mutation($input: MasstockWorkflowTemplateInput!) { masstock { \
        createWorkflowTemplate(input: $input) { workflowTemplate { id } } } }";
    let input =
        json!({ "input": { "name": "Keyed", "workflowType": "nano_banana", "config": config } });
    let data = ok(app, &root, template, input).await;
    let template_id = &data["masstock"]["createWorkflowTemplate"]["workflowTemplate"]["id"];
    let assign = "mutation($input: MasstockAssignWorkflowInput!) { masstock { \
        assignWorkflow(input: $input) { workflow { id } } } }";
    let input = json!({ "input": { "templateId": template_id, "clientId": client(seed, 0) } });
    id(&ok(app, &root, assign, input).await["masstock"]["assignWorkflow"]["workflow"]["id"])
}

async fn an_execution_runs_through_a_runner_and_its_api_key_never_comes_back(backend: Backend) {
    let (app, seed) = seeded(&backend, 2).await;
    let workflow = keyed_workflow(&app, &seed).await;
    let member = app.token(collaborator(&seed, 0));
    let executions = "SELECT COUNT(*) AS n FROM masstock_workflow_executions";
    let before = count(&app, executions).await;
    for (input, reason) in [
        (
            json!({ "workflowId": workflow, "prompts": ["a", "b"] }),
            "API_KEY_REQUIRED",
        ),
        (
            json!({ "workflowId": workflow, "prompts": ["a", "b", "c"], "apiKey": SECRET }),
            "TOO_MANY_PROMPTS",
        ),
        (
            json!({ "workflowId": workflow, "prompts": [], "apiKey": SECRET }),
            "REQUIRED",
        ),
    ] {
        let body = app
            .gql(&member, START, json!({ "input": input }))
            .await
            .expect("r");
        assert_eq!(
            refusal(&body),
            ("BAD_USER_INPUT".into(), reason.into()),
            "{backend:?}: {body}"
        );
        assert!(
            !body.to_string().contains(SECRET),
            "an error repeats the key: {body}"
        );
    }
    assert_eq!(count(&app, executions).await, before, "nothing written");
    let input = json!({ "input": { "workflowId": workflow, "prompts": ["a cat", "a dog"], "apiKey": SECRET } });
    let body = app.gql(&member, START, input).await.expect("r");
    assert!(body["errors"].is_null(), "{backend:?}: {body}");
    assert!(!body.to_string().contains(SECRET), "{body}");
    let started = &body["data"]["masstock"]["startExecution"]["workflowExecution"];
    let execution = id(&started["id"]);
    assert_eq!(started["status"], "PENDING");
    assert_eq!(started["hasApiKey"], true);
    assert_eq!(started["inputData"]["prompts"], json!(["a cat", "a dog"]));
    assert_eq!(started["batchResults"].as_array().map(Vec::len), Some(2));
    // Looked up by id, the execution reads its documents only when asked for them.
    let look = |selection: &str| {
        format!(
            "query($id: UUID!) {{ masstock {{ workflowExecution(id: $id) {{ {selection} }} }} }}"
        )
    };
    for (selection, prompts) in [
        ("status inputData", json!(["a cat", "a dog"])),
        ("status", Value::Null),
    ] {
        let body = app
            .gql(&member, &look(selection), json!({ "id": execution }))
            .await
            .expect("r");
        let found = &body["data"]["masstock"]["workflowExecution"];
        assert_eq!(found["status"], "PENDING", "{backend:?}: {body}");
        assert_eq!(
            found["inputData"]["prompts"], prompts,
            "{backend:?}: {body}"
        );
    }
    let stored = execution_row(&app, execution).await;
    let sealed = text(&stored, "api_key_ciphertext");
    assert!(
        sealed.starts_with("v1:") && !sealed.contains(SECRET),
        "{sealed}"
    );
    let stored_input: Value = stored.try_get("", "input_data").expect("json");
    assert!(!stored_input.to_string().contains(SECRET));

    // Subscribers follow the execution and its results.
    let mut updates = app
        .subscribe(
            Some(&member),
            "subscription($id: UUID!) { masstockExecutionUpdated(executionId: $id) { id status } }",
            json!({ "id": execution }),
        )
        .await
        .expect("subscribed");
    let mut results = app
        .subscribe(Some(&member), "subscription($id: UUID!) { masstockBatchResultUpdated(executionId: $id) { batchIndex status } }", json!({ "id": execution }))
        .await
        .expect("subscribed");
    let foreign = app.token(owner(&seed, 1));
    let mut stranger = app
        .subscribe(
            Some(&foreign),
            "subscription($id: UUID!) { masstockExecutionUpdated(executionId: $id) { id } }",
            json!({ "id": execution }),
        )
        .await
        .expect("connected");
    let refused = stranger
        .event(Duration::from_secs(10))
        .await
        .expect("an answer");
    assert_eq!(
        refused["errors"][0]["extensions"]["code"], "NOT_FOUND",
        "{refused}"
    );

    // People cannot claim; the runner (a service token of a member) can, and alone gets the key.
    let body = app.gql(&member, CLAIM, json!({})).await.expect("r");
    assert_eq!(refusal(&body).0, "FORBIDDEN", "{body}");
    let runner = app.token_with_role(owner(&seed, 0), "service");
    let data = ok(&app, &runner, CLAIM, json!({})).await;
    let claimed = data["masstockClaimExecutions"]["executions"]
        .as_array()
        .expect("list")
        .clone();
    let mine = claimed
        .iter()
        .find(|c| c["workflowExecution"]["id"] == json!(execution))
        .expect("claimed");
    assert_eq!(mine["apiKey"], SECRET);
    assert_eq!(mine["workflowExecution"]["status"], "PROCESSING");
    assert!(claimed
        .iter()
        .all(|c| c["workflowExecution"]["status"] == "PROCESSING"));
    let event = updates.event(Duration::from_secs(10)).await.expect("event");
    assert_eq!(
        event["data"]["masstockExecutionUpdated"]["status"], "PROCESSING",
        "{event}"
    );
    let again = ok(&app, &runner, CLAIM, json!({})).await;
    assert!(again["masstockClaimExecutions"]["executions"]
        .as_array()
        .is_some_and(|l| l
            .iter()
            .all(|c| c["workflowExecution"]["id"] != json!(execution))));

    let report = |index: i32, status: &str| json!({ "input": { "executionId": execution, "batchIndex": index, "status": status } });
    let body = app
        .gql(&runner, REPORT, report(0, "COMPLETED"))
        .await
        .expect("r");
    assert_eq!(
        refusal(&body).0,
        "INVALID_TRANSITION",
        "pending -> completed: {body}"
    );
    ok(&app, &runner, REPORT, report(0, "PROCESSING")).await;
    let event = results.event(Duration::from_secs(10)).await.expect("event");
    assert_eq!(
        event["data"]["masstockBatchResultUpdated"],
        json!({ "batchIndex": 0, "status": "PROCESSING" })
    );
    let input = json!({ "executionId": execution, "batchIndex": 0, "status": "COMPLETED", "image": null, "processingTimeMs": 1200 });
    let body = report_with_image(&app, &runner, input.clone(), b"plain text, not an image").await;
    assert_eq!(refusal(&body).0, "BAD_USER_INPUT", "{backend:?}: {body}");
    let body = report_with_image(&app, &runner, input, PNG).await;
    assert!(body["errors"].is_null(), "{backend:?}: {body}");
    let done = &body["data"]["masstockReportBatchResult"];
    assert_eq!(
        done["workflowExecution"]["status"], "PROCESSING",
        "one result to go"
    );
    let link = done["batchResult"]["resultUrl"]
        .as_str()
        .expect("a signed link")
        .to_owned();
    assert!(
        link.starts_with("/masstock/results/") && link.contains("signature="),
        "{link}"
    );
    let served = reqwest::get(format!("{}{link}", app.base_url))
        .await
        .expect("download");
    assert_eq!(served.status().as_u16(), 200);
    assert_eq!(served.headers()["content-type"], "image/png");
    assert_eq!(served.bytes().await.expect("bytes").as_ref(), PNG);
    let (status, _) = app
        .get(&link.replace("signature=", "signature=00"))
        .await
        .expect("r");
    assert_eq!(status, 404, "a tampered link");
    let results = rows(&app, "SELECT execution_id, batch_index, result_storage_path AS p FROM masstock_workflow_batch_results WHERE batch_index = 0").await;
    let first = results
        .iter()
        .find(|r| uuid(r, "execution_id") == execution)
        .expect("result 0");
    let path = text(first, "p");
    assert!(
        path.starts_with(&format!("workflow-results/{execution}/0_")) && path.ends_with(".png"),
        "{path}"
    );

    ok(&app, &runner, REPORT, report(1, "PROCESSING")).await;
    let failed = json!({ "input": { "executionId": execution, "batchIndex": 1, "status": "FAILED", "errorMessage": "refused" } });
    let data = ok(&app, &runner, REPORT, failed).await;
    let finished = &data["masstockReportBatchResult"]["workflowExecution"];
    assert_eq!(finished["status"], "COMPLETED", "{finished}");
    assert_eq!(
        finished["outputData"],
        json!({ "successful": 1, "failed": 1, "total": 2 })
    );
    assert_eq!(
        finished["hasApiKey"], false,
        "the key is erased once the execution finished"
    );
    let erased = execution_row(&app, execution).await;
    let sealed: Option<String> = erased.try_get("", "api_key_ciphertext").expect("column");
    assert_eq!(sealed, None, "erased at rest too");
    let mut last = Value::Null;
    while last["data"]["masstockExecutionUpdated"]["status"] != "COMPLETED" {
        last = updates.event(Duration::from_secs(10)).await.expect("event");
    }
    let heartbeat = "mutation($id: UUID!) { masstockHeartbeatExecution(executionId: $id) { workflowExecution { id } } }";
    let body = app
        .gql(&runner, heartbeat, json!({ "id": execution }))
        .await
        .expect("r");
    assert_eq!(
        refusal(&body),
        ("CONFLICT".into(), "LEASE_LOST".into()),
        "{body}"
    );
    // Another client's runner cannot touch it.
    let other = app.token_with_role(owner(&seed, 1), "service");
    let body = app
        .gql(&other, REPORT, report(1, "PROCESSING"))
        .await
        .expect("r");
    assert_eq!(refusal(&body).0, "NOT_FOUND", "{body}");
}

async fn a_runner_that_gives_up_fails_the_execution_and_its_open_results(backend: Backend) {
    let (app, seed) = seeded(&backend, 2).await;
    let workflow = keyed_workflow(&app, &seed).await;
    let member = app.token(collaborator(&seed, 0));
    let input =
        json!({ "input": { "workflowId": workflow, "prompts": ["a", "b"], "apiKey": SECRET } });
    let data = ok(&app, &member, START, input).await;
    let execution = data["masstock"]["startExecution"]["workflowExecution"]["id"].clone();
    let runner = app.token_with_role(owner(&seed, 0), "service");
    ok(&app, &runner, CLAIM, json!({})).await;
    let fail =
        "mutation($input: MasstockFailExecutionInput!) { masstockFailExecution(input: $input) { \
        workflowExecution { status errorMessage outputData hasApiKey batchResults { status } } } }";
    let data = ok(
        &app,
        &runner,
        fail,
        json!({ "input": { "executionId": execution, "errorMessage": "quota exceeded" } }),
    )
    .await;
    let row = &data["masstockFailExecution"]["workflowExecution"];
    assert_eq!(
        (row["status"].as_str(), row["errorMessage"].as_str()),
        (Some("FAILED"), Some("quota exceeded"))
    );
    assert_eq!(
        row["outputData"],
        json!({ "successful": 0, "failed": 2, "total": 2 })
    );
    assert_eq!(
        row["batchResults"],
        json!([{ "status": "FAILED" }, { "status": "FAILED" }])
    );
    assert_eq!(row["hasApiKey"], false);
    let body = app
        .gql(
            &runner,
            fail,
            json!({ "input": { "executionId": execution, "errorMessage": "again" } }),
        )
        .await
        .expect("r");
    assert_eq!(
        refusal(&body),
        ("CONFLICT".into(), "LEASE_LOST".into()),
        "{backend:?}: {body}"
    );
}

async fn reference_images_arrive_as_uploads_and_reach_the_runner(backend: Backend) {
    let (app, seed) = seeded(&backend, 2).await;
    let member = app.token(collaborator(&seed, 0));
    let with_images = workflow_of(&app, &seed, json!({ "supports_reference_images": true })).await;
    let without = keyed_workflow(&app, &seed).await;
    let executions = "SELECT COUNT(*) AS n FROM masstock_workflow_executions";
    let before = count(&app, executions).await;
    let vars = |w: Uuid| json!({ "input": { "workflowId": w, "prompts": ["a"], "apiKey": SECRET, "referenceImages": [null] } });
    let at = "variables.input.referenceImages.0";
    let body = multipart(&app, &member, START, vars(without), at, PNG).await;
    assert_eq!(
        refusal(&body),
        (
            "BAD_USER_INPUT".into(),
            "REFERENCE_IMAGES_NOT_SUPPORTED".into()
        ),
        "{backend:?}: {body}"
    );
    let body = multipart(
        &app,
        &member,
        START,
        vars(with_images),
        at,
        b"not an image at all",
    )
    .await;
    assert_eq!(
        refusal(&body),
        ("BAD_USER_INPUT".into(), "INVALID_IMAGE".into()),
        "{backend:?}: {body}"
    );
    assert_eq!(count(&app, executions).await, before, "nothing written");
    let start = START.replace("hasApiKey", "hasApiKey referenceImageUrls");
    let body = multipart(&app, &member, &start, vars(with_images), at, PNG).await;
    assert!(body["errors"].is_null(), "{backend:?}: {body}");
    let started = &body["data"]["masstock"]["startExecution"]["workflowExecution"];
    let images = started["inputData"]["reference_images"]
        .as_array()
        .expect("listed")
        .clone();
    assert_eq!(images.len(), 1);
    assert_eq!(
        (images[0]["type"].as_str(), images[0]["size"].as_u64()),
        (Some("image/png"), Some(PNG.len() as u64))
    );
    let link = started["referenceImageUrls"][0]
        .as_str()
        .expect("a link")
        .to_owned();
    assert_eq!(
        fetch(&app, &link).await,
        (200, "image/png".to_owned(), PNG.to_vec())
    );
    let (status, _, _) = fetch(&app, &link.replace("expires=", "expires=1")).await;
    assert_eq!(status, 404, "a link whose expiry was changed");
    // The runner that claims it gets the same images.
    let runner = app.token_with_role(owner(&seed, 0), "service");
    let claim = "mutation { masstockClaimExecutions(limit: 50) { executions { workflowExecution { id referenceImageUrls } } } }";
    let data = ok(&app, &runner, claim, json!({})).await;
    let claimed = data["masstockClaimExecutions"]["executions"]
        .as_array()
        .expect("list")
        .clone();
    let mine = claimed
        .iter()
        .find(|c| c["workflowExecution"]["id"] == started["id"])
        .expect("claimed");
    let link = mine["workflowExecution"]["referenceImageUrls"][0]
        .as_str()
        .expect("link");
    assert_eq!(fetch(&app, link).await.2, PNG.to_vec());
}

async fn an_expired_lease_puts_the_execution_and_its_open_results_back_to_pending(
    backend: Backend,
) {
    let env = [
        ("STUDIOGATE_RUNNER_LEASE_SECS", "2"),
        ("STUDIOGATE_LEASE_SWEEP_SECS", "1"),
    ];
    let (app, seed) = seeded_with_env(&backend, 2, &env).await;
    let workflow = keyed_workflow(&app, &seed).await;
    let member = app.token(collaborator(&seed, 0));
    let input =
        json!({ "input": { "workflowId": workflow, "prompts": ["a", "b"], "apiKey": SECRET } });
    let data = ok(&app, &member, START, input).await;
    let execution = data["masstock"]["startExecution"]["workflowExecution"]["id"].clone();
    let runner = app.token_with_role(owner(&seed, 0), "service");
    ok(&app, &runner, CLAIM, json!({})).await;
    let processing =
        json!({ "input": { "executionId": execution, "batchIndex": 0, "status": "PROCESSING" } });
    ok(&app, &runner, REPORT, processing).await;
    let q = "query($id: UUID!) { masstock { workflowExecution(id: $id) { status hasApiKey         batchResults { status } } } }";
    let mut seen = Value::Null;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        seen = ok(&app, &member, q, json!({ "id": execution })).await;
        if seen["masstock"]["workflowExecution"]["status"] == "PENDING" {
            break;
        }
    }
    let row = &seen["masstock"]["workflowExecution"];
    assert_eq!(
        row["status"], "PENDING",
        "{backend:?}: the sweeper gave it back: {seen}"
    );
    assert_eq!(
        row["batchResults"],
        json!([{ "status": "PENDING" }, { "status": "PENDING" }])
    );
    assert_eq!(row["hasApiKey"], true, "kept for the retry");
    let heartbeat = "mutation($id: UUID!) { masstockHeartbeatExecution(executionId: $id) { workflowExecution { id } } }";
    let body = app
        .gql(&runner, heartbeat, json!({ "id": execution }))
        .await
        .expect("r");
    assert_eq!(
        refusal(&body),
        ("CONFLICT".into(), "LEASE_LOST".into()),
        "{body}"
    );
    let retries = rows(
        &app,
        "SELECT id, retry_count FROM masstock_workflow_executions",
    )
    .await;
    let retried = retries
        .iter()
        .find(|r| json!(uuid(r, "id")) == execution)
        .expect("row");
    assert_eq!(
        retried.try_get::<i32>("", "retry_count").expect("retries"),
        1
    );
}

on_both_backends!(
    an_expired_lease_puts_the_execution_and_its_open_results_back_to_pending,
    reference_images_arrive_as_uploads_and_reach_the_runner,
    an_execution_runs_through_a_runner_and_its_api_key_never_comes_back,
    a_runner_that_gives_up_fails_the_execution_and_its_open_results,
);
