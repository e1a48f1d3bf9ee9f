//! The spec's `users`: an account's MasStock profile comes with the account (identity's
//! account hook), and a newcomer belongs to no client.

use serde_json::json;
use studiogate_testkit::{on_both_backends, Backend, TestApp};

use super::ok;

async fn signing_up_creates_the_masstock_profile_and_opens_no_client(backend: Backend) {
    let app = TestApp::spawn(crate::support::BIN, &backend)
        .await
        .expect("app");
    let auth = crate::identity::sign_up(&app, "ada@masstock.example").await;
    let token = auth["accessToken"].as_str().expect("token");
    let q = "{ masstock { me { id email name status lastLogin } myRole clients { totalCount } \
        users { totalCount nodes { id } } } }";
    let data = ok(&app, token, q, json!({})).await;
    let me = &data["masstock"]["me"];
    assert_eq!(me["id"], auth["accountId"], "{backend:?}: {data}");
    assert_eq!(
        (me["email"].as_str(), me["name"].as_str()),
        (Some("ada@masstock.example"), Some("Ada Lovelace"))
    );
    assert_eq!(me["status"], "ACTIVE");
    assert!(!me["lastLogin"].is_null());
    assert_eq!(data["masstock"]["myRole"], "USER");
    assert_eq!(data["masstock"]["clients"]["totalCount"], 0);
    assert_eq!(
        data["masstock"]["users"]["totalCount"], 1,
        "only themselves"
    );
    let anonymous = app.post(None, q, json!({})).await.expect("response").1;
    assert_eq!(
        anonymous["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{anonymous}"
    );
}
on_both_backends!(signing_up_creates_the_masstock_profile_and_opens_no_client);
