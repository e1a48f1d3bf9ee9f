//! Platform roles from the token: platform admins manage the template catalog and see every
//! tenant; members do not; service tokens never reach membership management.

use serde_json::json;
use studiogate_testkit::{backends, error_codes};
use uuid::Uuid;

use crate::support::{account, company, seeded};

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

#[tokio::test]
async fn platform_admins_manage_templates_and_members_cannot() {
    for backend in backends() {
        let (app, seed) = seeded(&backend, 1).await;
        let member = app.token(account(&seed, 0, 0));
        let admin = app.token_with_role(Uuid::new_v4(), "platform_admin");

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
        let input =
            json!({ "id": t["id"], "updatedAt": seen, "isActive": false, "version": "1.1.0" });
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
}

#[tokio::test]
async fn platform_admins_see_every_tenant() {
    for backend in backends() {
        let (app, seed) = seeded(&backend, 2).await;
        let admin = app.token_with_role(Uuid::new_v4(), "platform_admin");
        let body = app
            .gql(&admin, "{ companies { totalCount } }", json!({}))
            .await
            .expect("ok");
        assert_eq!(body["data"]["companies"]["totalCount"], 2, "{body}");
        let member = app.token(account(&seed, 0, 1));
        let body = app
            .gql(&member, "{ companies { totalCount } }", json!({}))
            .await
            .expect("ok");
        assert_eq!(body["data"]["companies"]["totalCount"], 1);
    }
}

#[tokio::test]
async fn service_tokens_never_reach_membership_management() {
    for backend in backends() {
        let (app, seed) = seeded(&backend, 1).await;
        let q = "query($id: UUID!) { company(id: $id) { name members { totalCount } } }";
        let vars = json!({ "id": company(&seed, 0) });
        // A runner's service account that is a member of the company.
        let service = app.token_with_role(account(&seed, 0, 1), "service");
        let body = app.gql(&service, q, vars.clone()).await.expect("ok");
        assert_eq!(body["data"]["company"]["name"], "Company 000", "{body}");
        assert_eq!(error_codes(&body), vec!["FORBIDDEN"]);
        let member = app.token(account(&seed, 0, 1));
        let body = app.gql(&member, q, vars).await.expect("ok");
        assert!(body["errors"].is_null(), "{body}");
    }
}
