//! Tenant isolation beyond the generated walk (`walk.rs`: every root lookup and connection as
//! every role, over HTTP and WebSocket): members of company A reach nothing of company B by
//! any nested path; pending members reach nothing; private files stay with their uploader.

use serde_json::{json, Value};
use studiogate_testkit::{error_codes, on_both_backends, Backend, TestApp};
use uuid::Uuid;

use crate::support::{
    admin, company, member, pending, rejected, revoked, rows, seeded, seeded_with_env, uuid,
};

/// Every root field that takes an id, with the query that asks for it.
const LOOKUPS: [(&str, &str); 6] = [
    (
        "company",
        "query($id: UUID!) { company(id: $id) { id name } }",
    ),
    (
        "studio",
        "query($id: UUID!) { studio(id: $id) { id name } }",
    ),
    (
        "workflowExecution",
        "query($id: UUID!) { workflowExecution(id: $id) { id status } }",
    ),
    (
        "file",
        "query($id: UUID!) { file(id: $id) { id filename } }",
    ),
    (
        "kanbanBoard",
        "query($id: UUID!) { kanbanBoard(id: $id) { id name } }",
    ),
    (
        "workflowTemplate",
        "query($id: UUID!) { workflowTemplate(id: $id) { id name } }",
    ),
];

/// One id of each kind that belongs to company `owner`.
async fn ids_of(app: &TestApp, owner: Uuid) -> Vec<(&'static str, Uuid)> {
    let studios: Vec<Uuid> = rows(app, "SELECT id, company_id FROM studios")
        .await
        .iter()
        .filter(|r| uuid(r, "company_id") == owner)
        .map(|r| uuid(r, "id"))
        .collect();
    vec![
        ("company", owner),
        ("studio", studios[0]),
        (
            "workflowExecution",
            first_of(
                app,
                "SELECT id, studio_id FROM workflow_executions",
                &studios,
            )
            .await,
        ),
        (
            "file",
            first_of(
                app,
                "SELECT id, studio_id FROM files WHERE access_level <> 'private'",
                &studios,
            )
            .await,
        ),
        (
            "kanbanBoard",
            first_of(app, "SELECT id, studio_id FROM kanban_boards", &studios).await,
        ),
    ]
}

async fn first_of(app: &TestApp, sql: &str, studios: &[Uuid]) -> Uuid {
    rows(app, sql)
        .await
        .iter()
        .find(|r| studios.contains(&uuid(r, "studio_id")))
        .map(|r| uuid(r, "id"))
        .expect("a row of the company")
}

/// Every list and nested path of member A, compared with what the database says is A's.
const EVERYTHING: &str = r#"{
  companies(first: 100) { nodes { id
    members(first: 100) { nodes { user { id } company { id } } }
    studios(first: 100) { nodes { id company { id }
      files(first: 100) { nodes { id studio { id } uploadedBy { id } } }
      kanbanBoards { nodes { id studio { id } stages { board { id } cards { board { id } stage { id } } } } }
      cardFieldDefinitions { studio { id } }
      executions(first: 100) { nodes { id studio { id } user { id } template { id }
        files { file { id studio { id } } } } }
    } }
  } }
  workflowTemplates(first: 100) { nodes { executions(first: 100) { nodes { id studio { id company { id } } } } } }
  viewer { memberships { company { id } } }
}"#;

/// EVERYTHING asks for every path at once, far past the cost a client may ask for.
const NO_COST_LIMIT: &[(&str, &str)] = &[("STUDIOGATE_MAX_COMPLEXITY", "100000000")];

fn collect(value: &Value, key: &str, out: &mut Vec<Value>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if k == key {
                    out.push(v.clone());
                }
                collect(v, key, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect(v, key, out)),
        _ => {}
    }
}

async fn member_of_a_reaches_nothing_of_b_through_any_path(backend: Backend) {
    let (app, seed) = seeded_with_env(&backend, 2, NO_COST_LIMIT).await;
    let (a, b) = (company(&seed, 0), company(&seed, 1));
    let viewer = member(&seed, 0, 1);
    let body = app
        .gql(&app.token(viewer), EVERYTHING, json!({}))
        .await
        .expect("ok");
    assert!(body["errors"].is_null(), "{backend:?}: {body}");
    let b_studios: Vec<Value> = rows(&app, "SELECT id, company_id FROM studios")
        .await
        .iter()
        .filter(|r| uuid(r, "company_id") == b)
        .map(|r| json!(uuid(r, "id")))
        .collect();
    let mut companies = Vec::new();
    collect(&body, "company", &mut companies);
    assert!(!companies.is_empty());
    for c in &companies {
        assert_eq!(
            c["id"],
            json!(a),
            "{backend:?}: a company other than A leaked"
        );
    }
    let mut studios = Vec::new();
    collect(&body, "studio", &mut studios);
    assert!(studios.len() > 100, "{backend:?}: the walk reached studios");
    for s in &studios {
        assert!(
            !b_studios.contains(&s["id"]),
            "{backend:?}: studio of B leaked"
        );
    }
    // Template -> executions crosses every tenant in the data; only A's come back.
    let execs = &body["data"]["workflowTemplates"]["nodes"];
    let mut n = 0;
    for t in execs.as_array().expect("templates") {
        for e in t["executions"]["nodes"].as_array().expect("executions") {
            assert_eq!(e["studio"]["company"]["id"], json!(a));
            n += 1;
        }
    }
    assert!(n > 0, "{backend:?}: template executions of A are visible");
}
on_both_backends!(member_of_a_reaches_nothing_of_b_through_any_path);

async fn pending_rejected_and_revoked_members_get_nothing(backend: Backend) {
    let (app, seed) = seeded_with_env(&backend, 1, NO_COST_LIMIT).await;
    for outsider in [pending(&seed, 0), rejected(&seed, 0), revoked(&seed, 0)] {
        let token = app.token(outsider);
        let body = app.gql(&token, EVERYTHING, json!({})).await.expect("ok");
        assert_eq!(
            body["data"]["companies"]["nodes"],
            json!([]),
            "{backend:?} {outsider}"
        );
        let mut execs = Vec::new();
        collect(&body["data"]["workflowTemplates"], "id", &mut execs);
        assert!(execs.is_empty(), "{backend:?} {outsider}: {execs:?}");
        // Their own membership is visible to them, the company behind it is not.
        let own = &body["data"]["viewer"]["memberships"];
        assert_eq!(own.as_array().map(Vec::len), Some(1));
        assert_eq!(own[0]["company"], Value::Null);
        let q = LOOKUPS[0].1;
        let lookup = app
            .gql(&token, q, json!({ "id": company(&seed, 0) }))
            .await
            .expect("ok");
        assert_eq!(error_codes(&lookup), vec!["NOT_FOUND"]);
    }
}
on_both_backends!(pending_rejected_and_revoked_members_get_nothing);

async fn private_files_are_visible_to_their_uploader_only(backend: Backend) {
    let (app, seed) = seeded(&backend, 1).await;
    let private = rows(
        &app,
        "SELECT id, uploaded_by, studio_id FROM files WHERE access_level = 'private'",
    )
    .await;
    let row = &private[0];
    let (file, owner) = (uuid(row, "id"), uuid(row, "uploaded_by"));
    let other = (1..=6)
        .map(|n| member(&seed, 0, n))
        .chain([admin(&seed, 0)])
        .find(|a| *a != owner)
        .expect("another member");
    let q = "query($id: UUID!) { file(id: $id) { id accessLevel } }";
    let mine = app
        .gql(&app.token(owner), q, json!({ "id": file }))
        .await
        .expect("ok");
    assert_eq!(mine["data"]["file"]["accessLevel"], "PRIVATE", "{mine}");
    let theirs = app
        .gql(&app.token(other), q, json!({ "id": file }))
        .await
        .expect("ok");
    assert_eq!(error_codes(&theirs), vec!["NOT_FOUND"]);

    // Nor through the studio's list or an execution's files.
    let studio = uuid(row, "studio_id");
    let q = r#"query($id: UUID!) { studio(id: $id) {
        files(first: 100) { nodes { id } }
        executions(first: 100) { nodes { files { file { id } } } } } }"#;
    let body = app
        .gql(&app.token(other), q, json!({ "id": studio }))
        .await
        .expect("ok");
    let mut seen = Vec::new();
    collect(&body, "id", &mut seen);
    assert!(!seen.is_empty());
    assert!(
        !seen.contains(&json!(file)),
        "{backend:?}: private file leaked"
    );
    let owner_view = app
        .gql(&app.token(owner), q, json!({ "id": studio }))
        .await
        .expect("ok");
    let mut seen = Vec::new();
    collect(&owner_view, "id", &mut seen);
    assert!(
        seen.contains(&json!(file)),
        "{backend:?}: uploader sees their file"
    );
}
on_both_backends!(private_files_are_visible_to_their_uploader_only);

async fn anonymous_requests_to_tenant_data_are_unauthenticated(backend: Backend) {
    let (app, seed) = seeded(&backend, 1).await;
    let (_, body) = app
        .post(None, "{ viewer { id } }", json!({}))
        .await
        .expect("ok");
    assert_eq!(body, json!({ "data": { "viewer": null } }));
    // Whatever is selected below it: there is no viewer to resolve it on.
    let deep = "{ viewer { id memberships { company { name } } } }";
    let (_, body) = app.post(None, deep, json!({})).await.expect("ok");
    assert_eq!(body, json!({ "data": { "viewer": null } }));
    let (_, body) = app
        .post(None, "{ companies { nodes { id } } }", json!({}))
        .await
        .expect("ok");
    assert_eq!(error_codes(&body), vec!["UNAUTHENTICATED"]);
    for (_, query) in LOOKUPS {
        let (_, body) = app
            .post(None, query, json!({ "id": company(&seed, 0) }))
            .await
            .expect("ok");
        assert_eq!(error_codes(&body), vec!["UNAUTHENTICATED"], "{query}");
    }
}
on_both_backends!(anonymous_requests_to_tenant_data_are_unauthenticated);

/// A member of company B tries every mutation against company A's rows: each answers exactly
/// as for a missing id, and nothing of A changes.
async fn members_of_another_company_cannot_mutate_anything_of_this_one(backend: Backend) {
    let (app, seed) = seeded(&backend, 2).await;
    let a = company(&seed, 0);
    let ids = ids_of(&app, a).await;
    let id = |kind: &str| {
        json!(ids
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, id)| *id)
            .expect("id"))
    };
    let membership = rows(&app, "SELECT id, company_id FROM user_companies")
        .await
        .iter()
        .find(|r| uuid(r, "company_id") == a)
        .map(|r| json!(uuid(r, "id")))
        .expect("membership");
    let card = rows(&app, "SELECT id, board_id FROM kanban_cards")
        .await
        .iter()
        .find(|r| json!(uuid(r, "board_id")) == id("kanbanBoard"))
        .map(|r| json!(uuid(r, "id")))
        .expect("card");
    let stage = rows(&app, "SELECT id, board_id FROM kanban_stages")
        .await
        .iter()
        .find(|r| json!(uuid(r, "board_id")) == id("kanbanBoard"))
        .map(|r| json!(uuid(r, "id")))
        .expect("stage");
    let field = rows(
        &app,
        "SELECT card_field_definitions.id AS id, studios.company_id AS company_id \
         FROM card_field_definitions JOIN studios ON studios.id = card_field_definitions.studio_id",
    )
    .await
    .iter()
    .find(|r| uuid(r, "company_id") == a)
    .map(|r| json!(uuid(r, "id")))
    .expect("field definition");
    let field_studio = rows(
        &app,
        "SELECT card_field_definitions.id AS id, card_field_definitions.studio_id AS studio_id \
         FROM card_field_definitions",
    )
    .await
    .iter()
    .find(|r| json!(uuid(r, "id")) == field)
    .map(|r| json!(uuid(r, "studio_id")))
    .expect("its studio");
    let company_input = json!({ "name": "Taken Over", "industryType": "OTHER", "contactEmail": "x@evil.example", "headquartersAddress": "1 Evil Street, Nowhere" });
    let attempts: Vec<(&str, Value)> = vec![
        ("mutation($v: UpdateCompanyInput!) { updateCompany(input: $v) { company { id } } }", json!({ "id": a, "company": company_input })),
        ("mutation($v: ChangeCompanyBranchInput!) { changeCompanyBranch(input: $v) { company { id } } }", json!({ "companyId": a, "name": "North" })),
        ("mutation($v: MembershipInput!) { approveMembership(input: $v) { membership { id } } }", json!({ "membershipId": membership })),
        ("mutation($v: MembershipInput!) { revokeMembership(input: $v) { membership { id } } }", json!({ "membershipId": membership })),
        ("mutation($v: ChangeMemberRoleInput!) { changeMemberRole(input: $v) { membership { id } } }", json!({ "membershipId": membership, "role": "ADMIN" })),
        ("mutation($v: CompanyIdInput!) { leaveCompany(input: $v) { membership { id } } }", json!({ "companyId": a })),
        ("mutation($v: CreateStudioInput!) { createStudio(input: $v) { studio { id } } }", json!({ "companyId": a, "name": "Implant", "businessArea": "OTHER" })),
        ("mutation($v: UpdateStudioInput!) { updateStudio(input: $v) { studio { id } } }", json!({ "id": id("studio"), "name": "Renamed" })),
        ("mutation($v: DeleteStudioInput!) { deleteStudio(input: $v) { deletedStudioId } }", json!({ "id": id("studio") })),
        ("mutation($v: ChangeWorkflowExecutionStatusInput!) { changeWorkflowExecutionStatus(input: $v) { workflowExecution { id } } }", json!({ "id": id("workflowExecution"), "status": "RUNNING" })),
        ("mutation($v: DeleteFileInput!) { deleteFile(input: $v) { deletedFileId } }", json!({ "id": id("file") })),
        ("mutation($v: CreateKanbanBoardInput!) { createKanbanBoard(input: $v) { kanbanBoard { id } } }", json!({ "studioId": id("studio"), "name": "Hostile" })),
        ("mutation($v: CreateKanbanStageInput!) { createKanbanStage(input: $v) { kanbanStage { id } } }", json!({ "boardId": id("kanbanBoard"), "name": "Hostile", "color": "#000000" })),
        ("mutation($v: MoveKanbanStageInput!) { moveKanbanStage(input: $v) { kanbanStage { id } } }", json!({ "stageId": stage, "position": 0 })),
        ("mutation($v: SetKanbanStageTriggersInput!) { setKanbanStageTriggers(input: $v) { kanbanStage { id } } }", json!({ "stageId": stage, "triggers": [] })),
        ("mutation($v: CreateKanbanCardInput!) { createKanbanCard(input: $v) { kanbanCard { id } } }", json!({ "stageId": stage, "title": "Hostile" })),
        ("mutation($v: UpdateKanbanCardInput!) { updateKanbanCard(input: $v) { kanbanCard { id } } }", json!({ "id": card, "title": "Hostile" })),
        ("mutation($v: MoveKanbanCardInput!) { moveKanbanCard(input: $v) { kanbanCard { id } } }", json!({ "cardId": card, "stageId": stage })),
        ("mutation($v: DeleteKanbanCardInput!) { deleteKanbanCard(input: $v) { deletedCardId } }", json!({ "cardId": card })),
        ("mutation($v: CreateCardFieldDefinitionInput!) { createCardFieldDefinition(input: $v) { cardFieldDefinition { id } } }", json!({ "studioId": id("studio"), "fieldName": "Hostile", "fieldType": "CHECKBOX", "fieldConfig": { "default_value": false, "label_text": "x" } })),
        ("mutation($v: UpdateCardFieldDefinitionInput!) { updateCardFieldDefinition(input: $v) { cardFieldDefinition { id } } }", json!({ "id": field, "fieldName": "Hostile" })),
        ("mutation($v: ReorderCardFieldDefinitionsInput!) { reorderCardFieldDefinitions(input: $v) { cardFieldDefinitions { id } } }", json!({ "studioId": field_studio, "fieldIds": [field] })),
        ("mutation($v: DeleteCardFieldDefinitionInput!) { deleteCardFieldDefinition(input: $v) { deletedCardFieldDefinitionId } }", json!({ "id": field })),
        ("mutation($v: UpdateFileInput!) { updateFile(input: $v) { file { id } } }", json!({ "id": id("file"), "accessLevel": "COMPANY" })),
        ("mutation($v: UpdateKanbanBoardInput!) { updateKanbanBoard(input: $v) { kanbanBoard { id } } }", json!({ "id": id("kanbanBoard"), "name": "Hostile" })),
        ("mutation($v: UpdateKanbanStageInput!) { updateKanbanStage(input: $v) { kanbanStage { id } } }", json!({ "id": stage, "name": "Hostile" })),
        ("mutation($v: DeleteKanbanStageInput!) { deleteKanbanStage(input: $v) { deletedStageId } }", json!({ "stageId": stage })),
        ("mutation($v: DeleteKanbanBoardInput!) { deleteKanbanBoard(input: $v) { deletedBoardId } }", json!({ "boardId": id("kanbanBoard") })),
    ];
    let snapshot = || async {
        let mut all = Vec::new();
        for table in [
            "companies",
            "user_companies",
            "studios",
            "workflow_executions",
            "files",
            "kanban_boards",
            "kanban_stages",
            "kanban_cards",
            "card_field_definitions",
        ] {
            all.push(rows(&app, &format!("SELECT * FROM {table}")).await.len());
        }
        all
    };
    let before = snapshot().await;
    // The admin of company B, so that no refusal comes from a missing role.
    let intruder = app.token(admin(&seed, 1));
    for (query, input) in attempts {
        let body = app
            .gql(&intruder, query, json!({ "v": input }))
            .await
            .expect("ok");
        assert_eq!(
            error_codes(&body),
            vec!["NOT_FOUND"],
            "{backend:?}: {query}: {body}"
        );
    }
    assert_eq!(
        snapshot().await,
        before,
        "{backend:?}: something of A changed"
    );
    let q = "query($id: UUID!) { studio(id: $id) { name } }";
    let admin_a = app.token(admin(&seed, 0));
    let studio = app
        .gql(&admin_a, q, json!({ "id": id("studio") }))
        .await
        .expect("ok");
    let name = studio["data"]["studio"]["name"]
        .as_str()
        .expect("the studio is still there");
    assert!(name.starts_with("Studio "), "{studio}");
}
on_both_backends!(members_of_another_company_cannot_mutate_anything_of_this_one);
