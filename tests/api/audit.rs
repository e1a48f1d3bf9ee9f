//! The audit outbox: every studio change leaves one event with the actor, the tenant and the
//! row before and after, written in the change's own transaction, so a refused change leaves
//! none.

use serde_json::{json, Value};
use studiogate_testkit::{error_codes, on_both_backends, Backend};

use crate::support::{admin, company, member, rows, seeded};

const CREATE: &str = r#"mutation($input: CreateStudioInput!) { createStudio(input: $input) { studio { id updatedAt } } }"#;
const UPDATE: &str =
    r#"mutation($input: UpdateStudioInput!) { updateStudio(input: $input) { studio { name } } }"#;
const DELETE: &str =
    r#"mutation($id: UUID!) { deleteStudio(input: { id: $id }) { deletedStudioId } }"#;

/// The audit events of one entity, oldest first, with their JSON columns parsed.
async fn trail(app: &studiogate_testkit::TestApp, entity_id: &str) -> Vec<Value> {
    // Uuids are text on PostgreSQL and blobs on SQLite: compared here, not in SQL.
    let sql = "SELECT entity_id, action, actor_id, tenant_id, domain, CAST(before AS TEXT) AS \
               before, CAST(after AS TEXT) AS after FROM audit_events ORDER BY created_at";
    rows(app, sql)
        .await
        .iter()
        .filter(|row| {
            row.try_get::<uuid::Uuid>("", "entity_id")
                .is_ok_and(|id| id.to_string() == entity_id)
        })
        .map(|row| {
            let text = |c: &str| row.try_get::<Option<String>>("", c).expect(c);
            let parsed =
                |c: &str| text(c).map_or(Value::Null, |t| serde_json::from_str(&t).expect("json"));
            json!({
                "action": text("action"),
                "actor": row.try_get::<uuid::Uuid>("", "actor_id").expect("actor").to_string(),
                "tenant": row.try_get::<uuid::Uuid>("", "tenant_id").expect("tenant").to_string(),
                "domain": text("domain"),
                "before": parsed("before"),
                "after": parsed("after"),
            })
        })
        .collect()
}

async fn studio_changes_leave_one_event_each_and_refused_ones_none(backend: Backend) {
    let (app, seed) = seeded(&backend, 1).await;
    let member_id = member(&seed, 0, 1);
    let member = app.token(member_id);
    let tenant = company(&seed, 0).to_string();
    let body = app
        .gql(
            &member,
            CREATE,
            json!({ "input": { "companyId": tenant, "name": "Audited", "businessArea": "SALES" } }),
        )
        .await
        .expect("ok");
    let studio = body["data"]["createStudio"]["studio"].clone();
    let id = studio["id"].as_str().expect("id").to_owned();
    let input = json!({ "id": id, "updatedAt": studio["updatedAt"], "name": "Audited twice" });
    let changed = app
        .gql(&member, UPDATE, json!({ "input": input }))
        .await
        .expect("ok");
    assert_eq!(
        changed["data"]["updateStudio"]["studio"]["name"], "Audited twice",
        "{changed}"
    );
    // The same stale write again, and a name too short: refused, so not audited.
    let stale = app
        .gql(&member, UPDATE, json!({ "input": input }))
        .await
        .expect("ok");
    assert_eq!(
        stale["errors"][0]["extensions"]["reason"], "STALE_OBJECT",
        "{stale}"
    );
    let short = json!({ "input": { "id": id, "name": "x" } });
    let short = app.gql(&member, UPDATE, short).await.expect("ok");
    assert_eq!(error_codes(&short), vec!["BAD_USER_INPUT"]);
    // Only company admins delete studios: the member's delete is refused, the admin's done.
    let refused = app
        .gql(&member, DELETE, json!({ "id": id }))
        .await
        .expect("ok");
    assert_eq!(error_codes(&refused), vec!["FORBIDDEN"], "{refused}");
    let admin_id = admin(&seed, 0);
    let deleted = app
        .gql(&app.token(admin_id), DELETE, json!({ "id": id }))
        .await
        .expect("ok");
    assert_eq!(
        deleted["data"]["deleteStudio"]["deletedStudioId"],
        id.as_str(),
        "{deleted}"
    );

    let events = trail(&app, &id).await;
    let actions: Vec<&str> = events
        .iter()
        .map(|e| e["action"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        actions,
        ["studio.created", "studio.updated", "studio.deleted"],
        "{events:?}"
    );
    for (event, actor) in events.iter().zip([member_id, member_id, admin_id]) {
        assert_eq!(event["actor"], actor.to_string());
        assert_eq!(event["tenant"], tenant);
        assert_eq!(event["domain"], "studios");
    }
    assert_eq!(events[0]["before"], Value::Null);
    assert_eq!(events[0]["after"]["name"], "Audited");
    assert_eq!(events[1]["before"]["name"], "Audited");
    assert_eq!(events[1]["after"]["name"], "Audited twice");
    assert_eq!(events[2]["before"]["name"], "Audited twice");
    assert_eq!(events[2]["after"], Value::Null);
}
on_both_backends!(studio_changes_leave_one_event_each_and_refused_ones_none);

/// What one studio update costs, statement by statement: the studio as the client last saw it
/// (the stale check and the audit's `before`), and the UPDATE guarded by `updated_at`,
/// returning the row, with its audit row. On PostgreSQL both read the viewer's approved
/// memberships themselves (the tenant scope) and the UPDATE and audit row are one statement (a
/// data-modifying WITH, atomic without BEGIN and COMMIT): two. On SQLite the memberships are a
/// statement of their own and the UPDATE and audit row two in a transaction (whose BEGIN and
/// COMMIT are not counted): four.
async fn a_studio_update_sends_a_fixed_set_of_statements(backend: Backend) {
    let (app, seed) = seeded(&backend, 1).await;
    let member = app.token(member(&seed, 0, 1));
    let tenant = company(&seed, 0).to_string();
    let input =
        json!({ "input": { "companyId": tenant, "name": "Counted", "businessArea": "SALES" } });
    let body = app.gql(&member, CREATE, input).await.expect("ok");
    let studio = body["data"]["createStudio"]["studio"].clone();
    let mut seen = studio["updatedAt"].clone();
    let expected = match backend {
        Backend::Sqlite => 4,
        _ => 2,
    };
    for n in 0..3 {
        let name = format!("Counted {n}");
        let input = json!({ "input": { "id": studio["id"], "updatedAt": seen, "name": name } });
        let before = app.statements().await.expect("metric");
        let changed = app
            .gql(
                &member,
                "mutation($input: UpdateStudioInput!) { updateStudio(input: $input) { \
                 studio { name updatedAt } } }",
                input,
            )
            .await
            .expect("ok");
        let sent = app.statements().await.expect("metric") - before;
        let row = &changed["data"]["updateStudio"]["studio"];
        assert_eq!(row["name"], name.as_str(), "{changed}");
        assert_eq!(
            sent, expected,
            "{backend:?}: update {n} sent {sent} statements"
        );
        seen = row["updatedAt"].clone();
    }
    // Each update left its event, with the name it wrote.
    let events = trail(&app, studio["id"].as_str().expect("id")).await;
    let names: Vec<&Value> = events.iter().map(|e| &e["after"]["name"]).collect();
    assert_eq!(names, ["Counted", "Counted 0", "Counted 1", "Counted 2"]);
}
on_both_backends!(a_studio_update_sends_a_fixed_set_of_statements);

/// Writers that arrive together take turns instead of failing. SQLite lets one connection write
/// at a time; here a statement that finds the lock taken waits at most 1 ms for it, so
/// transactions that met at SQLite's lock would fail as busy. They meet at the gateway's
/// writer gate instead, in line: twelve concurrent updates of twelve studios all commit, each
/// with its audit row. PostgreSQL (row locks) runs them side by side.
async fn concurrent_updates_take_turns_at_the_writer(backend: Backend) {
    const WRITERS: usize = 12;
    let (app, seed) =
        crate::support::seeded_with_env(&backend, 1, &[("STUDIOGATE_DB_BUSY_TIMEOUT_MS", "1")])
            .await;
    let member = app.token(member(&seed, 0, 1));
    let tenant = company(&seed, 0).to_string();
    let mut studios = Vec::new();
    for n in 0..WRITERS {
        let input = json!({ "input": { "companyId": tenant, "name": format!("Writer {n}"), "businessArea": "SALES" } });
        let body = app.gql(&member, CREATE, input).await.expect("ok");
        studios.push(body["data"]["createStudio"]["studio"].clone());
    }
    let updates = studios.iter().enumerate().map(|(n, studio)| {
        let input = json!({ "input": {
            "id": studio["id"], "updatedAt": studio["updatedAt"], "name": format!("Written {n}"),
        } });
        app.gql(&member, UPDATE, input)
    });
    let answers = futures_util::future::join_all(updates).await;
    for (n, answer) in answers.into_iter().enumerate() {
        let answer = answer.expect("answered");
        assert_eq!(
            answer["data"]["updateStudio"]["studio"]["name"],
            format!("Written {n}"),
            "{backend:?}: {answer}"
        );
    }
    for (n, studio) in studios.iter().enumerate() {
        let events = trail(&app, studio["id"].as_str().expect("id")).await;
        let names: Vec<&Value> = events.iter().map(|e| &e["after"]["name"]).collect();
        assert_eq!(
            names,
            [
                &json!(format!("Writer {n}")),
                &json!(format!("Written {n}"))
            ]
        );
    }
}
on_both_backends!(concurrent_updates_take_turns_at_the_writer);
