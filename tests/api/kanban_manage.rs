//! Managing boards and stages: boards renamed by members and deleted by company admins only,
//! cards deleted by their creator or an admin, stages renamed, recoloured and deleted (their
//! cards moved to a named stage), and a board's cards as a filtered connection.

use serde_json::{json, Value};
use studiogate_testkit::{error_codes, on_both_backends, Backend, TestApp};

use crate::kanban::{board_id, priority, BOARD, CARD};
use crate::support::{admin, member, memberships, rejected, rows, seeded};

const UPDATE_BOARD: &str = r#"mutation($input: UpdateKanbanBoardInput!) { updateKanbanBoard(input: $input) { kanbanBoard { id name description updatedAt } } }"#;
const DELETE_BOARD: &str =
    r#"mutation($id: UUID!) { deleteKanbanBoard(input: { boardId: $id }) { deletedBoardId } }"#;
const DELETE_CARD: &str =
    r#"mutation($id: UUID!) { deleteKanbanCard(input: { cardId: $id }) { deletedCardId } }"#;
const UPDATE_STAGE: &str = r#"mutation($input: UpdateKanbanStageInput!) { updateKanbanStage(input: $input) { kanbanStage { id name color position } } }"#;
const DELETE_STAGE: &str = r#"mutation($input: DeleteKanbanStageInput!) { deleteKanbanStage(input: $input) { deletedStageId kanbanBoard { stages { id name position cards { id title position } } } } }"#;
const CREATE_BOARD: &str = r#"mutation($input: CreateKanbanBoardInput!) { createKanbanBoard(input: $input) { kanbanBoard { id } } }"#;
const CREATE_STAGE: &str = r#"mutation($input: CreateKanbanStageInput!) { createKanbanStage(input: $input) { kanbanStage { id } } }"#;

fn code_and_field(body: &Value) -> (Vec<String>, Value) {
    (
        error_codes(body),
        body["errors"][0]["extensions"]["field"].clone(),
    )
}

async fn studio_of(app: &TestApp, token: &str, board: &Value) -> Value {
    let q = r#"query($id: UUID!) { kanbanBoard(id: $id) { studio { id } } }"#;
    let body = app.gql(token, q, json!({ "id": board })).await.expect("ok");
    body["data"]["kanbanBoard"]["studio"]["id"].clone()
}

async fn layout(app: &TestApp, token: &str, board: &Value) -> Vec<Value> {
    let body = app
        .gql(token, BOARD, json!({ "id": board }))
        .await
        .expect("ok");
    body["data"]["kanbanBoard"]["stages"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .clone()
}

/// A new board with one stage in `studio`: `(board, stage)`.
async fn second_board(app: &TestApp, token: &str, studio: &Value, name: &str) -> (Value, Value) {
    let body = app
        .gql(
            token,
            CREATE_BOARD,
            json!({ "input": { "studioId": studio, "name": name } }),
        )
        .await
        .expect("ok");
    let board = body["data"]["createKanbanBoard"]["kanbanBoard"]["id"].clone();
    assert!(board.is_string(), "{body}");
    let body = app
        .gql(
            token,
            CREATE_STAGE,
            json!({ "input": { "boardId": board, "name": "Only", "color": "#000000" } }),
        )
        .await
        .expect("ok");
    let stage = body["data"]["createKanbanStage"]["kanbanStage"]["id"].clone();
    assert!(stage.is_string(), "{body}");
    (board, stage)
}

async fn only_company_admins_delete_boards(backend: Backend) {
    let (app, seed) = seeded(&backend, 2).await;
    let member_token = app.token(member(&seed, 0, 1));
    let board = board_id(&app, &member_token).await;

    let refused = app
        .gql(&member_token, DELETE_BOARD, json!({ "id": board }))
        .await
        .expect("ok");
    assert_eq!(error_codes(&refused), vec!["FORBIDDEN"], "{refused}");
    for outsider in [app.token(admin(&seed, 1)), app.token(rejected(&seed, 0))] {
        let hidden = app
            .gql(&outsider, DELETE_BOARD, json!({ "id": board }))
            .await
            .expect("ok");
        assert_eq!(
            code_and_field(&hidden),
            (vec!["NOT_FOUND".to_owned()], json!("boardId")),
            "{backend:?}: {hidden}"
        );
    }
    let missing = app
        .gql(
            &member_token,
            DELETE_BOARD,
            json!({ "id": uuid::Uuid::new_v4() }),
        )
        .await
        .expect("ok");
    assert_eq!(error_codes(&missing), vec!["NOT_FOUND"]);
    assert_eq!(layout(&app, &member_token, &board).await.len(), 3);

    let admin_token = app.token(admin(&seed, 0));
    let deleted = app
        .gql(&admin_token, DELETE_BOARD, json!({ "id": board }))
        .await
        .expect("ok");
    assert_eq!(
        deleted["data"]["deleteKanbanBoard"]["deletedBoardId"], board,
        "{deleted}"
    );
    let gone = app
        .gql(&admin_token, BOARD, json!({ "id": board }))
        .await
        .expect("ok");
    assert_eq!(error_codes(&gone), vec!["NOT_FOUND"], "{gone}");
    let id = board.as_str().expect("id");
    for table in ["kanban_stages", "kanban_cards"] {
        let left = rows(
            &app,
            &format!("SELECT id FROM {table} WHERE board_id = '{id}'"),
        )
        .await;
        assert!(left.is_empty(), "{backend:?}: {table} cascaded");
    }
}
on_both_backends!(only_company_admins_delete_boards);

async fn cards_are_deleted_by_their_creator_or_a_company_admin(backend: Backend) {
    let (app, seed) = seeded(&backend, 2).await;
    let (creator, other) = (
        app.token(member(&seed, 0, 1)),
        app.token(member(&seed, 0, 2)),
    );
    let board = board_id(&app, &creator).await;
    let stages = layout(&app, &creator, &board).await;
    // The seed's cards were created by the company's admin.
    let seeded_card = stages[0]["cards"][0]["id"].clone();
    let body = app
        .gql(
            &creator,
            CARD,
            json!({ "input": { "stageId": stages[0]["id"], "title": "Mine", "customFields": priority() } }),
        )
        .await
        .expect("ok");
    let mine = body["data"]["createKanbanCard"]["kanbanCard"]["id"].clone();
    assert!(mine.is_string(), "{body}");

    for (token, card) in [
        (&other, &mine),
        (&other, &seeded_card),
        (&creator, &seeded_card),
    ] {
        let refused = app
            .gql(token, DELETE_CARD, json!({ "id": card }))
            .await
            .expect("ok");
        assert_eq!(
            error_codes(&refused),
            vec!["FORBIDDEN"],
            "{backend:?}: {refused}"
        );
    }
    let foreign = app
        .gql(
            &app.token(admin(&seed, 1)),
            DELETE_CARD,
            json!({ "id": mine }),
        )
        .await
        .expect("ok");
    assert_eq!(error_codes(&foreign), vec!["NOT_FOUND"], "{foreign}");
    assert_eq!(
        layout(&app, &creator, &board).await[0]["cards"]
            .as_array()
            .expect("cards")
            .len(),
        3
    );

    let own = app
        .gql(&creator, DELETE_CARD, json!({ "id": mine }))
        .await
        .expect("ok");
    assert_eq!(
        own["data"]["deleteKanbanCard"]["deletedCardId"], mine,
        "{own}"
    );
    let by_admin = app
        .gql(
            &app.token(admin(&seed, 0)),
            DELETE_CARD,
            json!({ "id": seeded_card }),
        )
        .await
        .expect("ok");
    assert!(by_admin["errors"].is_null(), "{by_admin}");
    let left = layout(&app, &creator, &board).await;
    let cards = left[0]["cards"].as_array().expect("cards");
    assert_eq!(cards.len(), 1, "{backend:?}");
    assert_eq!(cards[0]["position"], 0);
}
on_both_backends!(cards_are_deleted_by_their_creator_or_a_company_admin);

async fn boards_are_renamed_and_redescribed(backend: Backend) {
    let (app, seed) = seeded(&backend, 2).await;
    let token = app.token(member(&seed, 0, 1));
    let board = board_id(&app, &token).await;
    let studio = studio_of(&app, &token, &board).await;
    second_board(&app, &token, &studio, "Roadmap").await;

    let renamed = app
        .gql(
            &token,
            UPDATE_BOARD,
            json!({ "input": { "id": board, "name": "Launch v2", "description": null } }),
        )
        .await
        .expect("ok");
    let node = renamed["data"]["updateKanbanBoard"]["kanbanBoard"].clone();
    assert_eq!(node["name"], "Launch v2", "{renamed}");
    assert_eq!(node["description"], Value::Null);

    let kept = app
        .gql(
            &token,
            UPDATE_BOARD,
            json!({ "input": { "id": board, "description": "Q3", "updatedAt": node["updatedAt"] } }),
        )
        .await
        .expect("ok");
    let kept = &kept["data"]["updateKanbanBoard"]["kanbanBoard"];
    assert_eq!(
        (&kept["name"], &kept["description"]),
        (&json!("Launch v2"), &json!("Q3"))
    );

    let stale = app
        .gql(
            &token,
            UPDATE_BOARD,
            json!({ "input": { "id": board, "name": "Late", "updatedAt": node["updatedAt"] } }),
        )
        .await
        .expect("ok");
    assert_eq!(error_codes(&stale), vec!["CONFLICT"], "{stale}");
    assert_eq!(stale["errors"][0]["extensions"]["reason"], "STALE_OBJECT");
    let taken = app
        .gql(
            &token,
            UPDATE_BOARD,
            json!({ "input": { "id": board, "name": "Roadmap" } }),
        )
        .await
        .expect("ok");
    assert_eq!(
        code_and_field(&taken),
        (vec!["CONFLICT".to_owned()], json!("name")),
        "{backend:?}: {taken}"
    );
    let short = app
        .gql(
            &token,
            UPDATE_BOARD,
            json!({ "input": { "id": board, "name": "ab" } }),
        )
        .await
        .expect("ok");
    assert_eq!(
        code_and_field(&short),
        (vec!["BAD_USER_INPUT".to_owned()], json!("name"))
    );
    let foreign = app
        .gql(
            &app.token(admin(&seed, 1)),
            UPDATE_BOARD,
            json!({ "input": { "id": board, "name": "Mine now" } }),
        )
        .await
        .expect("ok");
    assert_eq!(
        code_and_field(&foreign),
        (vec!["NOT_FOUND".to_owned()], json!("id"))
    );
    let q = r#"query($id: UUID!) { kanbanBoard(id: $id) { name description } }"#;
    let stored = app
        .gql(&token, q, json!({ "id": board }))
        .await
        .expect("ok");
    assert_eq!(
        stored["data"]["kanbanBoard"],
        json!({ "name": "Launch v2", "description": "Q3" }),
        "{backend:?}"
    );
}
on_both_backends!(boards_are_renamed_and_redescribed);

async fn stages_are_renamed_recoloured_and_deleted_with_their_cards_moved(backend: Backend) {
    let (app, seed) = seeded(&backend, 2).await;
    let token = app.token(member(&seed, 0, 1));
    let board = board_id(&app, &token).await;
    let stages = layout(&app, &token, &board).await;
    let (todo, doing, done) = (&stages[0], &stages[1], &stages[2]);

    let renamed = app
        .gql(
            &token,
            UPDATE_STAGE,
            json!({ "input": { "id": doing["id"], "name": "In progress", "color": "#abcdef" } }),
        )
        .await
        .expect("ok");
    assert_eq!(
        renamed["data"]["updateKanbanStage"]["kanbanStage"],
        json!({ "id": doing["id"], "name": "In progress", "color": "#ABCDEF", "position": 1 }),
        "{renamed}"
    );
    for (input, code, field) in [
        (
            json!({ "id": doing["id"], "color": "blue" }),
            "BAD_USER_INPUT",
            "color",
        ),
        (
            json!({ "id": doing["id"], "name": "X" }),
            "BAD_USER_INPUT",
            "name",
        ),
        (
            json!({ "id": doing["id"], "name": "Done" }),
            "CONFLICT",
            "name",
        ),
        (
            json!({ "id": doing["id"], "name": "Old", "updatedAt": "2020-01-01T00:00:00Z" }),
            "CONFLICT",
            "updatedAt",
        ),
        (
            json!({ "id": uuid::Uuid::new_v4(), "name": "Lost" }),
            "NOT_FOUND",
            "id",
        ),
    ] {
        let body = app
            .gql(&token, UPDATE_STAGE, json!({ "input": input }))
            .await
            .expect("ok");
        assert_eq!(
            code_and_field(&body),
            (vec![code.to_owned()], json!(field)),
            "{backend:?}: {body}"
        );
    }

    // To do holds two cards: deleting it needs a stage of the same board for them.
    let studio = studio_of(&app, &token, &board).await;
    let (_, elsewhere) = second_board(&app, &token, &studio, "Roadmap").await;
    let before = layout(&app, &token, &board).await;
    for (target, code, field) in [
        (Value::Null, "CONFLICT", "moveCardsToStageId"),
        (todo["id"].clone(), "BAD_USER_INPUT", "moveCardsToStageId"),
        (elsewhere.clone(), "BAD_USER_INPUT", "moveCardsToStageId"),
        (
            json!(uuid::Uuid::new_v4()),
            "NOT_FOUND",
            "moveCardsToStageId",
        ),
    ] {
        let body = app
            .gql(
                &token,
                DELETE_STAGE,
                json!({ "input": { "stageId": todo["id"], "moveCardsToStageId": target } }),
            )
            .await
            .expect("ok");
        assert_eq!(
            code_and_field(&body),
            (vec![code.to_owned()], json!(field)),
            "{backend:?}: {body}"
        );
    }
    let empty_refusal = app
        .gql(
            &token,
            DELETE_STAGE,
            json!({ "input": { "stageId": todo["id"] } }),
        )
        .await
        .expect("ok");
    assert_eq!(
        empty_refusal["errors"][0]["extensions"]["reason"],
        "STAGE_NOT_EMPTY"
    );
    let foreign = app
        .gql(
            &app.token(admin(&seed, 1)),
            DELETE_STAGE,
            json!({ "input": { "stageId": done["id"] } }),
        )
        .await
        .expect("ok");
    assert_eq!(error_codes(&foreign), vec!["NOT_FOUND"], "{foreign}");
    assert_eq!(
        layout(&app, &token, &board).await,
        before,
        "nothing changed"
    );

    let body = app
        .gql(
            &token,
            DELETE_STAGE,
            json!({ "input": { "stageId": todo["id"], "moveCardsToStageId": done["id"] } }),
        )
        .await
        .expect("ok");
    assert_eq!(
        body["data"]["deleteKanbanStage"]["deletedStageId"], todo["id"],
        "{body}"
    );
    let after = body["data"]["deleteKanbanStage"]["kanbanBoard"]["stages"]
        .as_array()
        .expect("stages")
        .clone();
    let names: Vec<&Value> = after.iter().map(|s| &s["name"]).collect();
    assert_eq!(
        names,
        [&json!("In progress"), &json!("Done")],
        "{backend:?}"
    );
    let titles: Vec<&Value> = after[1]["cards"]
        .as_array()
        .expect("cards")
        .iter()
        .map(|c| &c["title"])
        .collect();
    assert_eq!(
        titles,
        ["Done item 0", "Done item 1", "To do item 0", "To do item 1"]
            .map(|t| json!(t))
            .iter()
            .collect::<Vec<_>>(),
        "{backend:?}: moved to the end, in their order"
    );
    for (p, stage) in after.iter().enumerate() {
        assert_eq!(stage["position"], p);
        for (i, card) in stage["cards"].as_array().expect("cards").iter().enumerate() {
            assert_eq!(card["position"], i, "{backend:?}");
        }
    }

    // An empty stage goes without a target.
    let body = app
        .gql(
            &token,
            CREATE_STAGE,
            json!({ "input": { "boardId": board, "name": "Empty", "color": "#FFFFFF", "position": 0 } }),
        )
        .await
        .expect("ok");
    let empty = body["data"]["createKanbanStage"]["kanbanStage"]["id"].clone();
    let body = app
        .gql(
            &token,
            DELETE_STAGE,
            json!({ "input": { "stageId": empty } }),
        )
        .await
        .expect("ok");
    let positions: Vec<(Value, Value)> = body["data"]["deleteKanbanStage"]["kanbanBoard"]["stages"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|s| (s["name"].clone(), s["position"].clone()))
        .collect();
    assert_eq!(
        positions,
        [(json!("In progress"), json!(0)), (json!("Done"), json!(1))],
        "{backend:?}"
    );
}
on_both_backends!(stages_are_renamed_recoloured_and_deleted_with_their_cards_moved);

async fn a_deleted_stage_moves_its_cards_through_the_triggers(backend: Backend) {
    let (app, seed) = seeded(&backend, 1).await;
    let token = app.token(member(&seed, 0, 1));
    let board = board_id(&app, &token).await;
    let stages = layout(&app, &token, &board).await;
    let template = crate::kanban_triggers::open_template(&app, &token).await;
    let set = r#"mutation($input: SetKanbanStageTriggersInput!) { setKanbanStageTriggers(input: $input) { kanbanStage { id } } }"#;
    let entry = json!([{ "template_id": template, "is_active": true, "conditions": [{ "type": "stage_entry" }] }]);
    let body = app
        .gql(
            &token,
            set,
            json!({ "input": { "stageId": stages[2]["id"], "triggers": entry } }),
        )
        .await
        .expect("ok");
    assert!(body["errors"].is_null(), "{body}");
    let count = || async { rows(&app, "SELECT id FROM workflow_executions").await.len() };
    let start = count().await;
    let body = app
        .gql(
            &token,
            DELETE_STAGE,
            json!({ "input": { "stageId": stages[0]["id"], "moveCardsToStageId": stages[2]["id"] } }),
        )
        .await
        .expect("ok");
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(
        count().await,
        start + 2,
        "{backend:?}: one entry per moved card"
    );
}
on_both_backends!(a_deleted_stage_moves_its_cards_through_the_triggers);

async fn a_boards_cards_page_by_stage_assignee_and_due_date(backend: Backend) {
    let (app, seed) = seeded(&backend, 1).await;
    let token = app.token(member(&seed, 0, 1));
    let board = board_id(&app, &token).await;
    let stages = layout(&app, &token, &board).await;
    let update = r#"mutation($input: UpdateKanbanCardInput!) { updateKanbanCard(input: $input) { kanbanCard { id } } }"#;
    let (early, late) = (
        stages[0]["cards"][0]["id"].clone(),
        stages[1]["cards"][1]["id"].clone(),
    );
    for (card, due) in [
        (&early, "2026-01-01T00:00:00Z"),
        (&late, "2027-06-01T00:00:00Z"),
    ] {
        let body = app
            .gql(
                &token,
                update,
                json!({ "input": { "id": card, "dueDate": due } }),
            )
            .await
            .expect("ok");
        assert!(body["errors"].is_null(), "{body}");
    }
    let q = r#"query($id: UUID!, $first: Int, $after: String, $filter: KanbanCardFilter) {
      kanbanBoard(id: $id) { cards(first: $first, after: $after, filter: $filter) {
        totalCount pageInfo { hasNextPage endCursor } nodes { id stage { id } assignee { id } dueDate } } } }"#;
    let page = |first: i64, after: Value, filter: Value| {
        let vars = json!({ "id": board, "first": first, "after": after, "filter": filter });
        let app = &app;
        let token = &token;
        async move { app.gql(token, q, vars).await.expect("ok") }
    };
    // Paging through all six cards, two at a time, sees each once.
    let mut seen = Vec::new();
    let mut after = Value::Null;
    loop {
        let body = page(2, after.clone(), Value::Null).await;
        let cards = &body["data"]["kanbanBoard"]["cards"];
        assert_eq!(cards["totalCount"], 6, "{backend:?}: {body}");
        for node in cards["nodes"].as_array().expect("nodes") {
            seen.push(node["id"].clone());
        }
        if cards["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = cards["pageInfo"]["endCursor"].clone();
    }
    seen.sort_by_key(|v| v.to_string());
    seen.dedup();
    assert_eq!(seen.len(), 6, "{backend:?}");

    let in_doing = page(20, Value::Null, json!({ "stageId": stages[1]["id"] })).await;
    let nodes = in_doing["data"]["kanbanBoard"]["cards"]["nodes"]
        .as_array()
        .expect("nodes")
        .clone();
    assert_eq!(nodes.len(), 2, "{in_doing}");
    assert!(nodes.iter().all(|n| n["stage"]["id"] == stages[1]["id"]));

    let someone = nodes[0]["assignee"]["id"].clone();
    let theirs = page(20, Value::Null, json!({ "assigneeId": someone })).await;
    let theirs = theirs["data"]["kanbanBoard"]["cards"].clone();
    assert!(theirs["totalCount"].as_i64().expect("count") >= 1);
    assert!(theirs["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .all(|n| n["assignee"]["id"] == someone));
    let both = page(
        20,
        Value::Null,
        json!({ "assigneeId": someone, "stageId": stages[2]["id"] }),
    )
    .await;
    for n in both["data"]["kanbanBoard"]["cards"]["nodes"]
        .as_array()
        .expect("nodes")
    {
        assert_eq!(
            (&n["assignee"]["id"], &n["stage"]["id"]),
            (&someone, &stages[2]["id"])
        );
    }

    let due = page(
        20,
        Value::Null,
        json!({ "dueBefore": "2026-06-01T00:00:00Z" }),
    )
    .await;
    let due = &due["data"]["kanbanBoard"]["cards"];
    assert_eq!(due["totalCount"], 1, "{backend:?}: {due}");
    assert_eq!(due["nodes"][0]["id"], early);
    let later = page(
        20,
        Value::Null,
        json!({ "dueBefore": "2030-01-01T00:00:00Z" }),
    )
    .await;
    assert_eq!(
        later["data"]["kanbanBoard"]["cards"]["totalCount"], 2,
        "{later}"
    );

    let bad = page(0, Value::Null, Value::Null).await;
    assert_eq!(error_codes(&bad), vec!["BAD_USER_INPUT"], "{bad}");
    let foreign = app
        .gql(&app.token(rejected(&seed, 0)), q, json!({ "id": board }))
        .await
        .expect("ok");
    assert_eq!(error_codes(&foreign), vec!["NOT_FOUND"], "{foreign}");
}
on_both_backends!(a_boards_cards_page_by_stage_assignee_and_due_date);

async fn board_cards_under_many_boards_cost_one_statement_per_level(backend: Backend) {
    let (app, seed) = seeded(&backend, 1).await;
    let token = app.token(member(&seed, 0, 1));
    let studios = app
        .gql(&token, "{ companies(first: 1) { nodes { studios(first: 3, order: OLDEST_FIRST) { nodes { id } } } } }", json!({}))
        .await
        .expect("ok");
    let studios = studios["data"]["companies"]["nodes"][0]["studios"]["nodes"]
        .as_array()
        .expect("studios")
        .clone();
    for (i, studio) in studios.iter().enumerate().skip(1) {
        let (_, stage) = second_board(&app, &token, &studio["id"], &format!("Board {i}")).await;
        for n in 0..2 {
            let body = app
                .gql(
                    &token,
                    CARD,
                    json!({ "input": { "stageId": stage, "title": format!("Card {n}") } }),
                )
                .await
                .expect("ok");
            assert!(body["errors"].is_null(), "{body}");
        }
    }
    const QUERY: &str = r#"{ companies(first: 1) { nodes { studios(first: 3, order: OLDEST_FIRST) { nodes {
        kanbanBoards(first: 5) { nodes { id cards(first: 10) { totalCount nodes { id title } } } } } } } } }"#;
    let (n, body) = app
        .count_statements(&token, QUERY, json!({}))
        .await
        .expect("ok");
    assert!(body["errors"].is_null(), "{body}");
    let boards: Vec<Value> = body["data"]["companies"]["nodes"][0]["studios"]["nodes"]
        .as_array()
        .expect("studios")
        .iter()
        .flat_map(|s| {
            s["kanbanBoards"]["nodes"]
                .as_array()
                .expect("boards")
                .clone()
        })
        .collect();
    assert_eq!(boards.len(), 3, "{body}");
    let counts: Vec<&Value> = boards.iter().map(|b| &b["cards"]["totalCount"]).collect();
    assert_eq!(counts, [&json!(6), &json!(2), &json!(2)], "{backend:?}");
    // (memberships), companies, studios, boards, a page of cards, their counts.
    assert_eq!(n, 5 + memberships(&backend), "{backend:?}");
}
on_both_backends!(board_cards_under_many_boards_cost_one_statement_per_level);
