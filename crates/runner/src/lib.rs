//! `studiogate runner`: built-in workers that speak the public runner protocol over HTTP like
//! any external runner (claim, heartbeat, report).
//!
//! - `--simulate` completes each execution after a short random delay with plausible output,
//!   so a demo shows executions moving live.
//! - The `activepieces` worker (`STUDIOGATE_RUNNER_WORKER=activepieces`) triggers the flow of
//!   each claimed execution's template on an ActivePieces instance (its webhook trigger, in
//!   sync mode), heartbeats while the flow runs, and reports the flow's answer: a 2xx is
//!   SUCCEEDED with the answer's JSON as output; anything else, or no answer in time, FAILED.

use anyhow::{bail, Context};
use clap::Args;
use rand::Rng;
use serde_json::{json, Value};
use std::time::Duration;
use uuid::Uuid;

mod activepieces;

/// The built-in workers.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Worker {
    /// Fake the work (`--simulate`).
    Simulate,
    /// Trigger each execution's ActivePieces flow.
    Activepieces,
}

#[derive(Args, Clone)]
pub struct RunnerArgs {
    /// Simulate the work, whatever `STUDIOGATE_RUNNER_WORKER` says.
    #[arg(long)]
    pub simulate: bool,
    /// The gateway to work for.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub url: String,
    /// A service token; without one, a token for `--sub` is signed with the configured secret.
    #[arg(long, env = "STUDIOGATE_RUNNER_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// The runner's account (it sees the executions of the companies it is a member of);
    /// the demo's company admin when neither this nor `--token` is given.
    #[arg(long)]
    pub sub: Option<Uuid>,
    /// Executions claimed at a time.
    #[arg(long, default_value_t = 5)]
    pub batch: i32,
    /// Only executions of studios in this business area (e.g. MARKETING).
    #[arg(long)]
    pub business_area: Option<String>,
    /// Shortest and longest simulated run, in milliseconds.
    #[arg(long, default_value_t = 500)]
    pub min_ms: u64,
    #[arg(long, default_value_t = 4000)]
    pub max_ms: u64,
    /// Share of runs that fail (0..1).
    #[arg(long, default_value_t = 0.1)]
    pub fail_rate: f64,
    /// Wait between claims when nothing is pending, in milliseconds.
    #[arg(long, default_value_t = 1000)]
    pub poll_ms: u64,
    /// Stop after completing this many executions (runs until stopped when left out).
    #[arg(long)]
    pub max_executions: Option<usize>,
}

const CLAIM: &str = "mutation($input: ClaimWorkflowExecutionsInput!) { claimWorkflowExecutions(input: $input) { workflowExecutions { id leaseExpiresAt inputData template { name activepiecesFlowId } } } }";
const HEARTBEAT: &str = "mutation($id: UUID!) { heartbeatWorkflowExecution(input: { id: $id }) { workflowExecution { leaseExpiresAt } } }";
const REPORT: &str = "mutation($input: ReportWorkflowExecutionInput!) { reportWorkflowExecution(input: $input) { workflowExecution { id status } } }";

#[derive(Clone)]
struct Client {
    http: reqwest::Client,
    url: String,
    token: String,
}

impl Client {
    /// The whole answer, errors included.
    async fn post(&self, query: &str, variables: Value) -> anyhow::Result<Value> {
        Ok(self
            .http
            .post(format!("{}/graphql", self.url.trim_end_matches('/')))
            .bearer_auth(&self.token)
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await?
            .json()
            .await?)
    }

    async fn gql(&self, query: &str, variables: Value) -> anyhow::Result<Value> {
        let body = self.post(query, variables).await?;
        if let Some(errors) = body.get("errors") {
            bail!("{errors}");
        }
        Ok(body["data"].clone())
    }
}

/// What the gateway's configuration says about the workers (`STUDIOGATE_RUNNER_WORKER`,
/// `STUDIOGATE_ACTIVEPIECES_URL`, `STUDIOGATE_ACTIVEPIECES_TIMEOUT_SECS`).
pub struct Settings {
    pub worker: Option<Worker>,
    pub activepieces_url: Option<String>,
    pub activepieces_timeout: Duration,
}

/// Claims, works and reports until stopped (or `--max-executions` are done).
pub async fn run(args: RunnerArgs, token: String, settings: Settings) -> anyhow::Result<()> {
    let worker = match (args.simulate, settings.worker) {
        (true, _) => Worker::Simulate,
        (false, Some(worker)) => worker,
        (false, None) => bail!(
            "pick a worker: `--simulate`, or STUDIOGATE_RUNNER_WORKER=activepieces with \
             STUDIOGATE_ACTIVEPIECES_URL; other runners use the GraphQL runner protocol"
        ),
    };
    let flows = match (worker, &settings.activepieces_url) {
        (Worker::Activepieces, Some(url)) => Some(activepieces::Flows::new(
            url,
            settings.activepieces_timeout,
        )?),
        (Worker::Activepieces, None) => {
            bail!("the activepieces worker needs STUDIOGATE_ACTIVEPIECES_URL")
        }
        (Worker::Simulate, _) => None,
    };
    let client = Client {
        http: reqwest::Client::new(),
        url: args.url.clone(),
        token,
    };
    let mut done = 0;
    let mut input = json!({ "limit": args.batch.clamp(1, 100) });
    if let Some(area) = &args.business_area {
        input["businessArea"] = json!(area.to_uppercase());
    }
    loop {
        if args.max_executions.is_some_and(|max| done >= max) {
            return Ok(());
        }
        let claimed = client
            .gql(CLAIM, json!({ "input": input }))
            .await
            .context("claiming executions")?;
        let executions = claimed["claimWorkflowExecutions"]["workflowExecutions"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if executions.is_empty() {
            tokio::time::sleep(Duration::from_millis(args.poll_ms)).await;
            continue;
        }
        println!("claimed {} execution(s)", executions.len());
        let runs = executions.into_iter().map(|execution| {
            let (client, args) = (client.clone(), args.clone());
            match flows.clone() {
                Some(flows) => tokio::spawn(activepieces::run(client, flows, execution)),
                None => tokio::spawn(simulate(client, args, execution)),
            }
        });
        for run in futures_util::future::join_all(runs).await {
            match run? {
                Ok(line) => println!("{line}"),
                Err(err) => eprintln!("runner: {err:#}"),
            }
            done += 1;
        }
    }
}

/// Works on one execution for a random while, heartbeating, then reports the outcome.
async fn simulate(client: Client, args: RunnerArgs, execution: Value) -> anyhow::Result<String> {
    let id = execution["id"].clone();
    let (work, fails, items) = {
        let mut rng = rand::thread_rng();
        (
            rng.gen_range(args.min_ms..=args.max_ms.max(args.min_ms)),
            rng.gen_bool(args.fail_rate.clamp(0.0, 1.0)),
            rng.gen_range(1..=50),
        )
    };
    let started = tokio::time::Instant::now();
    let heartbeat = Duration::from_secs(5);
    while started.elapsed() < Duration::from_millis(work) {
        let left = Duration::from_millis(work).saturating_sub(started.elapsed());
        tokio::time::sleep(left.min(heartbeat)).await;
        if started.elapsed() < Duration::from_millis(work) {
            client.gql(HEARTBEAT, json!({ "id": id })).await?;
        }
    }
    let template = execution["template"]["name"].as_str().unwrap_or("workflow");
    let input = if fails {
        json!({ "id": id, "status": "FAILED",
            "errorMessage": "Simulated failure: the upstream step timed out",
            "logLines": [format!("simulated {template}: step 2 of 3 timed out")] })
    } else {
        json!({ "id": id, "status": "SUCCEEDED",
            "outputData": { "simulated": true, "itemsProcessed": items, "summary": format!("{template} processed {items} items"), "durationMs": work },
            "logLines": [format!("simulated {template}: 3 steps, {items} items")] })
    };
    let reported = client.gql(REPORT, json!({ "input": input })).await?;
    let status = &reported["reportWorkflowExecution"]["workflowExecution"]["status"];
    Ok(format!(
        "{} {}",
        id.as_str().unwrap_or_default(),
        status.as_str().unwrap_or("?")
    ))
}
