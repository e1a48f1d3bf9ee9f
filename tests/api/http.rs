use serde_json::json;
use studiogate_testkit::{on_both_backends, Backend, TestApp};

use crate::support::BIN;

async fn health_readiness_metrics_and_graphiql_are_served(backend: Backend) {
    let app = TestApp::spawn(BIN, &backend).await.expect("starts");
    assert_eq!(app.get("/healthz").await.expect("ok"), (200, "ok".into()));
    assert_eq!(app.get("/readyz").await.expect("ok").0, 200);
    let (status, page) = app.get("/graphql").await.expect("ok");
    assert_eq!(status, 200);
    assert!(page.contains("graphiql"), "GraphiQL page");
    let before = app.statements().await.expect("metric");
    let (_, metrics) = app.get("/metrics").await.expect("ok");
    assert!(metrics.contains("# TYPE studiogate_db_statements counter"));
    let token = app.token(uuid::Uuid::new_v4());
    app.gql(&token, "{ companies { nodes { id } } }", json!({}))
        .await
        .expect("ok");
    assert!(
        app.statements().await.expect("metric") > before,
        "counter moves"
    );
}
on_both_backends!(health_readiness_metrics_and_graphiql_are_served);

#[tokio::test]
async fn committed_schema_matches_the_code() {
    let out = std::process::Command::new(BIN)
        .arg("schema")
        .output()
        .expect("runs");
    assert!(out.status.success());
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql"))
        .expect("schema.graphql");
    assert!(
        committed == String::from_utf8_lossy(&out.stdout),
        "schema.graphql is stale: run `just schema`"
    );
}
