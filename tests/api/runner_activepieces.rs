//! `studiogate runner` with the ActivePieces worker selected by configuration: each claimed
//! execution's flow is triggered on a local stand-in for ActivePieces, and the flow's answer
//! comes back through the runner protocol (output, run id, failures).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use studiogate_testkit::{on_both_backends, Backend, TestApp};
use uuid::Uuid;

use crate::executions_transitions::template_with_output_schema;
use crate::realtime::{start, studios_of};
use crate::support::{member, rows, seeded};

/// The run id the stand-in answers with.
const RUN: &str = "6f1c7c9e-2b7a-4c55-9a57-0d0e61f8f001";

/// What the stand-in does for each flow.
struct Flows {
    ok: Uuid,
    broken: Uuid,
    bad_output: Uuid,
    calls: Mutex<Vec<(String, Value)>>,
}

async fn webhook(
    State(flows): State<Arc<Flows>>,
    Path(flow): Path<String>,
    Json(body): Json<Value>,
) -> impl IntoResponse {
    if let Ok(mut calls) = flows.calls.lock() {
        calls.push((flow.clone(), body.clone()));
    }
    let run = [("x-webhook-id", RUN)];
    if flow == flows.ok.to_string() {
        let output = json!({ "url": "https://files.example/report.pdf", "items": 7,
            "echo": body["inputData"]["subject"] });
        (StatusCode::OK, run, Json(output)).into_response()
    } else if flow == flows.broken.to_string() {
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            run,
            "step 2 (Send Email) failed",
        )
            .into_response()
    } else if flow == flows.bad_output.to_string() {
        (StatusCode::OK, run, Json(json!({ "url": 42 }))).into_response()
    } else {
        (StatusCode::NOT_FOUND, "no such flow").into_response()
    }
}

/// Serves the stand-in on a free port; returns its base URL.
async fn serve(flows: Arc<Flows>) -> String {
    let app = Router::new()
        .route("/api/v1/webhooks/{flow}/sync", post(webhook))
        .with_state(flows);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

const READ: &str = r#"query($id: UUID!) { workflowExecution(id: $id) {
  status outputData errorMessage activepiecesRunId logs } }"#;

async fn read(app: &TestApp, token: &str, id: &Value) -> Value {
    let body = app.gql(token, READ, json!({ "id": id })).await.expect("ok");
    body["data"]["workflowExecution"].clone()
}

fn config_file(dir: &tempfile::TempDir, text: &str) -> String {
    let path = dir.path().join("studiogate.toml");
    std::fs::write(&path, text).expect("config written");
    path.to_string_lossy().into_owned()
}

async fn the_activepieces_worker_triggers_each_flow_and_reports_its_answer(backend: Backend) {
    let (app, seed) = seeded(&backend, 1).await;
    let person = app.token(member(&seed, 0, 1));
    let runner_account = member(&seed, 0, 3);
    let studio = studios_of(&app, &seed, 0).await[0];
    let flows = Arc::new(Flows {
        ok: Uuid::new_v4(),
        broken: Uuid::new_v4(),
        bad_output: Uuid::new_v4(),
        calls: Mutex::new(Vec::new()),
    });
    let mut executions = Vec::new();
    for flow in [flows.ok, flows.broken, flows.bad_output] {
        let template = template_with_output_schema(&app, &seed, flow).await;
        executions.push(template);
    }
    rows(
        &app,
        "UPDATE workflow_executions SET status = 'paused' WHERE status = 'pending'",
    )
    .await;
    let mut ids = Vec::new();
    for template in &executions {
        ids.push(start(&app, &person, studio, template).await);
    }
    let base = serve(flows.clone()).await;
    let dir = tempfile::tempdir().expect("dir");
    let app_ref = &app;
    let runner = move |config: String| {
        let (app, account) = (app_ref, runner_account.to_string());
        async move {
            let args = [
                "runner",
                "--config",
                &config,
                "--url",
                &app.base_url,
                "--sub",
                &account,
                "--batch",
                "3",
                "--poll-ms",
                "100",
                "--max-executions",
                "3",
            ];
            app.run(&args).await.expect("runner runs")
        }
    };

    // Selected without an ActivePieces URL: refused before anything is claimed.
    let out = runner(config_file(&dir, "runner_worker = \"activepieces\"\n")).await;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("STUDIOGATE_ACTIVEPIECES_URL"), "{stderr}");
    assert_eq!(read(&app, &person, &ids[0]).await["status"], "PENDING");

    let config = format!("runner_worker = \"activepieces\"\nactivepieces_url = \"{base}\"\n");
    let out = runner(config_file(&dir, &config)).await;
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Each flow was triggered once, with the execution's id and input.
    let calls = flows.calls.lock().map(|c| c.clone()).unwrap_or_default();
    assert_eq!(calls.len(), 3, "{calls:?}");
    for (id, flow) in ids.iter().zip([flows.ok, flows.broken, flows.bad_output]) {
        let (_, body) = calls
            .iter()
            .find(|(f, _)| *f == flow.to_string())
            .unwrap_or_else(|| panic!("flow {flow} not triggered: {calls:?}"));
        assert_eq!(body["executionId"], *id);
        assert_eq!(body["inputData"], json!({ "subject": "Live" }));
    }

    let ok = read(&app, &person, &ids[0]).await;
    assert_eq!(ok["status"], "SUCCEEDED", "{backend:?}: {ok}");
    assert_eq!(ok["activepiecesRunId"], RUN, "{ok}");
    assert_eq!(
        ok["outputData"],
        json!({ "url": "https://files.example/report.pdf", "items": 7, "echo": "Live" })
    );
    let logged = ok["logs"].as_array().is_some_and(|logs| {
        logs.iter().any(|e| {
            e["message"]
                .as_str()
                .is_some_and(|m| m.contains(&format!("run {RUN}: HTTP 200")))
        })
    });
    assert!(logged, "{ok}");

    let broken = read(&app, &person, &ids[1]).await;
    assert_eq!(broken["status"], "FAILED", "{broken}");
    assert_eq!(broken["activepiecesRunId"], RUN, "{broken}");
    let message = broken["errorMessage"].as_str().unwrap_or_default();
    assert!(
        message.contains("HTTP 500") && message.contains("step 2 (Send Email) failed"),
        "{broken}"
    );

    // Output the template's schema refuses fails the execution, saying where.
    let bad = read(&app, &person, &ids[2]).await;
    assert_eq!(bad["status"], "FAILED", "{bad}");
    assert_eq!(bad["outputData"], Value::Null, "{bad}");
    let message = bad["errorMessage"].as_str().unwrap_or_default();
    assert!(
        message.contains("output schema") && message.contains("/url"),
        "{bad}"
    );
}
on_both_backends!(the_activepieces_worker_triggers_each_flow_and_reports_its_answer);
