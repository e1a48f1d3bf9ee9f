//! `updateProfile`: the viewer renames themself (2-100 characters), and only themself.

use serde_json::{json, Value};
use studiogate_testkit::{error_codes, on_both_backends, Backend};

use crate::support::{member, seeded};

const UPDATE: &str = r#"mutation($input: UpdateProfileInput!) { updateProfile(input: $input) { user { id fullName } } }"#;
const VIEWER: &str = r#"{ viewer { profile { id fullName } } }"#;

async fn full_name(app: &studiogate_testkit::TestApp, token: &str) -> Value {
    let body = app.gql(token, VIEWER, json!({})).await.expect("ok");
    body["data"]["viewer"]["profile"]["fullName"].clone()
}

async fn viewers_rename_themselves_and_nobody_else(backend: Backend) {
    let (app, seed) = seeded(&backend, 1).await;
    let grace = member(&seed, 0, 1);
    let token = app.token(grace);
    let colleague = app.token(member(&seed, 0, 2));
    let colleague_name = full_name(&app, &colleague).await;

    let body = app
        .gql(
            &token,
            UPDATE,
            json!({ "input": { "fullName": "  Grace Hopper " } }),
        )
        .await
        .expect("ok");
    let user = &body["data"]["updateProfile"]["user"];
    assert_eq!(user["fullName"], "Grace Hopper", "{body}");
    assert_eq!(user["id"], grace.to_string());
    assert_eq!(full_name(&app, &token).await, "Grace Hopper");
    assert_eq!(
        full_name(&app, &colleague).await,
        colleague_name,
        "only the viewer's"
    );

    for bad in ["G", "  G  ", &"x".repeat(101)] {
        let body = app
            .gql(&token, UPDATE, json!({ "input": { "fullName": bad } }))
            .await
            .expect("ok");
        assert_eq!(error_codes(&body), vec!["BAD_USER_INPUT"], "{body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], "fullName");
    }
    let longest = "y".repeat(100);
    let body = app
        .gql(&token, UPDATE, json!({ "input": { "fullName": longest } }))
        .await
        .expect("ok");
    assert_eq!(
        body["data"]["updateProfile"]["user"]["fullName"], longest,
        "{body}"
    );

    let anonymous = app
        .post(None, UPDATE, json!({ "input": { "fullName": "Nobody" } }))
        .await
        .expect("ok")
        .1;
    assert_eq!(
        error_codes(&anonymous),
        vec!["UNAUTHENTICATED"],
        "{anonymous}"
    );
    // A token of an account that has no profile (never signed up) changes nothing.
    let stranger = app.token(uuid::Uuid::new_v4());
    let body = app
        .gql(
            &stranger,
            UPDATE,
            json!({ "input": { "fullName": "Someone" } }),
        )
        .await
        .expect("ok");
    assert_eq!(error_codes(&body), vec!["NOT_FOUND"], "{body}");
    let names = crate::support::rows(
        &app,
        "SELECT id FROM user_profiles WHERE full_name = 'Someone'",
    )
    .await;
    assert!(names.is_empty());
}
on_both_backends!(viewers_rename_themselves_and_nobody_else);
