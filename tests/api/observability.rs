//! Request ids, metrics, and unexpected errors masked with the request id.

use serde_json::json;
use studiogate_testkit::{error_codes, on_both_backends, Backend, TestApp};
use uuid::Uuid;

use crate::support::{admin, rows, seeded, BIN};

/// The value of the first sample line of `/metrics` that starts with `series`.
fn sample(metrics: &str, series: &str) -> Option<f64> {
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|v| v.trim().parse().ok())
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = TestApp::spawn(BIN, &Backend::Sqlite).await.expect("app");
    let token = app.token(Uuid::new_v4());
    let query = "{ companies { totalCount } }";
    // A sane client id is kept and echoed.
    let (_, headers, _) = app
        .post_with_headers(&token, query, json!({}), &[("x-request-id", "client-42.a")])
        .await
        .expect("ok");
    assert_eq!(headers["x-request-id"], "client-42.a");
    // A missing or unprintable one is replaced by a fresh UUID.
    for given in [None, Some("has spaces and \"quotes\"")] {
        let extra: Vec<(&str, &str)> = given.map(|g| ("x-request-id", g)).into_iter().collect();
        let (_, headers, _) = app
            .post_with_headers(&token, query, json!({}), &extra)
            .await
            .expect("ok");
        let id = headers["x-request-id"].to_str().expect("ascii");
        assert!(Uuid::parse_str(id).is_ok(), "generated id {id}");
    }
    // Every route has one.
    let resp = reqwest::get(format!("{}/healthz", app.base_url))
        .await
        .expect("ok");
    assert!(resp.headers().contains_key("x-request-id"));
}

async fn metrics_are_exposed_and_move(backend: Backend) {
    let (app, summary) = seeded(&backend, 1).await;
    let token = app.token(admin(&summary, 0));
    let query = "query Flagship { companies { nodes { name studios(first: 5) { nodes { name executions(first: 2) { nodes { id } } } } } } }";
    let count =
        "studiogate_graphql_request_duration_seconds_count{operation=\"Flagship\",outcome=\"ok\"}";
    for round in 1..=2 {
        let body = app.gql(&token, query, json!({})).await.expect("ok");
        assert!(body["errors"].is_null(), "{body}");
        let (_, metrics) = app.get("/metrics").await.expect("metrics");
        assert_eq!(sample(&metrics, count), Some(f64::from(round)), "{metrics}");
        let per_request = sample(&metrics, "studiogate_db_statements_per_request_count");
        assert!(per_request >= Some(f64::from(round)), "{metrics}");
    }
    let (_, metrics) = app.get("/metrics").await.expect("metrics");
    let statements = sample(&metrics, "studiogate_db_statements_per_request_sum");
    assert!(statements >= Some(4.0), "{backend:?}: {metrics}");
    assert!(
        metrics.contains("studiogate_dataloader_batch_size_count{loader=\"studios.page\"}"),
        "{metrics}"
    );
    let max = if backend.name() == "sqlite" {
        8.0
    } else {
        20.0
    };
    assert_eq!(
        sample(&metrics, "studiogate_db_pool_max_connections"),
        Some(max)
    );
    assert!(sample(&metrics, "studiogate_db_pool_connections") >= Some(1.0));
    assert!(sample(&metrics, "studiogate_db_pool_idle_connections").is_some());
    // Errors are counted by code.
    let errors = "studiogate_graphql_errors_total{code=\"UNAUTHENTICATED\"}";
    assert_eq!(sample(&metrics, errors), None);
    let (_, body) = app
        .post(None, "{ companies { totalCount } }", json!({}))
        .await
        .expect("ok");
    assert_eq!(error_codes(&body), vec!["UNAUTHENTICATED"]);
    let (_, metrics) = app.get("/metrics").await.expect("metrics");
    assert_eq!(sample(&metrics, errors), Some(1.0), "{metrics}");
    // So are whole-request refusals outside the schema (a malformed token: HTTP 401).
    let (status, _) = app
        .post(Some("not-a-jwt"), "{ companies { totalCount } }", json!({}))
        .await
        .expect("ok");
    assert_eq!(status, 401);
    let (_, metrics) = app.get("/metrics").await.expect("metrics");
    assert_eq!(sample(&metrics, errors), Some(2.0), "{metrics}");
}
on_both_backends!(metrics_are_exposed_and_move);

async fn an_unexpected_error_is_masked_with_the_request_id(backend: Backend) {
    // Request spans are at INFO: enable them so log lines carry the request id.
    let env = [("RUST_LOG", "warn,studiogate=info")];
    let app = TestApp::spawn_with_env(BIN, &backend, &env)
        .await
        .expect("app");
    let token = app.token(Uuid::new_v4());
    // Pull a table from under the running server: its next read fails inside a loader.
    rows(
        &app,
        "ALTER TABLE user_companies RENAME TO user_companies_gone",
    )
    .await;
    let (status, headers, body) = app
        .post_with_headers(&token, "{ companies { totalCount } }", json!({}), &[])
        .await
        .expect("ok");
    assert_eq!(status, 200);
    let id = headers["x-request-id"].to_str().expect("ascii").to_owned();
    let error = &body["errors"][0];
    assert_eq!(error["message"], "Internal server error", "{body}");
    assert_eq!(error["extensions"]["code"], "INTERNAL_SERVER_ERROR");
    assert_eq!(error["extensions"]["requestId"], id.as_str());
    assert!(!body.to_string().contains("user_companies"), "{body}");
    // The detail is in the log, on a line that names the request.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let logs = app.logs();
    assert!(
        logs.lines()
            .any(|l| l.contains(&id) && l.contains("user_companies")),
        "{backend:?}: no log line with {id} and the cause:\n{logs}"
    );
}
on_both_backends!(an_unexpected_error_is_masked_with_the_request_id);
