//! Stage triggers as cards move and are created: the execution's input is the card as it is
//! after the change, and it is checked against the template's input schema like any other
//! execution's.

use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::{json, Value};
use studiogate_testkit::{error_codes, on_both_backends, Backend, TestApp};

use crate::kanban::{board_id, first_stages_and_card, priority, BOARD, CARD, MOVE};
use crate::support::{member, rows, seeded};

const SET: &str = r#"mutation($input: SetKanbanStageTriggersInput!) { setKanbanStageTriggers(input: $input) { kanbanStage { workflowTriggers } } }"#;

/// Writes `value` into the JSON `column` of row `id` of `table`, bound as parameters so the
/// id matches however the backend stores uuids (text on PostgreSQL, bytes on SQLite).
pub(crate) async fn set_json(app: &TestApp, table: &str, column: &str, id: &Value, value: Value) {
    let db = app.db.connect().await.expect("connect");
    let backend = db.get_database_backend();
    let (a, b) = match backend {
        DbBackend::Postgres => ("$1", "$2"),
        _ => ("?", "?"),
    };
    let id: uuid::Uuid = serde_json::from_value(id.clone()).expect("a uuid");
    let sql = format!("UPDATE {table} SET {column} = {a} WHERE id = {b}");
    let done = db
        .execute(Statement::from_sql_and_values(
            backend,
            sql,
            [value.into(), id.into()],
        ))
        .await
        .expect("update");
    assert_eq!(done.rows_affected(), 1, "{table} {id}");
}

/// A template of the catalog whose input schema is `schema` (the seed's templates all require
/// a `subject`).
async fn template_with_schema(app: &TestApp, token: &str, schema: Value) -> Value {
    let template = crate::realtime::template(app, token).await;
    set_json(app, "workflow_templates", "input_schema", &template, schema).await;
    template
}

/// A template of the catalog that takes any JSON object as input.
pub(crate) async fn open_template(app: &TestApp, token: &str) -> Value {
    template_with_schema(app, token, json!({ "type": "object" })).await
}

/// One trigger of `template` firing on `kind` (stage_entry, stage_exit).
fn on(template: &Value, kind: &str) -> Value {
    json!([{ "template_id": template, "is_active": true, "conditions": [{ "type": kind }] }])
}

async fn set_triggers(app: &TestApp, token: &str, stage: &Value, triggers: Value) {
    let body = app
        .gql(
            token,
            SET,
            json!({ "input": { "stageId": stage, "triggers": triggers } }),
        )
        .await
        .expect("ok");
    assert!(body["errors"].is_null(), "{body}");
}

/// The `inputData` of every execution a trigger started for `card`, newest first.
async fn trigger_inputs(app: &TestApp, token: &str, board: &Value, card: &Value) -> Vec<Value> {
    let q = r#"query($id: UUID!) { kanbanBoard(id: $id) { studio { executions(first: 50) { nodes { inputData } } } } }"#;
    let body = app.gql(token, q, json!({ "id": board })).await.expect("ok");
    body["data"]["kanbanBoard"]["studio"]["executions"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("executions: {body}"))
        .iter()
        .map(|n| n["inputData"].clone())
        .filter(|input| input["card"]["id"] == *card)
        .collect()
}

async fn execution_count(app: &TestApp) -> usize {
    rows(app, "SELECT id FROM workflow_executions").await.len()
}

async fn a_moved_card_reaches_both_stages_triggers_as_it_is_after_the_move(backend: Backend) {
    let (app, seed) = seeded(&backend, 1).await;
    let token = app.token(member(&seed, 0, 1));
    let board = board_id(&app, &token).await;
    let (todo, doing, card) = first_stages_and_card(&app, &token, &board).await;
    let template = open_template(&app, &token).await;
    set_triggers(&app, &token, &todo, on(&template, "stage_exit")).await;
    set_triggers(&app, &token, &doing, on(&template, "stage_entry")).await;

    let moved = app
        .gql(
            &token,
            MOVE,
            json!({ "input": { "cardId": card, "stageId": doing, "position": 0 } }),
        )
        .await
        .expect("ok");
    assert!(moved["errors"].is_null(), "{moved}");
    let inputs = trigger_inputs(&app, &token, &board, &card).await;
    assert_eq!(inputs.len(), 2, "{backend:?}: exit and entry: {inputs:?}");
    let mut events: Vec<&str> = inputs
        .iter()
        .map(|i| i["event"].as_str().expect("event"))
        .collect();
    events.sort_unstable();
    assert_eq!(events, ["stage_entry", "stage_exit"]);
    for input in &inputs {
        assert_eq!(
            input["card"]["stage_id"], doing,
            "{backend:?}: the card as it is after the move: {input}"
        );
        assert_eq!(input["card"]["position"], 0, "{input}");
    }
}
on_both_backends!(a_moved_card_reaches_both_stages_triggers_as_it_is_after_the_move);

async fn a_trigger_whose_input_fails_its_template_schema_refuses_the_change(backend: Backend) {
    let (app, seed) = seeded(&backend, 1).await;
    let token = app.token(member(&seed, 0, 1));
    let board = board_id(&app, &token).await;
    let (todo, doing, card) = first_stages_and_card(&app, &token, &board).await;
    // The seed's templates require a `subject`, which a card does not carry.
    let strict = crate::realtime::template(&app, &token).await;
    set_triggers(&app, &token, &doing, on(&strict, "stage_entry")).await;
    let layout = app
        .gql(&token, BOARD, json!({ "id": board }))
        .await
        .expect("ok");
    let start = execution_count(&app).await;

    let refused = app
        .gql(
            &token,
            MOVE,
            json!({ "input": { "cardId": card, "stageId": doing } }),
        )
        .await
        .expect("ok");
    assert_eq!(error_codes(&refused), vec!["BAD_USER_INPUT"], "{refused}");
    let ext = &refused["errors"][0]["extensions"];
    assert_eq!(ext["field"], "stageId", "{refused}");
    assert_eq!(ext["reason"], "TRIGGER_INPUT_INVALID", "{refused}");
    let violations = ext["violations"].as_array().expect("violations");
    assert!(
        violations
            .iter()
            .any(|v| v["pointer"] == ""
                && v["message"].as_str().is_some_and(|m| m.contains("subject"))),
        "{backend:?}: {refused}"
    );
    let message = refused["errors"][0]["message"].as_str().expect("message");
    assert!(message.contains("Doing"), "names the stage: {message}");

    // A card created straight into the stage is refused the same way.
    let created = app
        .gql(
            &token,
            CARD,
            json!({ "input": { "stageId": doing, "title": "New", "customFields": priority() } }),
        )
        .await
        .expect("ok");
    assert_eq!(error_codes(&created), vec!["BAD_USER_INPUT"], "{created}");
    assert_eq!(
        created["errors"][0]["extensions"]["reason"],
        "TRIGGER_INPUT_INVALID"
    );

    // So is a custom field change that fires an attribute trigger.
    let attribute = json!([{ "template_id": strict, "is_active": true, "conditions": [{ "type": "attribute_change", "field_name": "Priority", "operator": "=", "field_value": "Low" }] }]);
    set_triggers(&app, &token, &todo, attribute).await;
    let update = r#"mutation($input: UpdateKanbanCardInput!) { updateKanbanCard(input: $input) { kanbanCard { id } } }"#;
    let low = json!([{ "field_name": "Priority", "field_type": "dropdown", "field_value": "Low" }]);
    let changed = app
        .gql(
            &token,
            update,
            json!({ "input": { "id": card, "customFields": low } }),
        )
        .await
        .expect("ok");
    assert_eq!(error_codes(&changed), vec!["BAD_USER_INPUT"], "{changed}");
    assert_eq!(
        changed["errors"][0]["extensions"]["field"], "customFields",
        "{changed}"
    );

    // Nothing was written: no execution, the card where it was, no new card.
    assert_eq!(execution_count(&app).await, start, "{backend:?}");
    let after = app
        .gql(&token, BOARD, json!({ "id": board }))
        .await
        .expect("ok");
    assert_eq!(after, layout, "{backend:?}: the board is unchanged");
    let q = r#"query($id: UUID!) { kanbanBoard(id: $id) { cards(first: 50) { nodes { id customFields } } } }"#;
    let cards = app
        .gql(&token, q, json!({ "id": board }))
        .await
        .expect("ok");
    let stored = cards["data"]["kanbanBoard"]["cards"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{cards}"))
        .iter()
        .find(|c| c["id"] == card)
        .expect("the card")
        .clone();
    assert_eq!(stored["customFields"], priority(), "{backend:?}");
}
on_both_backends!(a_trigger_whose_input_fails_its_template_schema_refuses_the_change);

async fn a_card_created_into_a_stage_fires_its_entry_triggers(backend: Backend) {
    let (app, seed) = seeded(&backend, 1).await;
    let token = app.token(member(&seed, 0, 1));
    let board = board_id(&app, &token).await;
    let (todo, doing, _) = first_stages_and_card(&app, &token, &board).await;
    let template = open_template(&app, &token).await;
    let both = json!([
        { "template_id": template, "is_active": true, "conditions": [{ "type": "stage_entry" }] },
        { "template_id": template, "is_active": true, "conditions": [{ "type": "stage_exit" }] },
    ]);
    set_triggers(&app, &token, &doing, both).await;
    let start = execution_count(&app).await;

    let quiet = app
        .gql(
            &token,
            CARD,
            json!({ "input": { "stageId": todo, "title": "Quiet", "customFields": priority() } }),
        )
        .await
        .expect("ok");
    assert!(quiet["errors"].is_null(), "{quiet}");
    assert_eq!(
        execution_count(&app).await,
        start,
        "a stage without triggers"
    );

    let body = app
        .gql(
            &token,
            CARD,
            json!({ "input": { "stageId": doing, "title": "Loud", "position": 1, "customFields": priority() } }),
        )
        .await
        .expect("ok");
    assert!(body["errors"].is_null(), "{body}");
    let card = body["data"]["createKanbanCard"]["kanbanCard"]["id"].clone();
    assert_eq!(
        execution_count(&app).await,
        start + 1,
        "{backend:?}: the entry trigger only"
    );
    let inputs = trigger_inputs(&app, &token, &board, &card).await;
    assert_eq!(inputs.len(), 1, "{inputs:?}");
    assert_eq!(inputs[0]["event"], "stage_entry");
    assert_eq!(inputs[0]["stage_id"], doing);
    assert_eq!(inputs[0]["card"]["stage_id"], doing);
    assert_eq!(inputs[0]["card"]["position"], 1, "{backend:?}: {inputs:?}");
    assert_eq!(inputs[0]["card"]["title"], "Loud");
}
on_both_backends!(a_card_created_into_a_stage_fires_its_entry_triggers);
