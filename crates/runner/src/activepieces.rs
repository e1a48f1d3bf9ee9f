//! The ActivePieces worker: runs a claimed execution by triggering its template's flow.
//!
//! It POSTs `{ executionId, inputData }` to the flow's webhook trigger in sync mode,
//! `<base>/api/v1/webhooks/<activepiecesFlowId>/sync`, where ActivePieces answers with what the
//! flow's "Return Response" step returns. While it waits it heartbeats the execution; when a
//! heartbeat is refused (a person paused or cancelled the execution, or the lease ran out) it
//! stops waiting and reports nothing. Then it reports:
//!
//! - a 2xx answer: SUCCEEDED, the answer's JSON as `outputData` (none when the body is empty,
//!   `{ "body": <text> }` when it is not JSON);
//!   if the gateway refuses that output (it does not satisfy the template's output schema),
//!   FAILED with the violations as the error message;
//! - any other status, no answer within the timeout, or a template this runner cannot read
//!   (deactivated since the execution started, so no flow id): FAILED, saying why.
//!
//! The run id is taken from the answer's `x-webhook-id` header and reported as
//! `activepiecesRunId` when it is a UUID (the column is a UUID, as the spec has it); any other
//! run id is kept in the execution's log instead.

use anyhow::Context;
use serde_json::{json, Value};
use std::time::Duration;
use uuid::Uuid;

use super::{Client, HEARTBEAT, REPORT};

/// The header the run id comes in.
const RUN_ID_HEADER: &str = "x-webhook-id";

/// How often a waiting worker heartbeats; well inside the default 60 s lease.
const HEARTBEAT_EVERY: Duration = Duration::from_secs(10);

/// Characters of an answer's body quoted in an error message.
const QUOTED_BODY_CHARS: usize = 500;

/// Where and how flows are triggered.
#[derive(Clone)]
pub struct Flows {
    http: reqwest::Client,
    base: String,
    timeout: Duration,
}

impl Flows {
    pub fn new(base: &str, timeout: Duration) -> anyhow::Result<Self> {
        Ok(Self {
            http: reqwest::Client::builder()
                .timeout(timeout)
                .build()
                .context("building the ActivePieces HTTP client")?,
            base: base.trim_end_matches('/').to_owned(),
            timeout,
        })
    }
}

/// What the flow's answer makes of the execution.
struct Outcome {
    status: &'static str,
    output: Option<Value>,
    error: Option<String>,
    run_id: Option<Uuid>,
    log: Vec<String>,
}

impl Outcome {
    fn failed(error: String, log: Vec<String>) -> Self {
        Self {
            status: "FAILED",
            output: None,
            error: Some(error),
            run_id: None,
            log,
        }
    }
}

/// Runs one claimed execution through its flow and reports the outcome.
pub async fn run(client: Client, flows: Flows, execution: Value) -> anyhow::Result<String> {
    let id = execution["id"].clone();
    let outcome = match execution["template"]["activepiecesFlowId"].as_str() {
        Some(flow) => trigger(&client, &flows, &id, flow, &execution["inputData"]).await?,
        None => Outcome::failed(
            "The execution's template is not readable by this runner (deactivated?), so it \
             has no ActivePieces flow to run"
                .to_owned(),
            Vec::new(),
        ),
    };
    let status = report(&client, &id, outcome).await?;
    Ok(format!("{} {status}", id.as_str().unwrap_or_default()))
}

/// Triggers the flow and waits for its answer, heartbeating the execution meanwhile.
async fn trigger(
    client: &Client,
    flows: &Flows,
    id: &Value,
    flow: &str,
    input: &Value,
) -> anyhow::Result<Outcome> {
    let url = format!("{}/api/v1/webhooks/{flow}/sync", flows.base);
    let call = flows
        .http
        .post(&url)
        .json(&json!({ "executionId": id, "inputData": input }))
        .send();
    tokio::pin!(call);
    let mut beat = tokio::time::interval_at(
        tokio::time::Instant::now() + HEARTBEAT_EVERY,
        HEARTBEAT_EVERY,
    );
    let answer = loop {
        tokio::select! {
            answer = &mut call => break answer,
            _ = beat.tick() => {
                client
                    .gql(HEARTBEAT, json!({ "id": id }))
                    .await
                    .context("heartbeat refused; the execution is no longer this runner's")?;
            }
        }
    };
    let answer = match answer {
        Ok(answer) => answer,
        Err(err) if err.is_timeout() => {
            return Ok(Outcome::failed(
                format!(
                    "ActivePieces flow {flow} did not answer within {} s",
                    flows.timeout.as_secs()
                ),
                Vec::new(),
            ))
        }
        Err(err) => {
            return Ok(Outcome::failed(
                format!("ActivePieces flow {flow} could not be triggered: {err}"),
                Vec::new(),
            ))
        }
    };
    let status = answer.status();
    let run = answer
        .headers()
        .get(RUN_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.chars().take(200).collect::<String>());
    let run_id = run.as_deref().and_then(|r| Uuid::parse_str(r).ok());
    let mut log = vec![format!(
        "ActivePieces flow {flow} run {}: HTTP {}",
        run.as_deref().unwrap_or("(no run id)"),
        status.as_u16()
    )];
    let body = answer.text().await.unwrap_or_default();
    if !status.is_success() {
        let quoted: String = body.chars().take(QUOTED_BODY_CHARS).collect();
        let mut outcome = Outcome::failed(
            format!(
                "ActivePieces flow {flow} answered HTTP {}: {quoted}",
                status.as_u16()
            ),
            log,
        );
        outcome.run_id = run_id;
        return Ok(outcome);
    }
    let output = if body.trim().is_empty() {
        None
    } else {
        match serde_json::from_str::<Value>(&body) {
            Ok(output) => Some(output),
            Err(_) => {
                log.push("the flow's answer is not JSON; kept as `body`".to_owned());
                Some(json!({ "body": body }))
            }
        }
    };
    Ok(Outcome {
        status: "SUCCEEDED",
        output,
        error: None,
        run_id,
        log,
    })
}

/// Reports the outcome; output the gateway refuses turns the report into a failure.
async fn report(client: &Client, id: &Value, outcome: Outcome) -> anyhow::Result<String> {
    let mut input = json!({ "id": id, "status": outcome.status, "logLines": outcome.log });
    if let Some(output) = &outcome.output {
        input["outputData"] = output.clone();
    }
    if let Some(error) = &outcome.error {
        input["errorMessage"] = json!(error);
    }
    if let Some(run) = outcome.run_id {
        input["activepiecesRunId"] = json!(run);
    }
    let body = client.post(REPORT, json!({ "input": input })).await?;
    let refused = &body["errors"][0]["extensions"];
    if refused["code"] == "BAD_USER_INPUT" && refused["field"] == "outputData" {
        let message = body["errors"][0]["message"].as_str().unwrap_or_default();
        let error: String = message.chars().take(1900).collect();
        input["status"] = json!("FAILED");
        input["errorMessage"] = json!(format!("Refused output: {error}"));
        if let Some(fields) = input.as_object_mut() {
            fields.remove("outputData");
        }
        return Ok(status_of(
            &client.gql(REPORT, json!({ "input": input })).await?,
        ));
    }
    if let Some(errors) = body.get("errors") {
        anyhow::bail!("{errors}");
    }
    Ok(status_of(&body["data"]))
}

fn status_of(data: &Value) -> String {
    data["reportWorkflowExecution"]["workflowExecution"]["status"]
        .as_str()
        .unwrap_or("?")
        .to_owned()
}
