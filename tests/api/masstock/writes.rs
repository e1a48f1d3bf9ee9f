//! MasStock's writes through the API: who may make them, their state machines, and their
//! error paths (a clear code and reason, and nothing written).

use serde_json::json;
use studiogate_testkit::{on_both_backends, Backend};

use super::{
    admin, client, collaborator, count, id, nothing, ok, owner, refusal, seeded, workflow,
};

const CREATE_CLIENT: &str = "mutation($input: MasstockCreateClientInput!) { masstock { \
    createClient(input: $input) { client { id name email status } } } }";
const ADD_MEMBER: &str = "mutation($input: MasstockAddClientMemberInput!) { masstock { \
    addClientMember(input: $input) { member { id role user { id } client { id } } } } }";
const UPDATE_CLIENT: &str = "mutation($input: MasstockUpdateClientInput!) { masstock { \
    updateClient(input: $input) { client { id status } } } }";

async fn platform_admins_manage_clients_members_templates_and_workflows(backend: Backend) {
    let (app, seed) = seeded(&backend, 2).await;
    let root = app.token(admin(&seed));
    let input = json!({ "input": { "name": "Acme", "email": "contact@acme.example" } });
    // Owners are not platform admins: the stricter reading of the spec.
    let body = app
        .gql(&app.token(owner(&seed, 0)), CREATE_CLIENT, input.clone())
        .await
        .expect("r");
    assert_eq!(refusal(&body).0, "FORBIDDEN", "{backend:?}: {body}");
    let bad = json!({ "input": { "name": "Acme", "email": "not-an-email" } });
    let body = app.gql(&root, CREATE_CLIENT, bad).await.expect("r");
    assert_eq!(
        refusal(&body),
        ("BAD_USER_INPUT".into(), "INVALID_EMAIL".into()),
        "{body}"
    );
    let before = count(&app, "SELECT COUNT(*) AS n FROM masstock_clients").await;
    let data = ok(&app, &root, CREATE_CLIENT, input).await;
    let acme = id(&data["masstock"]["createClient"]["client"]["id"]);
    assert_eq!(
        data["masstock"]["createClient"]["client"]["status"],
        "ACTIVE"
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) AS n FROM masstock_clients").await,
        before + 1
    );

    // Members: a person of client 1 joins Acme as its owner; twice is a conflict.
    let person = collaborator(&seed, 1);
    let add = json!({ "input": { "clientId": acme, "userId": person, "role": "OWNER" } });
    let data = ok(&app, &root, ADD_MEMBER, add.clone()).await;
    let membership = id(&data["masstock"]["addClientMember"]["member"]["id"]);
    let body = app.gql(&root, ADD_MEMBER, add).await.expect("r");
    assert_eq!(
        refusal(&body),
        ("CONFLICT".into(), "ALREADY_MEMBER".into()),
        "{body}"
    );
    let stranger = json!({ "input": { "clientId": acme, "userId": uuid::Uuid::new_v4() } });
    let body = app.gql(&root, ADD_MEMBER, stranger).await.expect("r");
    assert_eq!(refusal(&body).0, "NOT_FOUND", "{body}");
    // The last owner stays.
    let demote = "mutation($input: MasstockChangeClientMemberRoleInput!) { masstock { \
        changeClientMemberRole(input: $input) { member { role } } } }";
    let body = app
        .gql(
            &root,
            demote,
            json!({ "input": { "id": membership, "role": "COLLABORATOR" } }),
        )
        .await
        .expect("r");
    assert_eq!(
        refusal(&body),
        ("CONFLICT".into(), "LAST_OWNER".into()),
        "{body}"
    );

    // A template, assigned to Acme as a workflow the new owner sees (and the catalog not).
    let template = "mutation($input: MasstockWorkflowTemplateInput!) { masstock { \
        createWorkflowTemplate(input: $input) { workflowTemplate { id costPerExecution \
        revenuePerExecution icon isActive } } } }";
    let body = app
        .gql(&root, template, json!({ "input": { "name": "Flash", "workflowType": "nano_banana", "costPerExecution": -1 } }))
        .await
        .expect("r");
    assert_eq!(
        refusal(&body),
        ("BAD_USER_INPUT".into(), "OUT_OF_RANGE".into()),
        "{body}"
    );
    let input = json!({ "input": { "name": "Flash", "workflowType": "nano_banana",
        "costPerExecution": 0.039, "revenuePerExecution": 0.1,
        "config": { "requires_api_key": true, "max_prompts": 2 } } });
    let data = ok(&app, &root, template, input).await;
    let created = &data["masstock"]["createWorkflowTemplate"]["workflowTemplate"];
    assert_eq!(
        (
            created["costPerExecution"].as_f64(),
            created["icon"].as_str()
        ),
        (Some(0.039), Some("zap"))
    );
    let assign = "mutation($input: MasstockAssignWorkflowInput!) { masstock { \
        assignWorkflow(input: $input) { workflow { id name config client { id } } } } }";
    let data = ok(
        &app,
        &root,
        assign,
        json!({ "input": { "templateId": created["id"], "clientId": acme } }),
    )
    .await;
    let assigned = &data["masstock"]["assignWorkflow"]["workflow"];
    assert_eq!(assigned["name"], "Acme - Flash");
    assert_eq!(assigned["config"]["workflow_type"], "nano_banana");
    let body = app
        .gql(
            &root,
            assign,
            json!({ "input": { "templateId": created["id"], "clientId": uuid::Uuid::new_v4() } }),
        )
        .await
        .expect("r");
    assert_eq!(refusal(&body).0, "NOT_FOUND", "{body}");
    let mine = app.token(person);
    let q = "query($id: UUID!) { masstock { client(id: $id) { workflows { nodes { id } } } } }";
    let data = ok(&app, &mine, q, json!({ "id": acme })).await;
    assert_eq!(
        data["masstock"]["client"]["workflows"]["nodes"][0]["id"],
        assigned["id"]
    );
    // Cost and revenue, and the catalog, are the platform admins' alone.
    let q =
        "query($id: UUID!) { masstock { workflow(id: $id) { template { costPerExecution } } } }";
    let body = app
        .gql(&mine, q, json!({ "id": assigned["id"] }))
        .await
        .expect("r");
    assert_eq!(refusal(&body).0, "FORBIDDEN", "{body}");
    let data = ok(&app, &root, q, json!({ "id": assigned["id"] })).await;
    assert_eq!(
        data["masstock"]["workflow"]["template"]["costPerExecution"],
        0.039
    );
}

async fn a_suspended_client_shows_and_takes_nothing_from_its_members(backend: Backend) {
    let (app, seed) = seeded(&backend, 2).await;
    let root = app.token(admin(&seed));
    let member = app.token(collaborator(&seed, 0));
    let list = "{ masstock { clients { totalCount } } }";
    assert_eq!(
        ok(&app, &member, list, nothing()).await["masstock"]["clients"]["totalCount"],
        1
    );
    let suspend = json!({ "input": { "id": client(&seed, 0), "status": "SUSPENDED" } });
    ok(&app, &root, UPDATE_CLIENT, suspend).await;
    assert_eq!(
        ok(&app, &member, list, nothing()).await["masstock"]["clients"]["totalCount"],
        0
    );
    let start = "mutation($input: MasstockStartExecutionInput!) { masstock { \
        startExecution(input: $input) { workflowExecution { id } } } }";
    let before = count(
        &app,
        "SELECT COUNT(*) AS n FROM masstock_workflow_executions",
    )
    .await;
    let body = app
        .gql(
            &member,
            start,
            json!({ "input": { "workflowId": workflow(&seed, 0), "prompts": ["a cat"] } }),
        )
        .await
        .expect("r");
    assert_eq!(refusal(&body).0, "NOT_FOUND", "{backend:?}: {body}");
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) AS n FROM masstock_workflow_executions"
        )
        .await,
        before
    );
    // The platform admin still reads it, and brings it back.
    let q = "query($id: UUID!) { masstock { client(id: $id) { status } } }";
    let data = ok(&app, &root, q, json!({ "id": client(&seed, 0) })).await;
    assert_eq!(data["masstock"]["client"]["status"], "SUSPENDED");
    ok(
        &app,
        &root,
        UPDATE_CLIENT,
        json!({ "input": { "id": client(&seed, 0), "status": "ACTIVE" } }),
    )
    .await;
    assert_eq!(
        ok(&app, &member, list, nothing()).await["masstock"]["clients"]["totalCount"],
        1
    );
}

async fn a_suspended_user_sees_and_writes_nothing(backend: Backend) {
    let (app, seed) = seeded(&backend, 2).await;
    let root = app.token(admin(&seed));
    let person = collaborator(&seed, 0);
    let member = app.token(person);
    let update = "mutation($input: MasstockUpdateUserInput!) { masstock { \
        updateUser(input: $input) { user { id name status } } } }";
    let suspend = json!({ "input": { "id": person, "status": "SUSPENDED" } });
    let body = app
        .gql(&app.token(owner(&seed, 0)), update, suspend.clone())
        .await
        .expect("r");
    assert_eq!(
        refusal(&body).0,
        "FORBIDDEN",
        "only platform admins: {body}"
    );
    let body = app
        .gql(
            &root,
            update,
            json!({ "input": { "id": uuid::Uuid::new_v4(), "status": "SUSPENDED" } }),
        )
        .await
        .expect("r");
    assert_eq!(refusal(&body).0, "NOT_FOUND", "{body}");
    let data = ok(&app, &root, update, suspend).await;
    assert_eq!(
        data["masstock"]["updateUser"]["user"]["status"],
        "SUSPENDED"
    );
    let list = "{ masstock { clients { totalCount } me { status } } }";
    let data = ok(&app, &member, list, nothing()).await;
    assert_eq!(
        data["masstock"]["clients"]["totalCount"], 0,
        "{backend:?}: {data}"
    );
    assert_eq!(data["masstock"]["me"]["status"], "SUSPENDED");
    let open = "mutation($input: MasstockCreateSupportTicketInput!) { masstock { \
        createSupportTicket(input: $input) { supportTicket { id } } } }";
    let input =
        json!({ "input": { "clientId": client(&seed, 0), "subject": "s", "description": "d" } });
    let body = app.gql(&member, open, input.clone()).await.expect("r");
    assert_eq!(refusal(&body).0, "NOT_FOUND", "{body}");
    let restore = json!({ "input": { "id": person, "status": "ACTIVE", "name": "Back again" } });
    let data = ok(&app, &root, update, restore).await;
    assert_eq!(data["masstock"]["updateUser"]["user"]["name"], "Back again");
    ok(&app, &member, open, input).await;
}

async fn requests_and_tickets_follow_their_state_machines(backend: Backend) {
    let (app, seed) = seeded(&backend, 2).await;
    let root = app.token(admin(&seed));
    let create = "mutation($input: MasstockCreateWorkflowRequestInput!) { masstock { \
        createWorkflowRequest(input: $input) { workflowRequest { id status notes client { id } } } } }";
    let input = json!({ "input": { "workflowId": workflow(&seed, 0), "notes": "50 images" } });
    // Collaborators read requests; owners make them.
    let body = app
        .gql(&app.token(collaborator(&seed, 0)), create, input.clone())
        .await
        .expect("r");
    assert_eq!(
        refusal(&body),
        ("FORBIDDEN".into(), "OWNERS_ONLY".into()),
        "{body}"
    );
    let body = app
        .gql(&app.token(owner(&seed, 1)), create, input.clone())
        .await
        .expect("r");
    assert_eq!(
        refusal(&body).0,
        "NOT_FOUND",
        "another client's workflow: {body}"
    );
    let data = ok(&app, &app.token(owner(&seed, 0)), create, input).await;
    let request = &data["masstock"]["createWorkflowRequest"]["workflowRequest"];
    assert_eq!(
        (request["status"].as_str(), request["client"]["id"].clone()),
        (Some("PENDING"), json!(client(&seed, 0)))
    );
    let decide = "mutation($input: MasstockDecideWorkflowRequestInput!) { masstock { \
        decideWorkflowRequest(input: $input) { workflowRequest { status } } } }";
    let approve = json!({ "input": { "id": request["id"], "status": "APPROVED" } });
    let body = app
        .gql(&app.token(owner(&seed, 0)), decide, approve.clone())
        .await
        .expect("r");
    assert_eq!(refusal(&body).0, "FORBIDDEN", "{body}");
    let data = ok(&app, &root, decide, approve).await;
    assert_eq!(
        data["masstock"]["decideWorkflowRequest"]["workflowRequest"]["status"],
        "APPROVED"
    );
    let again = json!({ "input": { "id": request["id"], "status": "REJECTED" } });
    let body = app.gql(&root, decide, again).await.expect("r");
    assert_eq!(refusal(&body).0, "INVALID_TRANSITION", "{body}");

    let open = "mutation($input: MasstockCreateSupportTicketInput!) { masstock { \
        createSupportTicket(input: $input) { supportTicket { id status priority user { id } } } } }";
    let member = collaborator(&seed, 0);
    let body = app
        .gql(&app.token(member), open, json!({ "input": { "clientId": client(&seed, 0), "subject": " ", "description": "d" } }))
        .await
        .expect("r");
    assert_eq!(
        refusal(&body),
        ("BAD_USER_INPUT".into(), "REQUIRED".into()),
        "{body}"
    );
    let body = app
        .gql(&app.token(member), open, json!({ "input": { "clientId": client(&seed, 1), "subject": "s", "description": "d" } }))
        .await
        .expect("r");
    assert_eq!(refusal(&body).0, "NOT_FOUND", "another client: {body}");
    let input = json!({ "input": { "clientId": client(&seed, 0), "subject": "Uploads fail",
        "description": "Images over 5 MB", "priority": "HIGH" } });
    let data = ok(&app, &app.token(member), open, input).await;
    let ticket = &data["masstock"]["createSupportTicket"]["supportTicket"];
    assert_eq!(
        (ticket["status"].as_str(), ticket["priority"].as_str()),
        (Some("OPEN"), Some("HIGH"))
    );
    assert_eq!(ticket["user"]["id"], json!(member));
    let update = "mutation($input: MasstockUpdateSupportTicketInput!) { masstock { \
        updateSupportTicket(input: $input) { supportTicket { status priority } } } }";
    let step = |status: &str| json!({ "input": { "id": ticket["id"], "status": status } });
    let body = app
        .gql(&app.token(member), update, step("IN_PROGRESS"))
        .await
        .expect("r");
    assert_eq!(refusal(&body).0, "FORBIDDEN", "{body}");
    let body = app.gql(&root, update, step("CLOSED")).await.expect("r");
    assert_eq!(refusal(&body).0, "INVALID_TRANSITION", "{body}");
    for status in ["IN_PROGRESS", "RESOLVED", "CLOSED"] {
        let data = ok(&app, &root, update, step(status)).await;
        assert_eq!(
            data["masstock"]["updateSupportTicket"]["supportTicket"]["status"],
            status
        );
    }
}

async fn analytics_give_success_rates_and_top_workflows_within_the_viewers_clients(
    backend: Backend,
) {
    let (app, seed) = seeded(&backend, 2).await;
    let q = "{ masstock { clientSuccessRates { client { id } successRate { totalExecutions \
        successful failed successRatePercent } } topWorkflows(limit: 3) { workflow { id } \
        executionCount successfulCount avgDurationSeconds } } }";
    let data = ok(&app, &app.token(collaborator(&seed, 0)), q, nothing()).await;
    let rates = data["masstock"]["clientSuccessRates"]
        .as_array()
        .expect("rates")
        .clone();
    assert_eq!(rates.len(), 1, "{backend:?}: the member's client only");
    assert_eq!(rates[0]["client"]["id"], json!(client(&seed, 0)));
    assert_eq!(
        rates[0]["successRate"],
        json!({ "totalExecutions": 10, "successful": 4, "failed": 2, "successRatePercent": 40.0 })
    );
    let top = data["masstock"]["topWorkflows"]
        .as_array()
        .expect("top")
        .clone();
    assert_eq!(top.len(), 2, "{backend:?}: the client's two workflows");
    assert!(top
        .iter()
        .all(|w| w["executionCount"] == 5 && w["avgDurationSeconds"] == 300.0));
    let data = ok(&app, &app.token(admin(&seed)), q, nothing()).await;
    assert_eq!(
        data["masstock"]["clientSuccessRates"]
            .as_array()
            .map(Vec::len),
        Some(3)
    );
    assert_eq!(
        data["masstock"]["topWorkflows"].as_array().map(Vec::len),
        Some(3)
    );
    let body = app
        .gql(
            &app.token(admin(&seed)),
            "{ masstock { topWorkflows(limit: 0) { executionCount } } }",
            nothing(),
        )
        .await
        .expect("r");
    assert_eq!(
        refusal(&body),
        ("BAD_USER_INPUT".into(), "OUT_OF_RANGE".into()),
        "{body}"
    );
}

on_both_backends!(
    platform_admins_manage_clients_members_templates_and_workflows,
    a_suspended_client_shows_and_takes_nothing_from_its_members,
    a_suspended_user_sees_and_writes_nothing,
    requests_and_tickets_follow_their_state_machines,
    analytics_give_success_rates_and_top_workflows_within_the_viewers_clients,
);
