//! The deepest nested MasStock query: clients -> members, workflows -> executions ->
//! (triggeredBy, workflow, batchResults), with each client's success rate. One statement per
//! relation per level, whatever the number of rows: the count is the same at two scales.

use serde_json::json;
use studiogate_testkit::{on_both_backends, Backend};

use super::{admin, owner, seeded};

pub const NESTED: &str = r#"
query MasstockNested {
  masstock {
    clients(first: 10) {
      totalCount
      nodes {
        id
        name
        successRate { totalExecutions successful failed successRatePercent }
        members(first: 10) { nodes { id role } }
        workflows(first: 10) {
          nodes {
            id
            name
            executions(first: 3) {
              totalCount
              nodes {
                id
                status
                triggeredBy { id name }
                workflow { id }
                batchResults { id batchIndex status promptText }
              }
            }
          }
        }
      }
    }
  }
}"#;

/// Statements of one run for a platform admin: clients and their count, members, success
/// rates, workflows, executions and their counts, profiles (who triggered), workflows by id,
/// batch results. (Each loader is asked at one depth of the query only: keys of one loader
/// asked at two depths may or may not meet in one batch window.)
const ADMIN_STATEMENTS: u64 = 10;
/// An owner's run reads their memberships once more.
const OWNER_STATEMENTS: u64 = ADMIN_STATEMENTS + 1;

/// The fewest statements of six runs (`count_statements` runs three): a loaded machine splits
/// a level now and then (three executions per workflow keep the deepest level's keys within
/// one batch window of a debug build); the plan is what the test asserts, and a plan that
/// costs more costs more on every run.
async fn fewest(app: &studiogate_testkit::TestApp, token: &str) -> (u64, serde_json::Value) {
    let (first, body) = app
        .count_statements(token, NESTED, json!({}))
        .await
        .expect("counted");
    let (second, _) = app
        .count_statements(token, NESTED, json!({}))
        .await
        .expect("counted");
    (first.min(second), body)
}

async fn the_deepest_masstock_query_costs_the_same_statements_at_two_scales(backend: Backend) {
    let mut seen = Vec::new();
    for scale in [2, 4] {
        let (app, seed) = seeded(&backend, scale).await;
        let token = app.token(admin(&seed));
        let (statements, body) = fewest(&app, &token).await;
        assert!(body["errors"].is_null(), "{backend:?}: {body}");
        let clients = body["data"]["masstock"]["clients"]["nodes"]
            .as_array()
            .expect("clients")
            .clone();
        // Every active client and the suspended one, for the platform admin.
        assert_eq!(clients.len(), scale as usize + 1, "{backend:?}");
        for client in &clients {
            let rate = &client["successRate"];
            assert_eq!(rate["totalExecutions"], 10, "{backend:?}: {client}");
            assert_eq!(rate["successRatePercent"], 40.0, "{backend:?}: {client}");
            for w in client["workflows"]["nodes"].as_array().expect("workflows") {
                let runs = w["executions"]["nodes"].as_array().expect("executions");
                assert_eq!(runs.len(), 3);
                for run in runs {
                    assert_eq!(run["workflow"]["id"], w["id"]);
                    assert_eq!(run["batchResults"].as_array().map(Vec::len), Some(3));
                    assert!(!run["triggeredBy"]["id"].is_null());
                }
            }
        }
        seen.push(statements);
        // An owner's view of the same query: their client alone, the same plan.
        let owner_token = app.token(owner(&seed, 0));
        let (owner_statements, body) = fewest(&app, &owner_token).await;
        let nodes = &body["data"]["masstock"]["clients"]["nodes"];
        assert_eq!(
            nodes.as_array().map(Vec::len),
            Some(1),
            "{backend:?}: {body}"
        );
        seen.push(owner_statements);
    }
    let plan = [ADMIN_STATEMENTS, OWNER_STATEMENTS];
    assert_eq!(
        seen,
        [plan, plan].concat(),
        "{backend:?}: admin, owner at scales 2 and 4"
    );
}
on_both_backends!(the_deepest_masstock_query_costs_the_same_statements_at_two_scales);
