//! Kanban writes: positions stay 0..n-1 through inserts, moves and deletes, also under
//! concurrent moves.

use futures_util::future::join_all;
use serde_json::{json, Value};
use std::collections::HashMap;
use studiogate_testkit::{backends, error_codes, TestApp};

use crate::support::{account, seeded};

const BOARD: &str = r#"query($id: UUID!) { kanbanBoard(id: $id) { stages { id name position cards { id title position } } } }"#;
const CARD: &str = r#"mutation($input: CreateKanbanCardInput!) { createKanbanCard(input: $input) { kanbanCard { id position stage { id } } } }"#;
const MOVE: &str = r#"mutation($input: MoveKanbanCardInput!) { moveKanbanCard(input: $input) { kanbanCard { id position stage { id } } } }"#;

async fn board_id(app: &TestApp, token: &str) -> Value {
    let q = r#"{ companies { nodes { studios(first: 100) { nodes { kanbanBoards { nodes { id } } } } } } }"#;
    let body = app.gql(token, q, json!({})).await.expect("ok");
    let studios = body["data"]["companies"]["nodes"][0]["studios"]["nodes"]
        .as_array()
        .expect("studios")
        .clone();
    studios
        .iter()
        .find_map(|s| s["kanbanBoards"]["nodes"].get(0).map(|b| b["id"].clone()))
        .expect("a board")
}

/// Every stage's positions are exactly 0..n-1, in the order the API lists them.
fn assert_contiguous(board: &Value) -> usize {
    let mut cards = 0;
    for (p, stage) in board["data"]["kanbanBoard"]["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .enumerate()
    {
        assert_eq!(stage["position"], p, "{board}");
        for (i, card) in stage["cards"].as_array().expect("cards").iter().enumerate() {
            assert_eq!(card["position"], i, "gap or duplicate: {board}");
            cards += 1;
        }
    }
    cards
}

#[tokio::test]
async fn stages_and_cards_keep_contiguous_positions() {
    for backend in backends() {
        let (app, seed) = seeded(&backend, 1).await;
        let token = app.token(account(&seed, 0, 1));
        let board = board_id(&app, &token).await;
        let stage = r#"mutation($input: CreateKanbanStageInput!) { createKanbanStage(input: $input) { kanbanStage { id position } } }"#;
        let bad = app
            .gql(
                &token,
                stage,
                json!({ "input": { "boardId": board, "name": "Review", "color": "blue" } }),
            )
            .await
            .expect("ok");
        assert_eq!(
            (
                error_codes(&bad),
                bad["errors"][0]["extensions"]["field"].clone()
            ),
            (vec!["BAD_USER_INPUT".to_owned()], json!("color"))
        );
        let first = app.gql(&token, stage, json!({ "input": { "boardId": board, "name": "Backlog", "color": "#111111", "position": 0 } })).await.expect("ok");
        assert_eq!(
            first["data"]["createKanbanStage"]["kanbanStage"]["position"], 0,
            "{first}"
        );
        let dup = app
            .gql(
                &token,
                stage,
                json!({ "input": { "boardId": board, "name": "Backlog", "color": "#111111" } }),
            )
            .await
            .expect("ok");
        assert_eq!(error_codes(&dup), vec!["CONFLICT"]);

        let layout = app
            .gql(&token, BOARD, json!({ "id": board }))
            .await
            .expect("ok");
        assert_contiguous(&layout);
        let stages = layout["data"]["kanbanBoard"]["stages"]
            .as_array()
            .expect("stages")
            .clone();
        let names: Vec<&str> = stages
            .iter()
            .map(|s| s["name"].as_str().expect("name"))
            .collect();
        assert_eq!(names, ["Backlog", "To do", "Doing", "Done"]);

        let outsider = crate::support::account(&seed, 0, 7);
        let refused = app.gql(&token, CARD, json!({ "input": { "stageId": stages[1]["id"], "title": "T", "assigneeId": outsider } })).await.expect("ok");
        assert_eq!(
            refused["errors"][0]["extensions"]["field"], "assigneeId",
            "{refused}"
        );
        let top = app.gql(&token, CARD, json!({ "input": { "stageId": stages[1]["id"], "title": "Urgent", "position": 0, "assigneeId": account(&seed, 0, 2) } })).await.expect("ok");
        let top = top["data"]["createKanbanCard"]["kanbanCard"].clone();
        assert_eq!(top["position"], 0, "{top}");
        let moved = app.gql(&token, MOVE, json!({ "input": { "cardId": top["id"], "stageId": stages[3]["id"], "position": 1 } })).await.expect("ok");
        assert_eq!(
            moved["data"]["moveKanbanCard"]["kanbanCard"]["position"], 1,
            "{moved}"
        );
        let delete = r#"mutation($id: UUID!) { deleteKanbanCard(input: { cardId: $id }) { deletedCardId } }"#;
        let first_card = stages[2]["cards"][0]["id"].clone();
        app.gql(&token, delete, json!({ "id": first_card }))
            .await
            .expect("ok");
        let layout = app
            .gql(&token, BOARD, json!({ "id": board }))
            .await
            .expect("ok");
        assert_eq!(assert_contiguous(&layout), 6, "{backend:?}");

        let foreign = app.token(account(&seed, 0, 8));
        let nope = app
            .gql(
                &foreign,
                MOVE,
                json!({ "input": { "cardId": top["id"], "stageId": stages[1]["id"] } }),
            )
            .await
            .expect("ok");
        assert_eq!(error_codes(&nope), vec!["NOT_FOUND"]);
    }
}

#[tokio::test]
async fn concurrent_moves_leave_positions_contiguous_and_unique() {
    for backend in backends() {
        let (app, seed) = seeded(&backend, 1).await;
        let token = app.token(account(&seed, 0, 1));
        let board = board_id(&app, &token).await;
        let layout = app
            .gql(&token, BOARD, json!({ "id": board }))
            .await
            .expect("ok");
        let stages: Vec<Value> = layout["data"]["kanbanBoard"]["stages"]
            .as_array()
            .expect("stages")
            .iter()
            .map(|s| s["id"].clone())
            .collect();
        let mut cards = Vec::new();
        for n in 0..10 {
            let body = app
                .gql(
                    &token,
                    CARD,
                    json!({ "input": { "stageId": stages[0], "title": format!("Card {n}") } }),
                )
                .await
                .expect("ok");
            cards.push(body["data"]["createKanbanCard"]["kanbanCard"]["id"].clone());
        }
        let total = assert_contiguous(
            &app.gql(&token, BOARD, json!({ "id": board }))
                .await
                .expect("ok"),
        );
        let moves = (0..24).map(|i| {
            let input = json!({ "input": { "cardId": cards[i % cards.len()], "stageId": stages[i % 3], "position": i % 4 } });
            app.gql(&token, MOVE, input)
        });
        let results = join_all(moves).await;
        for body in results {
            let body = body.expect("response");
            assert!(
                body["errors"].is_null(),
                "{backend:?}: a concurrent move failed: {body}"
            );
        }
        let after = app
            .gql(&token, BOARD, json!({ "id": board }))
            .await
            .expect("ok");
        assert_eq!(
            assert_contiguous(&after),
            total,
            "{backend:?}: cards lost or duplicated"
        );
        let mut seen: HashMap<String, usize> = HashMap::new();
        for stage in after["data"]["kanbanBoard"]["stages"]
            .as_array()
            .expect("stages")
        {
            for card in stage["cards"].as_array().expect("cards") {
                *seen.entry(card["id"].to_string()).or_default() += 1;
            }
        }
        assert!(seen.values().all(|n| *n == 1));
    }
}
