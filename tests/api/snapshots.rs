//! Response shapes a client codes against, as snapshots (insta, `tests/api/snapshots/`): where
//! the whole shape says more than field-by-field asserts. Ids and request ids are redacted.
//! After an intended change: `cargo insta review` (or `INSTA_UPDATE=always cargo test`).

use serde_json::json;
use studiogate_testkit::{on_both_backends, Backend};

use crate::support::{admin, company, member, seeded};

/// Refusals as clients read them: a missing row (a field error with its path), invalid input
/// (with the field), a stale write (with its reason), and a bad token (the whole request).
async fn error_shapes(backend: Backend) {
    let (app, seed) = seeded(&backend, 1).await;
    let token = app.token(member(&seed, 0, 1));
    let missing = app
        .gql(
            &token,
            "query($id: UUID!) { studio(id: $id) { id } }",
            json!({ "id": uuid::Uuid::nil() }),
        )
        .await
        .expect("ok");
    let create = "mutation($input: CreateStudioInput!) { createStudio(input: $input) { studio { id updatedAt } } }";
    let short = app
        .gql(
            &token,
            create,
            json!({ "input": { "companyId": company(&seed, 0), "name": "x", "businessArea": "SALES" } }),
        )
        .await
        .expect("ok");
    let made = app
        .gql(
            &token,
            create,
            json!({ "input": { "companyId": company(&seed, 0), "name": "Snapshot", "businessArea": "SALES" } }),
        )
        .await
        .expect("ok");
    let studio = &made["data"]["createStudio"]["studio"];
    let update =
        "mutation($input: UpdateStudioInput!) { updateStudio(input: $input) { studio { name } } }";
    let stale = json!({ "input": { "id": studio["id"], "updatedAt": "2020-01-01T00:00:00Z", "name": "Late" } });
    let stale = app.gql(&token, update, stale).await.expect("ok");
    let (status, bad_token) = app
        .post(Some("not-a-jwt"), "{ viewer { id } }", json!({}))
        .await
        .expect("ok");
    assert_eq!(status, 401);
    insta::assert_json_snapshot!(
        "error_shapes",
        json!({ "missing": missing, "short": short, "stale": stale, "badToken": bad_token }),
        { ".**.requestId" => "[request id]" }
    );
}
on_both_backends!(error_shapes);

/// The viewer of a company admin: account, memberships of every status, profile.
async fn viewer_shape(backend: Backend) {
    let (app, seed) = seeded(&backend, 1).await;
    let token = app.token(admin(&seed, 0));
    let body = app
        .gql(
            &token,
            "{ viewer { id email emailVerified memberships { role status company { id name } } } }",
            json!({}),
        )
        .await
        .expect("ok");
    insta::assert_json_snapshot!("viewer_shape", body, { ".**.id" => "[id]" });
}
on_both_backends!(viewer_shape);
