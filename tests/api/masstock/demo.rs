//! The demo of an empty SQLite database covers MasStock: the banner's demo account (the
//! Studios demo admin, the first account) owns MasStock's first demo client.

use serde_json::json;
use studiogate_testkit::{Backend, TestApp};

#[tokio::test]
async fn the_demo_token_can_query_masstock() {
    let env = [("STUDIOGATE_DEMO", "on")];
    let app = TestApp::spawn_with_env(crate::support::BIN, &Backend::Sqlite, &env)
        .await
        .expect("app starts");
    let token = app.token(studiogate_studios::seed::demo_admin());
    let q = "{ masstock { myRole clients { nodes { name workflows { totalCount } \
        executions(first: 3) { nodes { status batchResults { status } } } } } } }";
    let data = super::ok(&app, &token, q, json!({})).await;
    let clients = data["masstock"]["clients"]["nodes"]
        .as_array()
        .expect("clients");
    assert_eq!(clients.len(), 1, "{data}");
    assert_eq!(clients[0]["name"], "Client 000");
    assert_eq!(clients[0]["workflows"]["totalCount"], 2);
    assert_eq!(
        clients[0]["executions"]["nodes"].as_array().map(Vec::len),
        Some(3)
    );
    assert_eq!(data["masstock"]["myRole"], "USER");
}
