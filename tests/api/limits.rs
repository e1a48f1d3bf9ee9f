//! Operation limits: the depth limit refuses the smallest operation that crosses it and
//! accepts the largest that does not.

use serde_json::json;
use studiogate_testkit::{backends, error_codes, TestApp};
use uuid::Uuid;

use crate::support::BIN;

/// A valid operation `fields` fields deep (the leaf included), walking
/// viewer -> memberships -> company -> members -> nodes -> company -> ...
fn deep(fields: usize) -> String {
    let cycle = ["company", "members(first: 1)", "nodes"];
    let mut path: Vec<&str> = vec!["viewer", "memberships"];
    while path.len() < fields - 1 {
        path.push(cycle[(path.len() - 2) % 3]);
    }
    let leaf = if path.last() == Some(&"members(first: 1)") {
        "totalCount"
    } else {
        "id"
    };
    let open: String = path.iter().map(|f| format!("{f} {{ ")).collect();
    format!("{{ {open}{leaf}{} }}", " }".repeat(path.len()))
}

#[tokio::test]
async fn the_depth_limit_refuses_just_past_the_line() {
    let backend = &backends()[0];
    let app = TestApp::spawn(BIN, backend).await.expect("app");
    let token = app.token(Uuid::new_v4());
    // Depth counts fields from the root: 12 passes, 13 does not.
    for (depth, ok) in [(12, true), (13, false)] {
        let body = app.gql(&token, &deep(depth), json!({})).await.expect("ok");
        if ok {
            assert!(body["errors"].is_null(), "depth {depth}: {body}");
        } else {
            assert_eq!(
                error_codes(&body),
                vec!["GRAPHQL_VALIDATION_FAILED"],
                "depth {depth}: {body}"
            );
        }
    }
    // The flagship query is well inside the depth limit.
    let body = app
        .gql(&token, crate::nested::FLAGSHIP, json!({}))
        .await
        .expect("ok");
    assert!(body["errors"].is_null(), "{body}");
}
