//! Relations in both directions, each answered in one statement per level.

use serde_json::{json, Value};
use studiogate_testkit::{on_both_backends, Backend};

use crate::support::{admin, member, memberships, seeded};

async fn files_know_the_executions_that_used_them(backend: Backend) {
    const QUERY: &str = r#"{ companies(first: 1) { nodes { studios(first: 1, order: OLDEST_FIRST) { nodes {
        files(first: 15) { nodes { id usedBy(first: 100) { usageType execution { id
          files { usageType file { id } } } } } } } } } } }"#;
    let (app, seed) = seeded(&backend, 1).await;
    let token = app.token(admin(&seed, 0));
    let (n, body) = app
        .count_statements(&token, QUERY, json!({}))
        .await
        .expect("ok");
    assert!(body["errors"].is_null(), "{body}");
    let files = body["data"]["companies"]["nodes"][0]["studios"]["nodes"][0]["files"]["nodes"]
        .as_array()
        .expect("files")
        .clone();
    let mut links = 0;
    for file in &files {
        for usage in file["usedBy"].as_array().expect("usages") {
            // The way back agrees with the way there.
            let there: Vec<&Value> = usage["execution"]["files"]
                .as_array()
                .expect("files")
                .iter()
                .filter(|u| u["file"]["id"] == file["id"])
                .collect();
            assert!(!there.is_empty(), "{backend:?}: {usage}");
            assert!(there.iter().any(|u| u["usageType"] == usage["usageType"]));
            links += 1;
        }
    }
    // 40 executions of the studio use 2 or 3 files each: 100 links, minus the ones to
    // private files of other uploaders, which the admin cannot see.
    assert!(links > 60, "{backend:?}: {links} links");
    // (memberships), companies, studios, files, usages, files of those executions.
    assert_eq!(n, 5 + memberships(&backend), "{backend:?}");
}
on_both_backends!(files_know_the_executions_that_used_them);

async fn people_and_templates_lead_back_to_executions(backend: Backend) {
    const QUERY: &str = r#"{
      viewer { profile { id executions(first: 100) { totalCount nodes { user { id } } } } }
      workflowTemplates(first: 30) { nodes { id executions(first: 100) { totalCount nodes { template { id } } } } }
    }"#;
    let (app, seed) = seeded(&backend, 1).await;
    let me = member(&seed, 0, 3);
    let body = app.gql(&app.token(me), QUERY, json!({})).await.expect("ok");
    assert!(body["errors"].is_null(), "{body}");
    let mine = &body["data"]["viewer"]["profile"]["executions"];
    // Each studio's 40 executions go round-robin to 7 members: member 3 starts 6 of them.
    assert_eq!(mine["totalCount"], 60);
    for e in mine["nodes"].as_array().expect("list") {
        assert_eq!(e["user"]["id"], json!(me));
    }
    let mut total = 0;
    for t in body["data"]["workflowTemplates"]["nodes"]
        .as_array()
        .expect("list")
    {
        for e in t["executions"]["nodes"].as_array().expect("list") {
            assert_eq!(e["template"]["id"], t["id"]);
        }
        total += t["executions"]["totalCount"].as_i64().expect("count");
    }
    assert_eq!(
        total, 400,
        "{backend:?}: every execution under its template"
    );
}
on_both_backends!(people_and_templates_lead_back_to_executions);

async fn kanban_board_walks_stages_and_cards_in_order(backend: Backend) {
    const QUERY: &str = r#"{ companies(first: 1) { nodes { studios(first: 100) { nodes {
        cardFieldDefinitions { fieldName fieldType isRequired displayOrder }
        kanbanBoards { totalCount nodes { id } } } } } } }"#;
    const BOARD: &str = r#"query($id: UUID!) { kanbanBoard(id: $id) { name
        stages { name color position board { id }
          cards { title position stage { name } assignee { id } createdBy { id } } } } }"#;
    let (app, seed) = seeded(&backend, 1).await;
    let token = app.token(member(&seed, 0, 2));
    let body = app.gql(&token, QUERY, json!({})).await.expect("ok");
    let studios = body["data"]["companies"]["nodes"][0]["studios"]["nodes"]
        .as_array()
        .expect("studios")
        .clone();
    let with_board: Vec<&Value> = studios
        .iter()
        .filter(|s| s["kanbanBoards"]["totalCount"] == 1)
        .collect();
    assert_eq!(with_board.len(), 1, "{backend:?}: {body}");
    let defs = with_board[0]["cardFieldDefinitions"]
        .as_array()
        .expect("defs");
    assert_eq!(defs[0]["fieldName"], "Priority");
    assert_eq!(defs[0]["fieldType"], "DROPDOWN");
    assert_eq!(defs[1]["displayOrder"], 1);
    let board_id = with_board[0]["kanbanBoards"]["nodes"][0]["id"].clone();
    let body = app
        .gql(&token, BOARD, json!({ "id": board_id }))
        .await
        .expect("ok");
    assert!(body["errors"].is_null(), "{body}");
    let stages = body["data"]["kanbanBoard"]["stages"]
        .as_array()
        .expect("stages");
    let names: Vec<&str> = stages
        .iter()
        .map(|s| s["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["To do", "Doing", "Done"]);
    for (p, stage) in stages.iter().enumerate() {
        assert_eq!(stage["position"], p);
        assert_eq!(stage["board"]["id"], board_id);
        let cards = stage["cards"].as_array().expect("cards");
        assert_eq!(cards.len(), 2);
        for (i, card) in cards.iter().enumerate() {
            assert_eq!(card["position"], i);
            assert_eq!(card["stage"]["name"], stage["name"]);
            assert!(card["assignee"]["id"].is_string());
        }
    }
}
on_both_backends!(kanban_board_walks_stages_and_cards_in_order);
