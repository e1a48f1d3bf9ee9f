//! Kanban writes: positions stay 0..n-1 through inserts, moves and deletes, also under
//! concurrent moves.

use futures_util::future::join_all;
use serde_json::{json, Value};
use std::collections::HashMap;
use studiogate_testkit::{error_codes, on_both_backends, Backend, TestApp};

use crate::kanban_triggers::open_template;
use crate::support::{member, rejected, seeded};

pub(crate) const BOARD: &str = r#"query($id: UUID!) { kanbanBoard(id: $id) { stages { id name position cards { id title position } } } }"#;
pub(crate) const CARD: &str = r#"mutation($input: CreateKanbanCardInput!) { createKanbanCard(input: $input) { kanbanCard { id position stage { id } } } }"#;
pub(crate) const MOVE: &str = r#"mutation($input: MoveKanbanCardInput!) { moveKanbanCard(input: $input) { kanbanCard { id position stage { id } } } }"#;
const BOARD_TRIGGERS: &str =
    r#"query($id: UUID!) { kanbanBoard(id: $id) { stages { workflowTriggers } } }"#;

/// The seeded studio requires its Priority field on every card.
pub(crate) fn priority() -> Value {
    json!([{ "field_name": "Priority", "field_type": "dropdown", "field_value": "High" }])
}

/// The ids of `board`'s first two stages (to do, doing) and of the first card of the first.
pub(crate) async fn first_stages_and_card(
    app: &TestApp,
    token: &str,
    board: &Value,
) -> (Value, Value, Value) {
    let layout = app
        .gql(token, BOARD, json!({ "id": board }))
        .await
        .expect("ok");
    let stages = layout["data"]["kanbanBoard"]["stages"]
        .as_array()
        .expect("stages");
    (
        stages[0]["id"].clone(),
        stages[1]["id"].clone(),
        stages[0]["cards"][0]["id"].clone(),
    )
}

pub(crate) async fn board_id(app: &TestApp, token: &str) -> Value {
    let q = r#"{ companies(first: 1) { nodes { studios(first: 100) { nodes { kanbanBoards(first: 5) { nodes { id } } } } } } }"#;
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

async fn stages_and_cards_keep_contiguous_positions(backend: Backend) {
    let (app, seed) = seeded(&backend, 1).await;
    let token = app.token(member(&seed, 0, 1));
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

    let outsider = crate::support::pending(&seed, 0);
    let refused = app.gql(&token, CARD, json!({ "input": { "stageId": stages[1]["id"], "title": "T", "assigneeId": outsider } })).await.expect("ok");
    assert_eq!(
        refused["errors"][0]["extensions"]["field"], "assigneeId",
        "{refused}"
    );
    let top = app.gql(&token, CARD, json!({ "input": { "stageId": stages[1]["id"], "title": "Urgent", "position": 0, "assigneeId": member(&seed, 0, 2), "customFields": priority() } })).await.expect("ok");
    let top = top["data"]["createKanbanCard"]["kanbanCard"].clone();
    assert_eq!(top["position"], 0, "{top}");
    let moved = app
        .gql(
            &token,
            MOVE,
            json!({ "input": { "cardId": top["id"], "stageId": stages[3]["id"], "position": 1 } }),
        )
        .await
        .expect("ok");
    assert_eq!(
        moved["data"]["moveKanbanCard"]["kanbanCard"]["position"], 1,
        "{moved}"
    );
    let delete =
        r#"mutation($id: UUID!) { deleteKanbanCard(input: { cardId: $id }) { deletedCardId } }"#;
    let first_card = stages[2]["cards"][0]["id"].clone();
    // The seed's cards were created by the company's admin, who may delete them.
    let deleted = app
        .gql(
            &app.token(crate::support::admin(&seed, 0)),
            delete,
            json!({ "id": first_card }),
        )
        .await
        .expect("ok");
    assert!(deleted["errors"].is_null(), "{deleted}");
    let layout = app
        .gql(&token, BOARD, json!({ "id": board }))
        .await
        .expect("ok");
    assert_eq!(assert_contiguous(&layout), 6, "{backend:?}");

    let move_stage = r#"mutation($input: MoveKanbanStageInput!) { moveKanbanStage(input: $input) { kanbanStage { position } } }"#;
    let last = app
        .gql(
            &token,
            move_stage,
            json!({ "input": { "stageId": stages[0]["id"], "position": 9 } }),
        )
        .await
        .expect("ok");
    assert_eq!(
        last["data"]["moveKanbanStage"]["kanbanStage"]["position"], 3,
        "{last}"
    );
    let layout = app
        .gql(&token, BOARD, json!({ "id": board }))
        .await
        .expect("ok");
    assert_contiguous(&layout);
    let names: Vec<&str> = layout["data"]["kanbanBoard"]["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .map(|s| s["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["To do", "Doing", "Done", "Backlog"]);

    let foreign = app.token(rejected(&seed, 0));
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
on_both_backends!(stages_and_cards_keep_contiguous_positions);

async fn concurrent_moves_leave_positions_contiguous_and_unique(backend: Backend) {
    let (app, seed) = seeded(&backend, 1).await;
    let token = app.token(member(&seed, 0, 1));
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
                json!({ "input": { "stageId": stages[0], "title": format!("Card {n}"), "customFields": priority() } }),
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
on_both_backends!(concurrent_moves_leave_positions_contiguous_and_unique);

async fn card_custom_fields_follow_the_studio_definitions(backend: Backend) {
    let (app, seed) = seeded(&backend, 1).await;
    let token = app.token(member(&seed, 0, 1));
    let board = board_id(&app, &token).await;
    let layout = app
        .gql(&token, BOARD, json!({ "id": board }))
        .await
        .expect("ok");
    let stage = layout["data"]["kanbanBoard"]["stages"][0]["id"].clone();
    let field = |name: &str, kind: &str, value: Value| json!({ "field_name": name, "field_type": kind, "field_value": value });
    let card = |fields: Value| json!({ "input": { "stageId": stage, "title": "Typed", "customFields": fields } });
    for (fields, path) in [
        (
            json!([field("Priority", "dropdown", json!("Urgent"))]),
            "customFields.0.field_value",
        ),
        (
            json!([
                field("Priority", "dropdown", json!("High")),
                field("Estimate", "number", json!(1.25))
            ]),
            "customFields.1.field_value",
        ),
        (
            json!([field("Estimate", "number", json!(3))]),
            "customFields",
        ),
        (
            json!([
                field("Priority", "dropdown", json!("High")),
                field("Colour", "text", json!("red"))
            ]),
            "customFields.1.field_name",
        ),
    ] {
        let body = app.gql(&token, CARD, card(fields)).await.expect("ok");
        assert_eq!(error_codes(&body), vec!["BAD_USER_INPUT"], "{body}");
        assert_eq!(
            body["errors"][0]["extensions"]["field"], path,
            "{backend:?}"
        );
    }
    let ok = app
        .gql(
            &token,
            CARD,
            card(json!([
                field("Priority", "dropdown", json!("Low")),
                field("Estimate", "number", json!(2.5))
            ])),
        )
        .await
        .expect("ok");
    assert!(ok["errors"].is_null(), "{ok}");

    let define = r#"mutation($input: CreateCardFieldDefinitionInput!) { createCardFieldDefinition(input: $input) { cardFieldDefinition { fieldName fieldType displayOrder } } }"#;
    let studio_q = r#"query($id: UUID!) { kanbanBoard(id: $id) { studio { id } } }"#;
    let studio = app
        .gql(&token, studio_q, json!({ "id": board }))
        .await
        .expect("ok")["data"]["kanbanBoard"]["studio"]["id"]
        .clone();
    let bad = app.gql(&token, define, json!({ "input": { "studioId": studio, "fieldName": "Notes", "fieldType": "TEXT", "fieldConfig": { "max_length": 0 } } })).await.expect("ok");
    assert_eq!(
        bad["errors"][0]["extensions"]["field"], "fieldConfig.max_length",
        "{bad}"
    );
    let good = app.gql(&token, define, json!({ "input": { "studioId": studio, "fieldName": "Notes", "fieldType": "TEXT", "fieldConfig": { "max_length": 280 } } })).await.expect("ok");
    assert_eq!(
        good["data"]["createCardFieldDefinition"]["cardFieldDefinition"]["displayOrder"], 2,
        "{good}"
    );
    let dup = app.gql(&token, define, json!({ "input": { "studioId": studio, "fieldName": "Notes", "fieldType": "TEXT", "fieldConfig": { "max_length": 5 } } })).await.expect("ok");
    assert_eq!(error_codes(&dup), vec!["CONFLICT"]);
}
on_both_backends!(card_custom_fields_follow_the_studio_definitions);

async fn stage_triggers_fire_exactly_once_per_qualifying_change(backend: Backend) {
    let (app, seed) = seeded(&backend, 1).await;
    let token = app.token(member(&seed, 0, 1));
    let board = board_id(&app, &token).await;
    let (todo, doing, card) = first_stages_and_card(&app, &token, &board).await;
    // The seed's templates require a `subject` that a card's input does not carry.
    let template = open_template(&app, &token).await;
    let set = r#"mutation($input: SetKanbanStageTriggersInput!) { setKanbanStageTriggers(input: $input) { kanbanStage { workflowTriggers } } }"#;
    let t = |active: bool, conditions: Value| json!({ "template_id": template, "is_active": active, "conditions": conditions });
    let bad = app.gql(&token, set, json!({ "input": { "stageId": doing, "triggers": [{ "template_id": uuid::Uuid::new_v4(), "is_active": true, "conditions": [{ "type": "stage_entry" }] }] } })).await.expect("ok");
    assert_eq!(
        bad["errors"][0]["extensions"]["field"], "triggers.0.template_id",
        "{bad}"
    );
    for (stage, triggers) in [
        (&todo, json!([t(true, json!([{ "type": "stage_exit" }]))])),
        (
            &doing,
            json!([
                t(true, json!([{ "type": "stage_entry" }])),
                t(false, json!([{ "type": "stage_entry" }])),
                t(
                    true,
                    json!([{ "type": "attribute_change", "field_name": "Priority", "operator": "=", "field_value": "Low" }])
                ),
            ]),
        ),
    ] {
        let body = app
            .gql(
                &token,
                set,
                json!({ "input": { "stageId": stage, "triggers": triggers } }),
            )
            .await
            .expect("ok");
        assert!(body["errors"].is_null(), "{body}");
    }
    let executions = || async {
        crate::support::rows(&app, "SELECT id FROM workflow_executions")
            .await
            .len()
    };
    let start = executions().await;
    app.gql(
        &token,
        MOVE,
        json!({ "input": { "cardId": card, "stageId": doing } }),
    )
    .await
    .expect("ok");
    assert_eq!(
        executions().await,
        start + 2,
        "{backend:?}: exit of To do + entry of Doing, not the inactive one"
    );
    app.gql(
        &token,
        MOVE,
        json!({ "input": { "cardId": card, "stageId": doing, "position": 0 } }),
    )
    .await
    .expect("ok");
    assert_eq!(
        executions().await,
        start + 2,
        "a reorder within the stage is no entry"
    );

    let update = r#"mutation($input: UpdateKanbanCardInput!) { updateKanbanCard(input: $input) { kanbanCard { customFields } } }"#;
    let fields = |p: &str, e: f64| json!([{ "field_name": "Priority", "field_type": "dropdown", "field_value": p }, { "field_name": "Estimate", "field_type": "number", "field_value": e }]);
    let body = app
        .gql(
            &token,
            update,
            json!({ "input": { "id": card, "customFields": fields("Low", 1.0) } }),
        )
        .await
        .expect("ok");
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(
        executions().await,
        start + 3,
        "{backend:?}: Priority became Low"
    );
    app.gql(
        &token,
        update,
        json!({ "input": { "id": card, "customFields": fields("Low", 2.0) } }),
    )
    .await
    .expect("ok");
    assert_eq!(executions().await, start + 3, "Priority did not change");
    let q = r#"query($id: UUID!) { studio(id: $id) { executions(first: 1) { nodes { status inputData } } } }"#;
    let studio = app
        .gql(
            &token,
            r#"query($id: UUID!) { kanbanBoard(id: $id) { studio { id } } }"#,
            json!({ "id": board }),
        )
        .await
        .expect("ok")["data"]["kanbanBoard"]["studio"]["id"]
        .clone();
    let newest = app
        .gql(&token, q, json!({ "id": studio }))
        .await
        .expect("ok");
    let input = &newest["data"]["studio"]["executions"]["nodes"][0]["inputData"];
    assert_eq!(input["event"], "attribute_change", "{newest}");
    assert_eq!(input["card"]["id"], card);
}
on_both_backends!(stage_triggers_fire_exactly_once_per_qualifying_change);

async fn a_stage_holds_at_most_20_triggers_and_a_move_starts_at_most_20(backend: Backend) {
    let (app, seed) = seeded(&backend, 1).await;
    let token = app.token(member(&seed, 0, 1));
    let board = board_id(&app, &token).await;
    let (todo, doing, card) = first_stages_and_card(&app, &token, &board).await;
    // The seed's templates require a `subject` that a card's input does not carry.
    let template = open_template(&app, &token).await;
    let entry = json!({ "template_id": template, "is_active": true, "conditions": [{ "type": "stage_entry" }] });
    let set = r#"mutation($input: SetKanbanStageTriggersInput!) { setKanbanStageTriggers(input: $input) { kanbanStage { workflowTriggers } } }"#;
    let triggers = |n: usize| Value::Array(vec![entry.clone(); n]);

    for (stage, n) in [(&todo, 0), (&doing, 20)] {
        let body = app
            .gql(
                &token,
                set,
                json!({ "input": { "stageId": stage, "triggers": triggers(n) } }),
            )
            .await
            .expect("ok");
        assert!(body["errors"].is_null(), "{backend:?}: {body}");
    }
    let refused = app
        .gql(
            &token,
            set,
            json!({ "input": { "stageId": doing, "triggers": triggers(2000) } }),
        )
        .await
        .expect("ok");
    assert_eq!(error_codes(&refused), vec!["BAD_USER_INPUT"], "{refused}");
    assert_eq!(
        refused["errors"][0]["extensions"]["field"], "triggers",
        "{refused}"
    );
    let after = app
        .gql(&token, BOARD_TRIGGERS, json!({ "id": board }))
        .await
        .expect("ok");
    assert_eq!(
        after["data"]["kanbanBoard"]["stages"][1]["workflowTriggers"],
        triggers(20),
        "{backend:?}: the refused list wrote nothing"
    );

    // A stage written before the limit, with 2,000 triggers: a move still starts 20.
    crate::kanban_triggers::set_json(
        &app,
        "kanban_stages",
        "workflow_triggers",
        &doing,
        triggers(2000),
    )
    .await;
    let executions = || async {
        crate::support::rows(&app, "SELECT id FROM workflow_executions")
            .await
            .len()
    };
    let start = executions().await;
    let moved = app
        .gql(
            &token,
            MOVE,
            json!({ "input": { "cardId": card, "stageId": doing } }),
        )
        .await
        .expect("ok");
    assert!(moved["errors"].is_null(), "{moved}");
    assert_eq!(executions().await, start + 20, "{backend:?}");
}
on_both_backends!(a_stage_holds_at_most_20_triggers_and_a_move_starts_at_most_20);
