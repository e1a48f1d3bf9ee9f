//! What one person shows another: the files they uploaded, and their e-mail to admins only.

use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use studiogate_testkit::{on_both_backends, Backend};

use crate::support::{admin, company, member, pending, rows, seeded, text, uuid};

const MEMBERS: &str = r#"query($id: UUID!) { company(id: $id) { members(first: 15) { nodes {
  status user { id files(first: 60) { totalCount nodes { id accessLevel } } } } } } }"#;

const EMAILS: &str = r#"query($id: UUID!) { company(id: $id) { members(first: 50) { nodes {
  status user { id email } } } } }"#;

/// user id -> file ids, as the response lists them.
fn files_by_user(body: &Value) -> BTreeMap<String, BTreeSet<String>> {
    body["data"]["company"]["members"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("members: {body}"))
        .iter()
        .map(|m| {
            let user = &m["user"];
            let files = &user["files"];
            let ids: BTreeSet<String> = files["nodes"]
                .as_array()
                .expect("files")
                .iter()
                .map(|f| f["id"].as_str().expect("id").to_owned())
                .collect();
            assert_eq!(files["totalCount"], json!(ids.len()), "{user}");
            (user["id"].as_str().expect("id").to_owned(), ids)
        })
        .collect()
}

async fn a_person_lists_the_files_they_uploaded_that_the_viewer_may_see(backend: Backend) {
    let (app, seed) = seeded(&backend, 1).await;
    let company_id = company(&seed, 0);
    let stored: Vec<_> = rows(
        &app,
        "SELECT files.id AS id, files.uploaded_by AS uploaded_by, \
         files.access_level AS access_level, studios.company_id AS company_id \
         FROM files JOIN studios ON studios.id = files.studio_id",
    )
    .await
    .into_iter()
    .filter(|r| uuid(r, "company_id") == company_id)
    .collect();
    assert!(stored.len() > 10, "the seed stores files");
    let private_uploader = stored
        .iter()
        .find(|r| text(r, "access_level") == "private")
        .map(|r| uuid(r, "uploaded_by"))
        .expect("the seed stores private files");
    let other = [member(&seed, 0, 1), member(&seed, 0, 2)]
        .into_iter()
        .find(|m| *m != private_uploader)
        .expect("another member");
    for viewer in [private_uploader, other] {
        let token = app.token(viewer);
        let body = app
            .gql(&token, MEMBERS, json!({ "id": company_id }))
            .await
            .expect("ok");
        let listed = files_by_user(&body);
        assert!(listed.len() > 2, "{body}");
        for (user, files) in &listed {
            // What the database holds for this uploader, minus others' private files.
            let expected: BTreeSet<String> = stored
                .iter()
                .filter(|r| uuid(r, "uploaded_by").to_string() == *user)
                .filter(|r| text(r, "access_level") != "private" || *user == viewer.to_string())
                .map(|r| uuid(r, "id").to_string())
                .collect();
            assert_eq!(
                files, &expected,
                "{backend:?}: files of {user} seen by {viewer}"
            );
        }
        let own = &listed[&viewer.to_string()];
        let own_private = stored
            .iter()
            .filter(|r| uuid(r, "uploaded_by") == viewer)
            .filter(|r| text(r, "access_level") == "private")
            .count();
        if viewer == private_uploader {
            assert!(
                own_private > 0 && own.len() > own_private,
                "own private files are listed"
            );
        }
    }
}
on_both_backends!(a_person_lists_the_files_they_uploaded_that_the_viewer_may_see);

async fn e_mails_are_shown_to_company_admins_and_to_oneself(backend: Backend) {
    let (app, seed) = seeded(&backend, 2).await;
    let company_id = company(&seed, 0);
    let emails: BTreeMap<String, String> = rows(&app, "SELECT id, email FROM accounts")
        .await
        .iter()
        .map(|r| (uuid(r, "id").to_string(), text(r, "email")))
        .collect();
    let shown = |body: &Value| -> BTreeMap<String, Value> {
        body["data"]["company"]["members"]["nodes"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"))
            .iter()
            .map(|m| {
                (
                    m["user"]["id"].as_str().expect("id").to_owned(),
                    m["user"]["email"].clone(),
                )
            })
            .collect()
    };

    // The admin sees every member's address, the pending requester's included.
    let boss = admin(&seed, 0);
    let body = app
        .gql(&app.token(boss), EMAILS, json!({ "id": company_id }))
        .await
        .expect("ok");
    let seen = shown(&body);
    assert!(seen.contains_key(&pending(&seed, 0).to_string()), "{body}");
    for (user, email) in &seen {
        assert_eq!(
            email,
            &json!(emails[user]),
            "{backend:?}: admin sees {user}"
        );
    }

    // A member sees names only, and their own address.
    let me = member(&seed, 0, 1);
    let body = app
        .gql(&app.token(me), EMAILS, json!({ "id": company_id }))
        .await
        .expect("ok");
    let seen = shown(&body);
    assert!(seen.len() > 2, "{body}");
    for (user, email) in &seen {
        if *user == me.to_string() {
            assert_eq!(email, &json!(emails[user]));
        } else {
            assert_eq!(
                email,
                &Value::Null,
                "{backend:?}: a member sees no address of {user}"
            );
        }
    }

    // Admin of another company: an admin, but not here; the people of company 0 stay hidden.
    let other = admin(&seed, 1);
    let body = app
        .gql(&app.token(other), EMAILS, json!({ "id": company_id }))
        .await
        .expect("ok");
    assert!(body["data"]["company"].is_null(), "{body}");
}
on_both_backends!(e_mails_are_shown_to_company_admins_and_to_oneself);
