//! Card field definitions: changed, reordered (display orders stay 0..n-1) and deleted, with
//! the cards' values following their field; a checkbox a card leaves out takes its default;
//! configurations are stored as given; other companies' definitions are NOT_FOUND.

use serde_json::{json, Value};
use studiogate_testkit::{error_codes, on_both_backends, Backend, TestApp};

use crate::support::{member, seeded};

const DEFINE: &str = r#"mutation($input: CreateCardFieldDefinitionInput!) { createCardFieldDefinition(input: $input) { cardFieldDefinition { id fieldName fieldConfig displayOrder } } }"#;
const UPDATE: &str = r#"mutation($input: UpdateCardFieldDefinitionInput!) { updateCardFieldDefinition(input: $input) { cardFieldDefinition { id fieldName fieldType fieldConfig isRequired displayOrder } } }"#;
const REORDER: &str = r#"mutation($input: ReorderCardFieldDefinitionsInput!) { reorderCardFieldDefinitions(input: $input) { cardFieldDefinitions { id fieldName displayOrder } } }"#;
const DELETE: &str = r#"mutation($input: DeleteCardFieldDefinitionInput!) { deleteCardFieldDefinition(input: $input) { deletedCardFieldDefinitionId } } "#;
const CARD: &str = r#"mutation($input: CreateKanbanCardInput!) { createKanbanCard(input: $input) { kanbanCard { id customFields } } }"#;
const STUDIO: &str = r#"query($id: UUID!) { studio(id: $id) {
    cardFieldDefinitions { id fieldName fieldConfig displayOrder }
    kanbanBoards(first: 1) { nodes { stages { id cards { id customFields } } } } } }"#;

/// The first studio of the viewer's first company that has a board.
async fn studio_with_board(app: &TestApp, token: &str) -> Value {
    let q = r#"{ companies(first: 1) { nodes { studios(first: 100) { nodes { id kanbanBoards(first: 1) { nodes { id } } } } } } }"#;
    let body = app.gql(token, q, json!({})).await.expect("ok");
    body["data"]["companies"]["nodes"][0]["studios"]["nodes"]
        .as_array()
        .expect("studios")
        .iter()
        .find(|s| s["kanbanBoards"]["nodes"].get(0).is_some())
        .map(|s| s["id"].clone())
        .expect("a studio with a board")
}

async fn studio(app: &TestApp, token: &str, id: &Value) -> Value {
    let body = app
        .gql(token, STUDIO, json!({ "id": id }))
        .await
        .expect("ok");
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["studio"].clone()
}

/// The studio's field names in display order, after checking the orders are 0..n-1.
fn names_in_order(studio: &Value) -> Vec<String> {
    let defs = studio["cardFieldDefinitions"].as_array().expect("defs");
    for (i, d) in defs.iter().enumerate() {
        assert_eq!(d["displayOrder"], i, "{studio}");
    }
    defs.iter()
        .map(|d| d["fieldName"].as_str().expect("name").to_owned())
        .collect()
}

fn def_id(studio: &Value, name: &str) -> Value {
    studio["cardFieldDefinitions"]
        .as_array()
        .expect("defs")
        .iter()
        .find(|d| d["fieldName"] == name)
        .map(|d| d["id"].clone())
        .unwrap_or_else(|| panic!("no field {name}: {studio}"))
}

/// Every card value of the studio's board, as `(card id, field name, value)`.
fn card_values(studio: &Value) -> Vec<(Value, String, Value)> {
    let mut out = Vec::new();
    for stage in studio["kanbanBoards"]["nodes"][0]["stages"]
        .as_array()
        .expect("stages")
    {
        for card in stage["cards"].as_array().expect("cards") {
            for v in card["customFields"].as_array().expect("values") {
                let name = v["field_name"].as_str().expect("name").to_owned();
                out.push((card["id"].clone(), name, v["field_value"].clone()));
            }
        }
    }
    out
}

fn value(n: &str, t: &str, v: Value) -> Value {
    json!({ "field_name": n, "field_type": t, "field_value": v })
}

async fn field_definitions_are_renamed_reordered_and_deleted_with_their_card_values(
    backend: Backend,
) {
    let (app, seed) = seeded(&backend, 1).await;
    let token = app.token(member(&seed, 0, 1));
    let id = studio_with_board(&app, &token).await;
    let before = studio(&app, &token, &id).await;
    assert_eq!(names_in_order(&before), ["Priority", "Estimate"]);
    let stage = before["kanbanBoards"]["nodes"][0]["stages"][0]["id"].clone();
    let card = json!({ "input": { "stageId": stage, "title": "Sized", "customFields": [
        value("Priority", "dropdown", json!("Low")), value("Estimate", "number", json!(2.5)) ] } });
    let sized = app.gql(&token, CARD, card).await.expect("ok");
    let sized = sized["data"]["createKanbanCard"]["kanbanCard"]["id"].clone();
    assert!(sized.is_string(), "{sized}");

    // A rename carries the cards' values along; the configuration is stored as given.
    let priority = def_id(&before, "Priority");
    let config = json!({ "options": ["Low", "High", "Top"], "allow_multiple": false });
    let renamed = app
        .gql(
            &token,
            UPDATE,
            json!({ "input": { "id": priority, "fieldName": " Urgency ", "fieldConfig": config } }),
        )
        .await
        .expect("ok");
    let def = &renamed["data"]["updateCardFieldDefinition"]["cardFieldDefinition"];
    assert_eq!(def["fieldName"], "Urgency", "{renamed}");
    assert_eq!(def["fieldConfig"], config);
    assert_eq!(def["isRequired"], true, "left out, so unchanged");
    assert_eq!(def["fieldType"], "DROPDOWN");
    let after = studio(&app, &token, &id).await;
    let values = card_values(&after);
    assert!(
        values.iter().all(|(_, name, _)| name != "Priority"),
        "{after}"
    );
    assert_eq!(
        values
            .iter()
            .filter(|(_, name, _)| name == "Urgency")
            .count(),
        card_values(&before).len() + 1,
        "every card's Priority is now Urgency: {after}"
    );

    // Refused changes write nothing.
    let estimate = def_id(&before, "Estimate");
    for (input, code, field) in [
        (
            json!({ "id": estimate, "fieldName": "Urgency" }),
            "CONFLICT",
            "fieldName",
        ),
        (
            json!({ "id": estimate, "fieldName": "x".repeat(51) }),
            "BAD_USER_INPUT",
            "fieldName",
        ),
        (
            json!({ "id": estimate, "fieldConfig": { "decimal_places": 11 } }),
            "BAD_USER_INPUT",
            "fieldConfig.decimal_places",
        ),
        (
            json!({ "id": estimate, "fieldConfig": { "options": ["a"], "allow_multiple": false } }),
            "BAD_USER_INPUT",
            "fieldConfig",
        ),
        (
            json!({ "id": uuid::Uuid::new_v4(), "isRequired": true }),
            "NOT_FOUND",
            "",
        ),
    ] {
        let body = app
            .gql(&token, UPDATE, json!({ "input": input }))
            .await
            .expect("ok");
        assert_eq!(error_codes(&body), vec![code], "{body}");
        if !field.is_empty() {
            assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
        }
    }
    assert_eq!(studio(&app, &token, &id).await, after);

    // A checkbox field: its default lands on a card created without it.
    let done = app
        .gql(
            &token,
            DEFINE,
            json!({ "input": { "studioId": id, "fieldName": "Done", "fieldType": "CHECKBOX",
                "fieldConfig": { "default_value": true, "label_text": "Done?" } } }),
        )
        .await
        .expect("ok");
    let done = done["data"]["createCardFieldDefinition"]["cardFieldDefinition"]["id"].clone();
    let notes_config = json!({ "max_length": 80, "placeholder": "Anything to add" });
    let notes = app
        .gql(
            &token,
            DEFINE,
            json!({ "input": { "studioId": id, "fieldName": "Notes", "fieldType": "TEXT", "fieldConfig": notes_config } }),
        )
        .await
        .expect("ok");
    let notes = &notes["data"]["createCardFieldDefinition"]["cardFieldDefinition"];
    assert_eq!(notes["fieldConfig"], notes_config, "stored as given");
    let notes = notes["id"].clone();

    // Reorder: the full list, each once; anything else is refused and changes nothing.
    let order = [
        done.clone(),
        notes.clone(),
        estimate.clone(),
        priority.clone(),
    ];
    for bad in [
        json!([done, notes, estimate]),
        json!([done, notes, estimate, priority, priority]),
        json!([done, notes, estimate, uuid::Uuid::new_v4()]),
    ] {
        let body = app
            .gql(
                &token,
                REORDER,
                json!({ "input": { "studioId": id, "fieldIds": bad } }),
            )
            .await
            .expect("ok");
        assert_eq!(error_codes(&body), vec!["BAD_USER_INPUT"], "{body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], "fieldIds");
    }
    let listed = names_in_order(&studio(&app, &token, &id).await);
    assert_eq!(listed, ["Urgency", "Estimate", "Done", "Notes"]);
    let body = app
        .gql(
            &token,
            REORDER,
            json!({ "input": { "studioId": id, "fieldIds": order } }),
        )
        .await
        .expect("ok");
    let payload = body["data"]["reorderCardFieldDefinitions"]["cardFieldDefinitions"].clone();
    let payload_names: Vec<_> = payload
        .as_array()
        .expect("list")
        .iter()
        .map(|d| d["fieldName"].clone())
        .collect();
    assert_eq!(
        payload_names,
        ["Done", "Notes", "Estimate", "Urgency"],
        "{body}"
    );
    let listed = names_in_order(&studio(&app, &token, &id).await);
    assert_eq!(listed, ["Done", "Notes", "Estimate", "Urgency"]);

    // Delete: the value leaves every card and the later fields move up.
    let deleted = app
        .gql(&token, DELETE, json!({ "input": { "id": estimate } }))
        .await
        .expect("ok");
    assert_eq!(
        deleted["data"]["deleteCardFieldDefinition"]["deletedCardFieldDefinitionId"], estimate,
        "{deleted}"
    );
    let gone = studio(&app, &token, &id).await;
    assert_eq!(names_in_order(&gone), ["Done", "Notes", "Urgency"]);
    let values = card_values(&gone);
    assert!(
        values.iter().all(|(_, name, _)| name != "Estimate"),
        "{gone}"
    );
    assert!(
        values
            .iter()
            .any(|(card, name, _)| *card == sized && name == "Urgency"),
        "the other values stay: {gone}"
    );
    let again = app
        .gql(&token, DELETE, json!({ "input": { "id": estimate } }))
        .await
        .expect("ok");
    assert_eq!(error_codes(&again), vec!["NOT_FOUND"], "{again}");
}
on_both_backends!(field_definitions_are_renamed_reordered_and_deleted_with_their_card_values);

async fn a_card_created_without_a_checkbox_gets_its_default(backend: Backend) {
    let (app, seed) = seeded(&backend, 1).await;
    let token = app.token(member(&seed, 0, 1));
    let id = studio_with_board(&app, &token).await;
    for (name, default) in [("Done", true), ("Blocked", false)] {
        let body = app
            .gql(
                &token,
                DEFINE,
                json!({ "input": { "studioId": id, "fieldName": name, "fieldType": "CHECKBOX",
                    "isRequired": true,
                    "fieldConfig": { "default_value": default, "label_text": name } } }),
            )
            .await
            .expect("ok");
        assert!(body["errors"].is_null(), "{body}");
    }
    let stage =
        studio(&app, &token, &id).await["kanbanBoards"]["nodes"][0]["stages"][0]["id"].clone();
    let create = |fields: Value| json!({ "input": { "stageId": stage, "title": "Checked", "customFields": fields } });
    let priority = value("Priority", "dropdown", json!("High"));

    // Left out: the defaults, which also satisfy `isRequired`.
    let body = app
        .gql(&token, CARD, create(json!([priority])))
        .await
        .expect("ok");
    let values = body["data"]["createKanbanCard"]["kanbanCard"]["customFields"].clone();
    assert!(
        values
            .as_array()
            .expect("values")
            .contains(&value("Done", "checkbox", json!(true))),
        "{body}"
    );
    assert!(
        values
            .as_array()
            .expect("values")
            .contains(&value("Blocked", "checkbox", json!(false))),
        "{body}"
    );

    // Given: kept; `null`: the default; of the wrong type: refused where it was sent.
    let given = json!([
        priority,
        value("Done", "checkbox", json!(false)),
        value("Blocked", "checkbox", Value::Null)
    ]);
    let body = app.gql(&token, CARD, create(given)).await.expect("ok");
    let values = body["data"]["createKanbanCard"]["kanbanCard"]["customFields"].clone();
    assert!(
        values
            .as_array()
            .expect("values")
            .contains(&value("Done", "checkbox", json!(false))),
        "{body}"
    );
    assert!(
        values
            .as_array()
            .expect("values")
            .contains(&value("Blocked", "checkbox", json!(false))),
        "{body}"
    );
    let wrong = json!([priority, value("Done", "checkbox", json!("yes"))]);
    let body = app.gql(&token, CARD, create(wrong)).await.expect("ok");
    assert_eq!(error_codes(&body), vec!["BAD_USER_INPUT"], "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["field"],
        "customFields.1.field_value"
    );
}
on_both_backends!(a_card_created_without_a_checkbox_gets_its_default);

async fn another_companys_member_cannot_change_its_field_definitions(backend: Backend) {
    let (app, seed) = seeded(&backend, 2).await;
    let owner = app.token(member(&seed, 0, 1));
    let stranger = app.token(member(&seed, 1, 1));
    let id = studio_with_board(&app, &owner).await;
    let before = studio(&app, &owner, &id).await;
    let priority = def_id(&before, "Priority");
    let estimate = def_id(&before, "Estimate");
    for (query, input) in [
        (UPDATE, json!({ "id": priority, "fieldName": "Hijacked" })),
        (
            REORDER,
            json!({ "studioId": id, "fieldIds": [estimate, priority] }),
        ),
        (DELETE, json!({ "id": priority })),
    ] {
        let body = app
            .gql(&stranger, query, json!({ "input": input }))
            .await
            .expect("ok");
        assert_eq!(error_codes(&body), vec!["NOT_FOUND"], "{body}");
        let anonymous = app
            .post(None, query, json!({ "input": input }))
            .await
            .expect("ok")
            .1;
        assert_eq!(
            error_codes(&anonymous),
            vec!["UNAUTHENTICATED"],
            "{anonymous}"
        );
    }
    assert_eq!(studio(&app, &owner, &id).await, before, "nothing changed");
}
on_both_backends!(another_companys_member_cannot_change_its_field_definitions);

/// A card value may carry its own configuration (the spec's per-value `field_config`): it is
/// kept as given, also through a later update, and anything but an object is refused there.
async fn a_card_value_keeps_its_own_configuration(backend: Backend) {
    let (app, seed) = seeded(&backend, 1).await;
    let token = app.token(member(&seed, 0, 1));
    let id = studio_with_board(&app, &token).await;
    let stage =
        studio(&app, &token, &id).await["kanbanBoards"]["nodes"][0]["stages"][0]["id"].clone();
    let mut priority = value("Priority", "dropdown", json!("High"));
    priority["field_config"] = json!({ "badge": "red", "pinned": true });
    let body = app
        .gql(
            &token,
            CARD,
            json!({ "input": { "stageId": stage, "title": "Configured", "customFields": [priority] } }),
        )
        .await
        .expect("ok");
    let card = &body["data"]["createKanbanCard"]["kanbanCard"];
    assert_eq!(card["customFields"], json!([priority]), "{body}");

    // Read back from the database, not only echoed by the mutation.
    let stored = studio(&app, &token, &id).await;
    let kept = stored["kanbanBoards"]["nodes"][0]["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .flat_map(|s| s["cards"].as_array().expect("cards").iter())
        .find(|c| c["id"] == card["id"])
        .map(|c| c["customFields"].clone())
        .expect("the card");
    assert_eq!(kept, json!([priority]));

    // A value without one stays without one; a configuration that is not an object is refused.
    let mut bad = value("Priority", "dropdown", json!("Low"));
    bad["field_config"] = json!("red");
    let body = app
        .gql(
            &token,
            CARD,
            json!({ "input": { "stageId": stage, "title": "Bad config", "customFields": [bad] } }),
        )
        .await
        .expect("ok");
    assert_eq!(error_codes(&body), vec!["BAD_USER_INPUT"], "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["field"],
        "customFields.0.field_config"
    );
}
on_both_backends!(a_card_value_keeps_its_own_configuration);

/// Stage triggers watch fields by name: a rename carries into their conditions, and a delete
/// makes the triggers that watched the field inactive (they could never hold again); triggers
/// that do not watch it stay as they were.
async fn stage_triggers_follow_a_renamed_field_and_stop_on_a_deleted_one(backend: Backend) {
    let (app, seed) = seeded(&backend, 1).await;
    let token = app.token(member(&seed, 0, 1));
    let id = studio_with_board(&app, &token).await;
    let before = studio(&app, &token, &id).await;
    let stage = before["kanbanBoards"]["nodes"][0]["stages"][0]["id"].clone();
    let template = crate::realtime::template(&app, &token).await;
    let watching = json!({ "template_id": template, "is_active": true, "conditions": [
        { "type": "attribute_change", "field_name": "Priority", "operator": "=", "field_value": "High" } ] });
    let other = json!({ "template_id": template, "is_active": true, "conditions": [{ "type": "stage_entry" }] });
    const SET: &str = r#"mutation($input: SetKanbanStageTriggersInput!) { setKanbanStageTriggers(input: $input) { kanbanStage { id } } }"#;
    let body = app
        .gql(
            &token,
            SET,
            json!({ "input": { "stageId": stage, "triggers": [watching, other] } }),
        )
        .await
        .expect("ok");
    assert!(body["errors"].is_null(), "{body}");
    const TRIGGERS: &str = r#"query($id: UUID!) { studio(id: $id) {
        kanbanBoards(first: 1) { nodes { stages { id workflowTriggers } } } } }"#;
    let triggers = || async {
        let body = app
            .gql(&token, TRIGGERS, json!({ "id": id }))
            .await
            .expect("ok");
        body["data"]["studio"]["kanbanBoards"]["nodes"][0]["stages"]
            .as_array()
            .expect("stages")
            .iter()
            .find(|s| s["id"] == stage)
            .map(|s| s["workflowTriggers"].clone())
            .expect("the stage")
    };

    let field = def_id(&before, "Priority");
    let body = app
        .gql(
            &token,
            UPDATE,
            json!({ "input": { "id": field, "fieldName": "Urgency" } }),
        )
        .await
        .expect("ok");
    assert!(body["errors"].is_null(), "{body}");
    let renamed = triggers().await;
    assert_eq!(
        renamed[0]["conditions"][0]["field_name"], "Urgency",
        "{backend:?}: {renamed}"
    );
    assert_eq!(renamed[0]["is_active"], true);
    assert_eq!(renamed[1], other);

    let body = app
        .gql(&token, DELETE, json!({ "input": { "id": field } }))
        .await
        .expect("ok");
    assert!(body["errors"].is_null(), "{body}");
    let deleted = triggers().await;
    assert_eq!(deleted[0]["is_active"], false, "{backend:?}: {deleted}");
    assert_eq!(deleted[0]["conditions"], renamed[0]["conditions"]);
    assert_eq!(deleted[1], other);
}
on_both_backends!(stage_triggers_follow_a_renamed_field_and_stop_on_a_deleted_one);
