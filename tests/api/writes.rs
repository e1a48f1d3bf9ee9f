//! The Studios write path: each rule with a passing and a failing case, nothing written on
//! failure, and no way to change another tenant's rows.

use serde_json::{json, Value};
use studiogate_testkit::{error_codes, on_both_backends, Backend, TestApp};
use uuid::Uuid;

use crate::support::{admin, company, pending, rows, seeded};

const CREATE_COMPANY: &str = r#"mutation($input: CompanyInput!) { createCompany(input: $input) {
    company { id name viewerRole updatedAt members { nodes { role status user { id } } } } } }"#;

fn company_input(name: &str) -> Value {
    json!({ "name": name, "industryType": "TECHNOLOGY", "contactEmail": "ops@acme.example",
            "contactPhone": "+1 555 010 2000", "headquartersAddress": "1 Harbour Road, Springfield" })
}

fn field(body: &Value) -> &Value {
    &body["errors"][0]["extensions"]["field"]
}

async fn count(app: &TestApp, table: &str) -> usize {
    rows(app, &format!("SELECT id FROM {table}")).await.len()
}

async fn companies_are_created_validated_and_unique_per_creator(backend: Backend) {
    let (app, seed) = seeded(&backend, 1).await;
    let me = crate::support::member(&seed, 0, 1);
    let token = app.token(me);
    let body = app
        .gql(
            &token,
            CREATE_COMPANY,
            json!({ "input": company_input("Acme Robotics") }),
        )
        .await
        .expect("ok");
    let created = &body["data"]["createCompany"]["company"];
    assert_eq!(created["viewerRole"], "ADMIN", "{backend:?}: {body}");
    assert_eq!(
        created["members"]["nodes"],
        json!([{ "role": "ADMIN", "status": "APPROVED", "user": { "id": me } }])
    );

    let before = count(&app, "companies").await;
    let dup = app
        .gql(
            &token,
            CREATE_COMPANY,
            json!({ "input": company_input("Acme Robotics") }),
        )
        .await
        .expect("ok");
    assert_eq!(error_codes(&dup), vec!["CONFLICT"]);
    assert_eq!(field(&dup), "name");
    for (patch, name) in [
        (json!({ "name": "Ac" }), "name"),
        (json!({ "contactEmail": "not an email" }), "contactEmail"),
        (json!({ "contactPhone": "12" }), "contactPhone"),
        (
            json!({ "headquartersAddress": "short" }),
            "headquartersAddress",
        ),
    ] {
        let mut input = company_input("Valid Name Inc");
        for (k, v) in patch.as_object().expect("object") {
            input[k] = v.clone();
        }
        let bad = app
            .gql(&token, CREATE_COMPANY, json!({ "input": input }))
            .await
            .expect("ok");
        assert_eq!(error_codes(&bad), vec!["BAD_USER_INPUT"], "{name}");
        assert_eq!(field(&bad), name);
    }
    assert_eq!(
        count(&app, "companies").await,
        before,
        "{backend:?}: a failed create wrote"
    );
    // Another creator may use the same name.
    let other = app.token(crate::support::member(&seed, 0, 2));
    let body = app
        .gql(
            &other,
            CREATE_COMPANY,
            json!({ "input": company_input("Acme Robotics") }),
        )
        .await
        .expect("ok");
    assert!(body["errors"].is_null(), "{body}");
}
on_both_backends!(companies_are_created_validated_and_unique_per_creator);

const UPDATE_COMPANY: &str = r#"mutation($input: UpdateCompanyInput!) { updateCompany(input: $input) { company { name updatedAt } } }"#;
const BRANCH: &str = r#"mutation($input: ChangeCompanyBranchInput!) { changeCompanyBranch(input: $input) { company { updatedAt branches { name address } } } }"#;

async fn admins_update_companies_and_branches_with_stale_checks(backend: Backend) {
    let (app, seed) = seeded(&backend, 2).await;
    let (a, b) = (company(&seed, 0), company(&seed, 1));
    let admin = app.token(admin(&seed, 0));
    let q = "query($id: UUID!) { company(id: $id) { updatedAt } }";
    let seen = app.gql(&admin, q, json!({ "id": a })).await.expect("ok")["data"]["company"]
        ["updatedAt"]
        .clone();
    let input = json!({ "id": a, "updatedAt": seen, "company": company_input("Company Zero") });
    let body = app
        .gql(&admin, UPDATE_COMPANY, json!({ "input": input }))
        .await
        .expect("ok");
    assert_eq!(
        body["data"]["updateCompany"]["company"]["name"], "Company Zero",
        "{body}"
    );
    let stale = app
        .gql(&admin, UPDATE_COMPANY, json!({ "input": input }))
        .await
        .expect("ok");
    assert_eq!(error_codes(&stale), vec!["CONFLICT"]);
    assert_eq!(stale["errors"][0]["extensions"]["reason"], "STALE_OBJECT");

    let member = app.token(crate::support::member(&seed, 0, 1));
    let input = json!({ "id": a, "company": company_input("Company Nope") });
    assert_eq!(
        error_codes(
            &app.gql(&member, UPDATE_COMPANY, json!({ "input": input }))
                .await
                .expect("ok")
        ),
        vec!["FORBIDDEN"]
    );
    let foreign = json!({ "id": b, "company": company_input("Company Nope") });
    assert_eq!(
        error_codes(
            &app.gql(&admin, UPDATE_COMPANY, json!({ "input": foreign }))
                .await
                .expect("ok")
        ),
        vec!["NOT_FOUND"]
    );

    let branch = |name: &str| json!({ "name": name, "address": "9 Quay Street, Springfield" });
    let add = app
        .gql(
            &admin,
            BRANCH,
            json!({ "input": { "companyId": a, "branch": branch("Harbour") } }),
        )
        .await
        .expect("ok");
    let names: Vec<&str> = add["data"]["changeCompanyBranch"]["company"]["branches"]
        .as_array()
        .expect("list")
        .iter()
        .map(|b| b["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["North", "Harbour"], "{add}");
    let dup = app
        .gql(
            &admin,
            BRANCH,
            json!({ "input": { "companyId": a, "branch": branch("harbour") } }),
        )
        .await
        .expect("ok");
    assert_eq!(error_codes(&dup), vec!["CONFLICT"]);
    let renamed = app
        .gql(
            &admin,
            BRANCH,
            json!({ "input": { "companyId": a, "name": "Harbour", "branch": branch("Quay") } }),
        )
        .await
        .expect("ok");
    assert_eq!(
        renamed["data"]["changeCompanyBranch"]["company"]["branches"][1]["name"],
        "Quay"
    );
    let removed = app
        .gql(
            &admin,
            BRANCH,
            json!({ "input": { "companyId": a, "name": "North" } }),
        )
        .await
        .expect("ok");
    assert_eq!(
        removed["data"]["changeCompanyBranch"]["company"]["branches"],
        json!([{ "name": "Quay", "address": "9 Quay Street, Springfield" }])
    );
    let missing = app
        .gql(
            &admin,
            BRANCH,
            json!({ "input": { "companyId": a, "name": "Nowhere" } }),
        )
        .await
        .expect("ok");
    assert_eq!(error_codes(&missing), vec!["NOT_FOUND"]);
}
on_both_backends!(admins_update_companies_and_branches_with_stale_checks);

const REQUEST: &str = r#"mutation($id: UUID!) { requestCompanyMembership(input: { companyId: $id }) { membership { id status role } } }"#;
const DECIDE: &str = r#"mutation($id: UUID!) {
  approve: approveMembership(input: { membershipId: $id }) { membership { status joinedAt } } }"#;

async fn decide(app: &TestApp, token: &str, action: &str, id: &Value) -> Value {
    let q = format!("mutation($id: UUID!) {{ {action}(input: {{ membershipId: $id }}) {{ membership {{ status role }} }} }}");
    app.gql(token, &q, json!({ "id": id })).await.expect("ok")
}

async fn join_requests_are_decided_by_admins_and_a_company_keeps_an_admin(backend: Backend) {
    let (app, seed) = seeded(&backend, 2).await;
    let a = company(&seed, 0);
    let admin = app.token(admin(&seed, 0));
    let member = app.token(crate::support::member(&seed, 0, 1));
    let outsider_id = crate::support::member(&seed, 1, 1);
    let outsider = app.token(outsider_id);
    let see = "query($id: UUID!) { company(id: $id) { id } }";

    let req = app
        .gql(&outsider, REQUEST, json!({ "id": a }))
        .await
        .expect("ok");
    let membership = req["data"]["requestCompanyMembership"]["membership"].clone();
    assert_eq!(membership["status"], "PENDING", "{req}");
    assert_eq!(
        error_codes(
            &app.gql(&outsider, REQUEST, json!({ "id": a }))
                .await
                .expect("ok")
        ),
        vec!["CONFLICT"]
    );
    assert_eq!(
        error_codes(
            &app.gql(&outsider, see, json!({ "id": a }))
                .await
                .expect("ok")
        ),
        vec!["NOT_FOUND"]
    );

    // Only admins see the request, and only admins decide it.
    let pending =
        r#"query($id: UUID!) { company(id: $id) { members(status: [PENDING]) { nodes { id } } } }"#;
    let by_admin = app
        .gql(&admin, pending, json!({ "id": a }))
        .await
        .expect("ok");
    assert!(by_admin["data"]["company"]["members"]["nodes"]
        .as_array()
        .expect("list")
        .contains(&json!({ "id": membership["id"] })));
    let by_member = app
        .gql(&member, pending, json!({ "id": a }))
        .await
        .expect("ok");
    assert!(!by_member["data"]["company"]["members"]["nodes"]
        .as_array()
        .expect("list")
        .contains(&json!({ "id": membership["id"] })));
    assert_eq!(
        error_codes(&decide(&app, &member, "approveMembership", &membership["id"]).await),
        vec!["FORBIDDEN"]
    );

    let approved = app
        .gql(&admin, DECIDE, json!({ "id": membership["id"] }))
        .await
        .expect("ok");
    assert_eq!(
        approved["data"]["approve"]["membership"]["status"], "APPROVED",
        "{approved}"
    );
    assert!(approved["data"]["approve"]["membership"]["joinedAt"].is_string());
    assert_eq!(
        error_codes(&decide(&app, &admin, "approveMembership", &membership["id"]).await),
        vec!["INVALID_TRANSITION"]
    );
    assert_eq!(
        app.gql(&outsider, see, json!({ "id": a }))
            .await
            .expect("ok")["data"]["company"]["id"],
        json!(a)
    );

    // Revoked: access ends at once; a new request is possible.
    let revoked = decide(&app, &admin, "revokeMembership", &membership["id"]).await;
    assert_eq!(
        revoked["data"]["revokeMembership"]["membership"]["status"], "INACTIVE",
        "{revoked}"
    );
    assert_eq!(
        error_codes(
            &app.gql(&outsider, see, json!({ "id": a }))
                .await
                .expect("ok")
        ),
        vec!["NOT_FOUND"]
    );
    let again = app
        .gql(&outsider, REQUEST, json!({ "id": a }))
        .await
        .expect("ok");
    assert_eq!(
        again["data"]["requestCompanyMembership"]["membership"]["status"],
        "PENDING"
    );
    let rejected = decide(&app, &admin, "rejectMembership", &membership["id"]).await;
    assert_eq!(
        rejected["data"]["rejectMembership"]["membership"]["status"],
        "REJECTED"
    );

    // The only admin can neither leave nor step down; with a second admin both work.
    let leave = "mutation($id: UUID!) { leaveCompany(input: { companyId: $id }) { membership { status } } }";
    let refused = app
        .gql(&admin, leave, json!({ "id": a }))
        .await
        .expect("ok");
    assert_eq!(error_codes(&refused), vec!["CONFLICT"]);
    assert_eq!(refused["errors"][0]["extensions"]["reason"], "LAST_ADMIN");
    let ids = rows(&app, "SELECT id, user_id FROM user_companies").await;
    let id_of = |user: Uuid| {
        ids.iter()
            .find(|r| {
                crate::support::uuid(r, "user_id") == user && {
                    let c: Uuid = r.try_get("", "id").expect("id");
                    let _ = c;
                    true
                }
            })
            .map(|r| json!(crate::support::uuid(r, "id")))
            .expect("membership")
    };
    let admin_membership = id_of(crate::support::admin(&seed, 0));
    let role = "mutation($id: UUID!, $role: MembershipRole!) { changeMemberRole(input: { membershipId: $id, role: $role }) { membership { role } } }";
    let demote = app
        .gql(
            &admin,
            role,
            json!({ "id": admin_membership, "role": "MEMBER" }),
        )
        .await
        .expect("ok");
    assert_eq!(
        demote["errors"][0]["extensions"]["reason"], "LAST_ADMIN",
        "{demote}"
    );
    let promote = app
        .gql(
            &admin,
            role,
            json!({ "id": id_of(crate::support::member(&seed, 0, 1)), "role": "ADMIN" }),
        )
        .await
        .expect("ok");
    assert_eq!(
        promote["data"]["changeMemberRole"]["membership"]["role"], "ADMIN",
        "{promote}"
    );
    let left = app
        .gql(&admin, leave, json!({ "id": a }))
        .await
        .expect("ok");
    assert_eq!(
        left["data"]["leaveCompany"]["membership"]["status"], "INACTIVE",
        "{left}"
    );
}
on_both_backends!(join_requests_are_decided_by_admins_and_a_company_keeps_an_admin);

const CREATE_STUDIO: &str = r#"mutation($input: CreateStudioInput!) { createStudio(input: $input) { studio { id name updatedAt company { id } } } }"#;

async fn members_create_change_and_delete_studios(backend: Backend) {
    let (app, seed) = seeded(&backend, 2).await;
    let (a, b) = (company(&seed, 0), company(&seed, 1));
    let member = app.token(crate::support::member(&seed, 0, 3));
    let input = |company: Uuid, name: &str| json!({ "input": { "companyId": company, "name": name, "businessArea": "SALES" } });
    let body = app
        .gql(&member, CREATE_STUDIO, input(a, "Outbound"))
        .await
        .expect("ok");
    let studio = body["data"]["createStudio"]["studio"].clone();
    assert_eq!(studio["company"]["id"], json!(a), "{body}");
    let dup = app
        .gql(&member, CREATE_STUDIO, input(a, "Studio 01"))
        .await
        .expect("ok");
    assert_eq!(
        (error_codes(&dup), field(&dup).clone()),
        (vec!["CONFLICT".to_owned()], json!("name"))
    );
    let short = app
        .gql(&member, CREATE_STUDIO, input(a, "ab"))
        .await
        .expect("ok");
    assert_eq!(error_codes(&short), vec!["BAD_USER_INPUT"]);
    assert_eq!(
        error_codes(
            &app.gql(&member, CREATE_STUDIO, input(b, "Elsewhere"))
                .await
                .expect("ok")
        ),
        vec!["NOT_FOUND"]
    );
    let pending = app.token(pending(&seed, 0));
    assert_eq!(
        error_codes(
            &app.gql(&pending, CREATE_STUDIO, input(a, "Sneaky"))
                .await
                .expect("ok")
        ),
        vec!["NOT_FOUND"]
    );

    let update = r#"mutation($input: UpdateStudioInput!) { updateStudio(input: $input) { studio { name description businessArea } } }"#;
    let changed = app.gql(&member, update, json!({ "input": { "id": studio["id"], "updatedAt": studio["updatedAt"], "name": "Outbound Sales", "description": "Calls", "businessArea": "MARKETING" } })).await.expect("ok");
    assert_eq!(
        changed["data"]["updateStudio"]["studio"],
        json!({ "name": "Outbound Sales", "description": "Calls", "businessArea": "MARKETING" }),
        "{changed}"
    );
    let stale = app.gql(&member, update, json!({ "input": { "id": studio["id"], "updatedAt": studio["updatedAt"], "name": "Late" } })).await.expect("ok");
    assert_eq!(stale["errors"][0]["extensions"]["reason"], "STALE_OBJECT");

    let executions_before = count(&app, "workflow_executions").await;
    let delete = r#"mutation($id: UUID!) { deleteStudio(input: { id: $id }) { deletedStudioId } }"#;
    // A seeded studio (it has 40 executions), not the one made above.
    let seeded_studio = rows(&app, "SELECT id, company_id, name FROM studios")
        .await
        .iter()
        .find(|r| {
            crate::support::uuid(r, "company_id") == a
                && crate::support::text(r, "name") == "Studio 03"
        })
        .map(|r| crate::support::uuid(r, "id"))
        .expect("studio");
    let outsider = app.token(crate::support::member(&seed, 1, 1));
    assert_eq!(
        error_codes(
            &app.gql(&outsider, delete, json!({ "id": seeded_studio }))
                .await
                .expect("ok")
        ),
        vec!["NOT_FOUND"]
    );
    assert_eq!(
        count(&app, "workflow_executions").await,
        executions_before,
        "a refused delete removed nothing"
    );
    // Deleting is for the company's admins.
    assert_eq!(
        error_codes(
            &app.gql(&member, delete, json!({ "id": seeded_studio }))
                .await
                .expect("ok")
        ),
        vec!["FORBIDDEN"]
    );
    let admin = app.token(crate::support::admin(&seed, 0));
    let deleted = app
        .gql(&admin, delete, json!({ "id": seeded_studio }))
        .await
        .expect("ok");
    assert_eq!(
        deleted["data"]["deleteStudio"]["deletedStudioId"],
        json!(seeded_studio),
        "{deleted}"
    );
    assert_eq!(
        count(&app, "workflow_executions").await,
        executions_before - 40,
        "executions cascade"
    );
}
on_both_backends!(members_create_change_and_delete_studios);

const START: &str = r#"mutation($input: StartWorkflowExecutionInput!) { startWorkflowExecution(input: $input) {
    workflowExecution { id status retryCount files { usageType file { id } } } } }"#;
const STATUS: &str = r#"mutation($id: UUID!, $status: ExecutionStatus!, $lines: [String!]) {
  changeWorkflowExecutionStatus(input: { id: $id, status: $status, logLines: $lines }) {
    workflowExecution { status startedAt completedAt durationSeconds retryCount logs } } }"#;
const REPORT: &str = r#"mutation($id: UUID!, $status: ExecutionStatus!, $lines: [String!]) {
  reportWorkflowExecution(input: { id: $id, status: $status, logLines: $lines }) {
    workflowExecution { status startedAt completedAt durationSeconds retryCount } } }"#;

async fn executions_start_with_valid_input_and_follow_the_state_machine(backend: Backend) {
    let (app, seed) = seeded(&backend, 2).await;
    let member = app.token(crate::support::member(&seed, 0, 2));
    let studio_rows = rows(&app, "SELECT id, company_id FROM studios").await;
    let studios: Vec<Uuid> = studio_rows
        .iter()
        .filter(|r| crate::support::uuid(r, "company_id") == company(&seed, 0))
        .map(|r| crate::support::uuid(r, "id"))
        .collect();
    let file_rows = rows(
        &app,
        "SELECT id, studio_id FROM files WHERE access_level <> 'private'",
    )
    .await;
    let file_of = |studio: Uuid| {
        file_rows
            .iter()
            .find(|r| crate::support::uuid(r, "studio_id") == studio)
            .map(|r| crate::support::uuid(r, "id"))
            .expect("file")
    };
    let templates = app
        .gql(
            &member,
            "{ workflowTemplates(first: 1) { nodes { id } } }",
            json!({}),
        )
        .await
        .expect("ok");
    let template = templates["data"]["workflowTemplates"]["nodes"][0]["id"].clone();
    let input = |data: Value, file: Uuid| {
        json!({ "input": { "studioId": studios[0], "templateId": template,
        "inputData": data, "files": [{ "fileId": file, "usageType": "INPUT" }] } })
    };

    let bad = app
        .gql(
            &member,
            START,
            input(json!({ "subject": 42 }), file_of(studios[0])),
        )
        .await
        .expect("ok");
    assert_eq!(error_codes(&bad), vec!["BAD_USER_INPUT"], "{bad}");
    assert_eq!(field(&bad), "inputData");
    assert_eq!(
        bad["errors"][0]["extensions"]["violations"][0]["pointer"],
        "/subject"
    );
    let missing = app
        .gql(&member, START, input(json!({}), file_of(studios[0])))
        .await
        .expect("ok");
    assert_eq!(
        missing["errors"][0]["extensions"]["violations"][0]["pointer"],
        ""
    );
    let wrong_studio = app
        .gql(
            &member,
            START,
            input(json!({ "subject": "x" }), file_of(studios[1])),
        )
        .await
        .expect("ok");
    assert_eq!(field(&wrong_studio), "files.0.fileId");

    // No execution of the seed is left pending, so the runner below claims only this one.
    rows(
        &app,
        "UPDATE workflow_executions SET status = 'paused' WHERE status = 'pending'",
    )
    .await;
    let body = app
        .gql(
            &member,
            START,
            input(
                json!({ "subject": "Quarterly report" }),
                file_of(studios[0]),
            ),
        )
        .await
        .expect("ok");
    let exec = body["data"]["startWorkflowExecution"]["workflowExecution"].clone();
    assert_eq!(exec["status"], "PENDING", "{body}");
    assert_eq!(exec["files"][0]["file"]["id"], json!(file_of(studios[0])));
    let id = exec["id"].clone();
    let step =
        |status: &str| json!({ "id": id, "status": status, "lines": [format!("to {status}")] });

    let runner = app.token_with_role(crate::support::member(&seed, 0, 3), "service");
    let (app, runner, id, step) = (&app, &runner, &id, &step);
    let claim = || async move {
        let body = app
            .gql(
                runner,
                "mutation { claimWorkflowExecutions(input: { limit: 5 }) { workflowExecutions { id startedAt } } }",
                json!({}),
            )
            .await
            .expect("ok");
        let claimed = body["data"]["claimWorkflowExecutions"]["workflowExecutions"].clone();
        assert_eq!(claimed[0]["id"], *id, "{body}");
        assert_eq!(claimed.as_array().map(Vec::len), Some(1), "{body}");
        claimed[0].clone()
    };
    let fail = || async move {
        let body = app.gql(runner, REPORT, step("FAILED")).await.expect("ok");
        body["data"]["reportWorkflowExecution"]["workflowExecution"].clone()
    };

    let skip = app
        .gql(&member, STATUS, step("SUCCEEDED"))
        .await
        .expect("ok");
    assert_eq!(error_codes(&skip), vec!["INVALID_TRANSITION"]);
    // Starting is the runner's claim, not a person's move.
    let start = app.gql(&member, STATUS, step("RUNNING")).await.expect("ok");
    assert_eq!(error_codes(&start), vec!["FORBIDDEN"], "{start}");
    assert!(claim().await["startedAt"].is_string());
    let failed = fail().await;
    assert!(failed["completedAt"].is_string(), "{failed}");
    assert!(failed["durationSeconds"].as_i64().is_some_and(|d| d >= 0));
    for n in 1..=3 {
        let retry = app.gql(&member, STATUS, step("PENDING")).await.expect("ok");
        let e = &retry["data"]["changeWorkflowExecutionStatus"]["workflowExecution"];
        assert_eq!(e["retryCount"], n, "{retry}");
        assert!(e["completedAt"].is_null());
        claim().await;
        assert_eq!(fail().await["status"], "FAILED");
    }
    let fourth = app.gql(&member, STATUS, step("PENDING")).await.expect("ok");
    assert_eq!(
        fourth["errors"][0]["extensions"]["reason"], "RETRY_LIMIT",
        "{fourth}"
    );
    // Every change appended its lines; the first entry is still the creation.
    let logs = rows(app, "SELECT id FROM workflow_executions").await.len();
    assert!(logs > 0);
    let q = "query($id: UUID!) { workflowExecution(id: $id) { logs } }";
    let log = app.gql(&member, q, json!({ "id": id })).await.expect("ok")["data"]
        ["workflowExecution"]["logs"]
        .clone();
    let log = log.as_array().expect("logs");
    assert_eq!(log[0]["message"], "created");
    // Creation, then 4 claims (one entry each), 4 failures and 3 retries (two each).
    assert_eq!(log.len(), 1 + 4 + 2 * 7, "{backend:?}: {log:?}");

    let outsider = app.token(crate::support::member(&seed, 1, 1));
    assert_eq!(
        error_codes(
            &app.gql(&outsider, STATUS, step("RUNNING"))
                .await
                .expect("ok")
        ),
        vec!["NOT_FOUND"]
    );
}
on_both_backends!(executions_start_with_valid_input_and_follow_the_state_machine);

/// Two stored files for `studio`, written straight to the database (uploads are not part of
/// this test).
async fn store_two_files(app: &TestApp, studio: Uuid, uploader: Uuid) {
    let now = chrono::Utc::now().fixed_offset();
    for (size, access) in [(1000, "private"), (2500, "studio")] {
        crate::support::store_file(app, studio, uploader, size, access, now).await;
    }
}

async fn analytics_count_each_figure_on_its_own(backend: Backend) {
    let (app, seed) = seeded(&backend, 1).await;
    let me = crate::support::member(&seed, 0, 4);
    let token = app.token(me);
    let body = app.gql(&token, CREATE_STUDIO, json!({ "input": { "companyId": company(&seed, 0), "name": "Analytics", "businessArea": "HR" } })).await.expect("ok");
    let studio: Uuid =
        serde_json::from_value(body["data"]["createStudio"]["studio"]["id"].clone()).expect("id");
    let template = crate::realtime::template(&app, &token).await;
    // Only this studio's executions are pending, for the runner below to claim.
    rows(
        &app,
        "UPDATE workflow_executions SET status = 'paused' WHERE status = 'pending'",
    )
    .await;
    let mut ids = Vec::new();
    for n in 0..3 {
        let input = json!({ "input": { "studioId": studio, "templateId": template, "inputData": { "subject": format!("run {n}") } } });
        let body = app.gql(&token, START, input).await.expect("ok");
        ids.push(body["data"]["startWorkflowExecution"]["workflowExecution"]["id"].clone());
    }
    let runner = app.token_with_role(crate::support::member(&seed, 0, 3), "service");
    let claim =
        "mutation { claimWorkflowExecutions(input: { limit: 5 }) { workflowExecutions { id } } }";
    let body = app.gql(&runner, claim, json!({})).await.expect("ok");
    let claimed = &body["data"]["claimWorkflowExecutions"]["workflowExecutions"];
    assert_eq!(claimed.as_array().map(Vec::len), Some(3), "{body}");
    for (id, status) in [(&ids[0], "SUCCEEDED"), (&ids[1], "FAILED")] {
        let vars = json!({ "id": id, "status": status, "lines": [] });
        let body = app.gql(&runner, REPORT, vars).await.expect("ok");
        assert!(body["errors"].is_null(), "{body}");
    }
    store_two_files(&app, studio, crate::support::member(&seed, 0, 5)).await;

    let q = r#"query($id: UUID!) { studio(id: $id) { analytics { totalExecutions succeededExecutions
        failedExecutions averageDurationSeconds uniqueUsers filesUploaded storageUsedBytes lastExecutionAt }
        company { analytics { totalExecutions filesUploaded } } } }"#;
    let body = app
        .gql(&token, q, json!({ "id": studio }))
        .await
        .expect("ok");
    let a = &body["data"]["studio"]["analytics"];
    assert_eq!(a["totalExecutions"], 3, "{backend:?}: {body}");
    assert_eq!(
        a["filesUploaded"], 2,
        "{backend:?}: files counted once, private included"
    );
    assert_eq!(a["succeededExecutions"], 1);
    assert_eq!(a["failedExecutions"], 1);
    assert_eq!(a["uniqueUsers"], 1);
    assert_eq!(a["storageUsedBytes"], 3500);
    assert!(a["averageDurationSeconds"]
        .as_f64()
        .is_some_and(|d| d >= 0.0));
    assert!(a["lastExecutionAt"].is_string());
    // The company adds its 10 seeded studios: 400 executions and 150 files.
    let c = &body["data"]["studio"]["company"]["analytics"];
    assert_eq!(
        (c["totalExecutions"].clone(), c["filesUploaded"].clone()),
        (json!(403), json!(152))
    );
}
on_both_backends!(analytics_count_each_figure_on_its_own);
