//! Platform roles, stored per domain in the database: a studios platform admin manages the
//! template catalog and reads every tenant, writes inside a tenant only as a member, and is
//! nobody special as another domain's admin or through a token claim; service tokens never
//! reach membership management.

use serde_json::json;
use studiogate_testkit::{error_codes, on_both_backends, Backend};
use uuid::Uuid;

use crate::support::{admin, company, seeded};

const CREATE: &str = r#"mutation($input: CreateWorkflowTemplateInput!) {
  createWorkflowTemplate(input: $input) { workflowTemplate { id name isActive updatedAt } } }"#;
const UPDATE: &str = r#"mutation($input: UpdateWorkflowTemplateInput!) {
  updateWorkflowTemplate(input: $input) { workflowTemplate { id isActive version updatedAt } } }"#;

fn template(name: &str) -> serde_json::Value {
    json!({
        "name": name,
        "description": "Summarises the week's support tickets.",
        "businessArea": "CUSTOMER_SUPPORT",
        "activepiecesFlowId": Uuid::new_v4(),
        "inputSchema": { "type": "object", "properties": { "week": { "type": "string" } } },
        "estimatedDurationMinutes": 15,
        "complexityLevel": "BEGINNER",
        "tags": ["support", "weekly"],
        "version": "1.0.0"
    })
}

async fn platform_admins_manage_templates_and_members_cannot(backend: Backend) {
    let (app, seed) = seeded(&backend, 1).await;
    let member = app.token(admin(&seed, 0));
    let admin_id = crate::support::member(&seed, 0, 5);
    app.grant_platform_admin(admin_id, "studios")
        .await
        .expect("granted");
    let admin = app.token(admin_id);

    let refused = app
        .gql(
            &member,
            CREATE,
            json!({ "input": template("Weekly digest") }),
        )
        .await
        .expect("ok");
    assert_eq!(error_codes(&refused), vec!["FORBIDDEN"], "{refused}");

    let created = app
        .gql(
            &admin,
            CREATE,
            json!({ "input": template("Weekly digest") }),
        )
        .await
        .expect("ok");
    let t = created["data"]["createWorkflowTemplate"]["workflowTemplate"].clone();
    assert_eq!(t["name"], "Weekly digest", "{created}");
    let dup = app
        .gql(
            &admin,
            CREATE,
            json!({ "input": template("Weekly digest") }),
        )
        .await
        .expect("ok");
    assert_eq!(error_codes(&dup), vec!["CONFLICT"]);
    assert_eq!(dup["errors"][0]["extensions"]["field"], "name");

    for (patch, field) in [
        (
            json!({ "inputSchema": { "type": "banana" } }),
            "inputSchema",
        ),
        (json!({ "version": "1.0" }), "version"),
        (
            json!({ "estimatedDurationMinutes": 0 }),
            "estimatedDurationMinutes",
        ),
        (json!({ "description": "short" }), "description"),
    ] {
        let mut input = template("Another template");
        for (k, v) in patch.as_object().expect("object") {
            input[k] = v.clone();
        }
        let body = app
            .gql(&admin, CREATE, json!({ "input": input }))
            .await
            .expect("ok");
        assert_eq!(
            error_codes(&body),
            vec!["BAD_USER_INPUT"],
            "{field}: {body}"
        );
        assert_eq!(body["errors"][0]["extensions"]["field"], field);
    }

    // Retire it, with the updatedAt the admin saw; a second write with the old one is stale.
    let seen = t["updatedAt"].clone();
    let input = json!({ "id": t["id"], "updatedAt": seen, "isActive": false, "version": "1.1.0" });
    let body = app
        .gql(&admin, UPDATE, json!({ "input": input }))
        .await
        .expect("ok");
    assert_eq!(
        body["data"]["updateWorkflowTemplate"]["workflowTemplate"]["isActive"], false,
        "{body}"
    );
    let stale = app
        .gql(&admin, UPDATE, json!({ "input": input }))
        .await
        .expect("ok");
    assert_eq!(error_codes(&stale), vec!["CONFLICT"]);
    assert_eq!(stale["errors"][0]["extensions"]["reason"], "STALE_OBJECT");
    let update_refused = app
        .gql(
            &member,
            UPDATE,
            json!({ "input": { "id": t["id"], "isActive": true } }),
        )
        .await
        .expect("ok");
    assert_eq!(error_codes(&update_refused), vec!["FORBIDDEN"]);

    // Members no longer see the retired template; the admin does.
    let q = "query($id: UUID!) { workflowTemplate(id: $id) { id } }";
    let hidden = app
        .gql(&member, q, json!({ "id": t["id"] }))
        .await
        .expect("ok");
    assert_eq!(error_codes(&hidden), vec!["NOT_FOUND"]);
    let seen = app
        .gql(&admin, q, json!({ "id": t["id"] }))
        .await
        .expect("ok");
    assert_eq!(seen["data"]["workflowTemplate"]["id"], t["id"]);
}
on_both_backends!(platform_admins_manage_templates_and_members_cannot);

async fn platform_admins_read_every_tenant_and_write_only_where_they_are_members(backend: Backend) {
    let (app, seed) = seeded(&backend, 2).await;
    // A member of company 0 only, made a studios platform admin.
    let admin_id = crate::support::member(&seed, 0, 2);
    app.grant_platform_admin(admin_id, "studios")
        .await
        .expect("granted");
    let admin = app.token(admin_id);
    let q =
        "query($id: UUID!) { company(id: $id) { studios(first: 1) { nodes { id updatedAt } } } }";
    let body = app
        .gql(&admin, "{ companies { totalCount } }", json!({}))
        .await
        .expect("ok");
    assert_eq!(body["data"]["companies"]["totalCount"], 2, "{body}");
    let member = app.token(crate::support::member(&seed, 0, 1));
    let body = app
        .gql(&member, "{ companies { totalCount } }", json!({}))
        .await
        .expect("ok");
    assert_eq!(body["data"]["companies"]["totalCount"], 1);

    let update = r#"mutation($input: UpdateStudioInput!) { updateStudio(input: $input) { studio { description } } }"#;
    for (c, writes) in [(0, true), (1, false)] {
        let body = app
            .gql(&admin, q, json!({ "id": company(&seed, c) }))
            .await
            .expect("ok");
        let studio = body["data"]["company"]["studios"]["nodes"][0].clone();
        assert!(studio["id"].is_string(), "company {c} is readable: {body}");
        let input = json!({ "id": studio["id"], "updatedAt": studio["updatedAt"], "description": "Edited by the platform admin" });
        let changed = app
            .gql(&admin, update, json!({ "input": input }))
            .await
            .expect("ok");
        if writes {
            assert_eq!(
                changed["data"]["updateStudio"]["studio"]["description"],
                "Edited by the platform admin",
                "{changed}"
            );
        } else {
            // Not a member: the studio is as missing as any foreign one.
            assert_eq!(error_codes(&changed), vec!["NOT_FOUND"], "{changed}");
        }
    }
}
on_both_backends!(platform_admins_read_every_tenant_and_write_only_where_they_are_members);

async fn a_platform_admin_of_another_domain_or_by_token_claim_is_nobody_here(backend: Backend) {
    let (app, seed) = seeded(&backend, 2).await;
    let elsewhere = crate::support::member(&seed, 0, 3);
    app.grant_platform_admin(elsewhere, "identity")
        .await
        .expect("granted");
    let claimed = app.token_with_role(crate::support::member(&seed, 0, 4), "platform_admin");
    for token in [app.token(elsewhere), claimed] {
        let refused = app
            .gql(
                &token,
                CREATE,
                json!({ "input": template("Weekly digest") }),
            )
            .await
            .expect("ok");
        assert_eq!(error_codes(&refused), vec!["FORBIDDEN"], "{refused}");
        let body = app
            .gql(&token, "{ companies { totalCount } }", json!({}))
            .await
            .expect("ok");
        assert_eq!(body["data"]["companies"]["totalCount"], 1, "{body}");
    }
}
on_both_backends!(a_platform_admin_of_another_domain_or_by_token_claim_is_nobody_here);

async fn granting_checks_the_domain_and_the_account(backend: Backend) {
    let (app, seed) = seeded(&backend, 1).await;
    let url = app.db.url.clone();
    let out = app
        .run(&[
            "admin",
            "grant",
            "--account",
            &crate::support::member(&seed, 0, 1).to_string(),
            "--domain",
            "nosuchdomain",
            "--database-url",
            &url,
        ])
        .await
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no domain `nosuchdomain`"), "{stderr}");
    let out = app
        .run(&[
            "admin",
            "grant",
            "--account",
            &Uuid::new_v4().to_string(),
            "--domain",
            "studios",
            "--database-url",
            &url,
        ])
        .await
        .expect("runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no account"), "{stderr}");
    let count = crate::support::rows(&app, "SELECT count(*) AS n FROM platform_roles").await;
    let n: i64 = count[0].try_get("", "n").expect("count");
    assert_eq!(n, 0, "nothing was granted");
}
on_both_backends!(granting_checks_the_domain_and_the_account);

async fn service_tokens_never_reach_membership_management(backend: Backend) {
    let (app, seed) = seeded(&backend, 1).await;
    let q = "query($id: UUID!) { company(id: $id) { name members { totalCount } } }";
    let vars = json!({ "id": company(&seed, 0) });
    // A runner's service account that is a member of the company.
    let service = app.token_with_role(crate::support::member(&seed, 0, 1), "service");
    let body = app.gql(&service, q, vars.clone()).await.expect("ok");
    // Refused before anything runs: no data, and the refusal names the field by its path.
    assert!(body["data"].is_null(), "{body}");
    assert_eq!(error_codes(&body), vec!["FORBIDDEN"]);
    assert_eq!(
        body["errors"][0]["path"],
        json!(["company", "members"]),
        "{body}"
    );
    let name = "query($id: UUID!) { company(id: $id) { name } }";
    let body = app.gql(&service, name, vars.clone()).await.expect("ok");
    assert_eq!(body["data"]["company"]["name"], "Company 000", "{body}");
    let member = app.token(crate::support::member(&seed, 0, 1));
    let body = app.gql(&member, q, vars).await.expect("ok");
    assert!(body["errors"].is_null(), "{body}");
}
on_both_backends!(service_tokens_never_reach_membership_management);

/// A runner's service token reads what its account may read and writes through the runner
/// operations only: people's mutations are refused, even for a member's account.
async fn service_tokens_write_only_through_the_runner_operations(backend: Backend) {
    let (app, seed) = seeded(&backend, 1).await;
    let service = app.token_with_role(crate::support::member(&seed, 0, 1), "service");
    let create =
        r#"mutation($input: CreateStudioInput!) { createStudio(input: $input) { studio { id } } }"#;
    let input = json!({ "input": { "companyId": company(&seed, 0), "name": "By a runner", "businessArea": "SALES" } });
    let refused = app.gql(&service, create, input.clone()).await.expect("ok");
    assert_eq!(error_codes(&refused), vec!["FORBIDDEN"], "{refused}");
    let read = app
        .gql(&service, "{ companies { totalCount } }", json!({}))
        .await
        .expect("ok");
    assert_eq!(read["data"]["companies"]["totalCount"], 1, "{read}");
    let claim = r#"mutation { claimWorkflowExecutions(input: { limit: 1 }) { workflowExecutions { id } } }"#;
    let claimed = app.gql(&service, claim, json!({})).await.expect("ok");
    assert!(claimed["errors"].is_null(), "{claimed}");
    // The same account as a person may.
    let person = app.token(crate::support::member(&seed, 0, 1));
    let created = app.gql(&person, create, input).await.expect("ok");
    assert!(
        created["data"]["createStudio"]["studio"]["id"].is_string(),
        "{created}"
    );
}
on_both_backends!(service_tokens_write_only_through_the_runner_operations);

/// Every column of a catalog entry can be changed by its managers: business area, flow id,
/// output schema (set, then removed with `null`) and complexity, each checked like on create.
async fn platform_admins_change_every_column_of_a_template(backend: Backend) {
    let (app, seed) = seeded(&backend, 1).await;
    let admin_id = crate::support::member(&seed, 0, 5);
    app.grant_platform_admin(admin_id, "studios")
        .await
        .expect("granted");
    let admin = app.token(admin_id);
    let created = app
        .gql(&admin, CREATE, json!({ "input": template("Every column") }))
        .await
        .expect("ok");
    let id = created["data"]["createWorkflowTemplate"]["workflowTemplate"]["id"].clone();
    const FULL: &str = r#"mutation($input: UpdateWorkflowTemplateInput!) {
      updateWorkflowTemplate(input: $input) { workflowTemplate {
        businessArea activepiecesFlowId outputSchema complexityLevel name version } } }"#;

    let flow = Uuid::new_v4();
    let output = json!({ "type": "object", "required": ["summary"] });
    let body = app
        .gql(
            &admin,
            FULL,
            json!({ "input": {
                "id": id, "businessArea": "FINANCE", "activepiecesFlowId": flow,
                "outputSchema": output, "complexityLevel": "ADVANCED"
            } }),
        )
        .await
        .expect("ok");
    let t = &body["data"]["updateWorkflowTemplate"]["workflowTemplate"];
    assert_eq!(t["businessArea"], "FINANCE", "{body}");
    assert_eq!(t["activepiecesFlowId"], json!(flow));
    assert_eq!(t["outputSchema"], output);
    assert_eq!(t["complexityLevel"], "ADVANCED");
    // Fields left out stay as they were.
    assert_eq!(t["name"], "Every column");
    assert_eq!(t["version"], "1.0.0");

    // A broken output schema is refused with its field, and changes nothing.
    let refused = app
        .gql(
            &admin,
            FULL,
            json!({ "input": { "id": id, "outputSchema": { "type": "banana" }, "businessArea": "SALES" } }),
        )
        .await
        .expect("ok");
    assert_eq!(error_codes(&refused), vec!["BAD_USER_INPUT"], "{refused}");
    assert_eq!(refused["errors"][0]["extensions"]["field"], "outputSchema");
    let q = "query($id: UUID!) { workflowTemplate(id: $id) { businessArea outputSchema } }";
    let kept = app.gql(&admin, q, json!({ "id": id })).await.expect("ok");
    assert_eq!(kept["data"]["workflowTemplate"]["businessArea"], "FINANCE");
    assert_eq!(kept["data"]["workflowTemplate"]["outputSchema"], output);

    // `null` removes the output schema; leaving it out keeps it.
    let cleared = app
        .gql(
            &admin,
            FULL,
            json!({ "input": { "id": id, "outputSchema": null } }),
        )
        .await
        .expect("ok");
    assert_eq!(
        cleared["data"]["updateWorkflowTemplate"]["workflowTemplate"]["outputSchema"],
        serde_json::Value::Null,
        "{cleared}"
    );

    // An unknown enum value is refused by the schema itself.
    let unknown = app
        .gql(
            &admin,
            FULL,
            json!({ "input": { "id": id, "complexityLevel": "EXPERT" } }),
        )
        .await
        .expect("ok");
    assert!(unknown["errors"].is_array(), "{unknown}");
    assert!(unknown["data"].is_null(), "{unknown}");
}
on_both_backends!(platform_admins_change_every_column_of_a_template);
