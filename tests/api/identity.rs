//! studiogate as an identity provider: sign-up, sign-in, rotating sessions, lockout.

use serde_json::{json, Value};
use studiogate_testkit::{error_codes, on_both_backends, Backend, TestApp};

use crate::support::BIN;

const SIGN_UP: &str = r#"mutation($input: SignUpInput!) { signUp(input: $input) {
    accessToken refreshToken tokenType expiresIn accountId sessionId } }"#;
const SIGN_IN: &str = r#"mutation($input: SignInInput!) { signIn(input: $input) {
    accessToken refreshToken accountId sessionId } }"#;
const REFRESH: &str = r#"mutation($t: String!) { refreshSession(input: { refreshToken: $t }) {
    accessToken refreshToken sessionId } }"#;
const VIEWER: &str = r#"{ viewer { id email loginCount lastLoginAt profile { fullName }
    sessions { id current revokedAt userAgent } } }"#;
pub const PASSWORD: &str = "a long and unusual passphrase";

async fn anon(app: &TestApp, query: &str, vars: Value) -> Value {
    app.post(None, query, vars).await.expect("response").1
}

pub async fn sign_up(app: &TestApp, email: &str) -> Value {
    let input =
        json!({ "input": { "email": email, "password": PASSWORD, "fullName": "Ada Lovelace" } });
    let body = anon(app, SIGN_UP, input).await;
    assert!(body["errors"].is_null(), "{body}");
    body["data"]["signUp"].clone()
}

async fn sign_in(app: &TestApp, email: &str, password: &str) -> Value {
    anon(
        app,
        SIGN_IN,
        json!({ "input": { "email": email, "password": password } }),
    )
    .await
}

fn without_locations(body: &Value) -> Value {
    let mut body = body.clone();
    for err in body["errors"].as_array_mut().into_iter().flatten() {
        err.as_object_mut().map(|e| e.remove("locations"));
    }
    body
}

async fn sign_up_signs_in_and_creates_the_profile(backend: Backend) {
    let app = TestApp::spawn(BIN, &backend).await.expect("app");
    let auth = sign_up(&app, "  Ada@Example.COM ").await;
    assert_eq!(auth["tokenType"], "Bearer");
    assert_eq!(auth["expiresIn"], 900);
    let token = auth["accessToken"].as_str().expect("token");
    let body = app.gql(token, VIEWER, json!({})).await.expect("ok");
    let viewer = &body["data"]["viewer"];
    assert_eq!(viewer["email"], "ada@example.com", "{body}");
    assert_eq!(viewer["profile"]["fullName"], "Ada Lovelace");
    assert_eq!(viewer["sessions"].as_array().map(Vec::len), Some(1));
    assert_eq!(viewer["sessions"][0]["current"], true);

    // The same address in another spelling is the same account.
    let again = anon(
        &app,
        SIGN_UP,
        json!({ "input": { "email": "ADA@example.com", "password": PASSWORD, "fullName": "Ada" } }),
    )
    .await;
    assert_eq!(error_codes(&again), vec!["CONFLICT"]);
    assert_eq!(again["errors"][0]["extensions"]["field"], "email");

    let signed_in = sign_in(&app, "ada@EXAMPLE.com", PASSWORD).await;
    assert_eq!(
        signed_in["data"]["signIn"]["accountId"], auth["accountId"],
        "{signed_in}"
    );
    let token = signed_in["data"]["signIn"]["accessToken"]
        .as_str()
        .expect("token");
    let body = app.gql(token, VIEWER, json!({})).await.expect("ok");
    assert_eq!(body["data"]["viewer"]["loginCount"], 2);
    assert_eq!(
        body["data"]["viewer"]["sessions"].as_array().map(Vec::len),
        Some(2)
    );
}
on_both_backends!(sign_up_signs_in_and_creates_the_profile);

#[tokio::test]
async fn sign_up_input_is_validated_and_nothing_is_written_on_error() {
    let app = TestApp::spawn(BIN, &Backend::Sqlite).await.expect("app");
    for (input, field) in [
        (
            json!({ "email": "not-an-email", "password": PASSWORD, "fullName": "Ada" }),
            "email",
        ),
        (
            json!({ "email": "a@example.com", "password": "short", "fullName": "Ada" }),
            "password",
        ),
        (
            json!({ "email": "a@example.com", "password": "1234567890", "fullName": "Ada" }),
            "password",
        ),
        (
            json!({ "email": "a@example.com", "password": PASSWORD, "fullName": "A" }),
            "fullName",
        ),
    ] {
        let body = anon(&app, SIGN_UP, json!({ "input": input })).await;
        assert_eq!(error_codes(&body), vec!["BAD_USER_INPUT"], "{body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field);
    }
    let rows = crate::support::rows(&app, "SELECT id FROM accounts").await;
    assert!(rows.is_empty(), "a refused sign-up wrote an account");
}

async fn refresh_rotates_and_a_reused_token_revokes_the_session(backend: Backend) {
    let app = TestApp::spawn(BIN, &backend).await.expect("app");
    let auth = sign_up(&app, "grace@example.com").await;
    let first = auth["refreshToken"].clone();
    let body = anon(&app, REFRESH, json!({ "t": first })).await;
    let second = body["data"]["refreshSession"].clone();
    assert!(second["accessToken"].is_string(), "{body}");
    assert_ne!(second["refreshToken"], first, "rotated");
    assert_eq!(second["sessionId"], auth["sessionId"], "same session");

    // The first token again: theft. The session dies, the newest token with it.
    let reuse = anon(&app, REFRESH, json!({ "t": first })).await;
    assert_eq!(error_codes(&reuse), vec!["UNAUTHENTICATED"]);
    let after = anon(&app, REFRESH, json!({ "t": second["refreshToken"] })).await;
    assert_eq!(
        error_codes(&after),
        vec!["UNAUTHENTICATED"],
        "{backend:?}: {after}"
    );

    // Its access token died with it; a new session sees it revoked.
    let token = second["accessToken"].as_str().expect("token");
    let (status, _) = app.post(Some(token), VIEWER, json!({})).await.expect("ok");
    assert_eq!(status, 401, "{backend:?}");
    let again = sign_in(&app, "grace@example.com", PASSWORD).await;
    let token = again["data"]["signIn"]["accessToken"]
        .as_str()
        .expect("token");
    let body = app.gql(token, VIEWER, json!({})).await.expect("ok");
    let sessions = body["data"]["viewer"]["sessions"].as_array().expect("list");
    let old = sessions
        .iter()
        .find(|s| s["id"] == auth["sessionId"])
        .expect("the old session");
    assert!(old["revokedAt"].is_string(), "{body}");
    let garbage = anon(&app, REFRESH, json!({ "t": "not-a-token" })).await;
    assert_eq!(error_codes(&garbage), vec!["UNAUTHENTICATED"]);
}
on_both_backends!(refresh_rotates_and_a_reused_token_revokes_the_session);

async fn sign_out_ends_the_session(backend: Backend) {
    let app = TestApp::spawn(BIN, &backend).await.expect("app");
    let auth = sign_up(&app, "alan@example.com").await;
    let token = auth["accessToken"].as_str().expect("token");
    let other = sign_in(&app, "alan@example.com", PASSWORD).await;
    let body = app
        .gql(token, "mutation { signOut { revokedSessions } }", json!({}))
        .await
        .expect("ok");
    assert_eq!(body["data"]["signOut"]["revokedSessions"], 1, "{body}");
    let refused = anon(&app, REFRESH, json!({ "t": auth["refreshToken"] })).await;
    assert_eq!(error_codes(&refused), vec!["UNAUTHENTICATED"]);
    // The other device's session is untouched, until it signs out everywhere.
    let still = anon(
        &app,
        REFRESH,
        json!({ "t": other["data"]["signIn"]["refreshToken"] }),
    )
    .await;
    assert!(still["errors"].is_null(), "{still}");
    let token = still["data"]["refreshSession"]["accessToken"]
        .as_str()
        .expect("t");
    let all = "mutation { signOut(input: { allSessions: true }) { revokedSessions } }";
    let body = app.gql(token, all, json!({})).await.expect("ok");
    assert_eq!(body["data"]["signOut"]["revokedSessions"], 1);
    let anonymous = anon(&app, "mutation { signOut { revokedSessions } }", json!({})).await;
    assert_eq!(error_codes(&anonymous), vec!["UNAUTHENTICATED"]);
}
on_both_backends!(sign_out_ends_the_session);

/// Signs in from another source address (127.0.0.2 is loopback too).
async fn sign_in_from(app: &TestApp, source: [u8; 4], email: &str, password: &str) -> Value {
    let client = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from(source))
        .build()
        .expect("client");
    let body = json!({ "query": SIGN_IN, "variables": { "input": { "email": email, "password": password } } });
    client
        .post(format!("http://{}/graphql", app.addr()))
        .json(&body)
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json")
}

/// Five failures hold off that address from that source, not the account: its owner, from
/// another source, signs in; an unknown address is held off the same way; the hold ends.
async fn failures_hold_off_the_address_from_that_source_only(backend: Backend) {
    let env = [("STUDIOGATE_LOCKOUT_SECS", "2")];
    let app = TestApp::spawn_with_env(BIN, &backend, &env)
        .await
        .expect("app");
    sign_up(&app, "linus@example.com").await;
    let unknown = sign_in(&app, "nobody@example.com", PASSWORD).await;
    let wrong = sign_in(&app, "linus@example.com", "wrong password here").await;
    assert_eq!(error_codes(&wrong), vec!["UNAUTHENTICATED"]);
    assert_eq!(without_locations(&unknown), without_locations(&wrong));
    for _ in 0..4 {
        sign_in(&app, "linus@example.com", "wrong password here").await;
        sign_in(&app, "nobody@example.com", "wrong password here").await;
    }
    // Held off from here: even the right password waits, and says for how long.
    let held = sign_in(&app, "linus@example.com", PASSWORD).await;
    assert_eq!(
        error_codes(&held),
        vec!["RATE_LIMITED"],
        "{backend:?}: {held}"
    );
    let extensions = &held["errors"][0]["extensions"];
    assert_eq!(extensions["reason"], "SIGN_IN_THROTTLED");
    assert_eq!(extensions["retryAfter"], 2, "{held}");
    // An unknown address answers exactly the same: the hold says nothing of the account.
    let unknown = sign_in(&app, "nobody@example.com", PASSWORD).await;
    assert_eq!(without_locations(&unknown), without_locations(&held));
    // The owner, from another source, is not held off.
    let owner = sign_in_from(&app, [127, 0, 0, 2], "linus@example.com", PASSWORD).await;
    assert!(
        owner["data"]["signIn"]["accessToken"].is_string(),
        "{backend:?}: {owner}"
    );
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let open = sign_in(&app, "linus@example.com", PASSWORD).await;
    assert!(
        open["data"]["signIn"]["accessToken"].is_string(),
        "{backend:?}: {open}"
    );
}
on_both_backends!(failures_hold_off_the_address_from_that_source_only);

/// A failed sign-in sends the same statements whether the address has an account or not (it
/// writes nothing), so the answer's cost does not tell them apart.
async fn a_failed_sign_in_costs_the_same_for_known_and_unknown_addresses(backend: Backend) {
    let app = TestApp::spawn(BIN, &backend).await.expect("app");
    sign_up(&app, "grace@example.com").await;
    let mut counts = Vec::new();
    for email in ["grace@example.com", "nobody@example.com"] {
        let before = app.statements().await.expect("metric");
        let body = sign_in(&app, email, "wrong password here").await;
        assert_eq!(error_codes(&body), vec!["UNAUTHENTICATED"]);
        counts.push(app.statements().await.expect("metric") - before);
    }
    assert_eq!(
        counts[0], counts[1],
        "{backend:?}: known vs unknown {counts:?}"
    );
    assert_eq!(counts[0], 1, "one lookup, no write: {counts:?}");
}
on_both_backends!(a_failed_sign_in_costs_the_same_for_known_and_unknown_addresses);

/// An access token dies with its session: after sign-out, after a password change ends the
/// other sessions, and when a reused refresh token revokes its session.
async fn access_tokens_die_with_their_session(backend: Backend) {
    let app = TestApp::spawn(BIN, &backend).await.expect("app");
    let viewer = "{ viewer { id } }";
    let first = sign_up(&app, "joan@example.com").await;
    let token = first["accessToken"].as_str().expect("token");
    let ok = app.gql(token, viewer, json!({})).await.expect("ok");
    assert!(ok["data"]["viewer"]["id"].is_string(), "{ok}");
    let second = sign_in(&app, "joan@example.com", PASSWORD).await;
    let other = second["data"]["signIn"]["accessToken"].as_str().expect("t");
    app.gql(token, "mutation { signOut { revokedSessions } }", json!({}))
        .await
        .expect("ok");
    let (status, ended) = app.post(Some(token), viewer, json!({})).await.expect("ok");
    assert_eq!(status, 401, "{backend:?}: {ended}");
    assert_eq!(error_codes(&ended), vec!["UNAUTHENTICATED"]);
    let message = ended["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("session has ended"), "{ended}");
    // The other device's token still works, until its refresh token is reused.
    let still = app.gql(other, viewer, json!({})).await.expect("ok");
    assert!(still["data"]["viewer"]["id"].is_string(), "{still}");
    let refresh = second["data"]["signIn"]["refreshToken"].clone();
    let rotated = anon(&app, REFRESH, json!({ "t": refresh })).await;
    let fresh = rotated["data"]["refreshSession"]["accessToken"]
        .as_str()
        .expect("rotated")
        .to_owned();
    let reused = anon(&app, REFRESH, json!({ "t": refresh })).await;
    assert_eq!(error_codes(&reused), vec!["UNAUTHENTICATED"]);
    for token in [other, fresh.as_str()] {
        let (status, body) = app.post(Some(token), viewer, json!({})).await.expect("ok");
        assert_eq!(status, 401, "{backend:?}: {body}");
    }
    // Tokens minted outside the identity provider (no session) are not affected.
    let minted =
        app.token(uuid::Uuid::parse_str(first["accountId"].as_str().expect("id")).expect("uuid"));
    let body = app.gql(&minted, viewer, json!({})).await.expect("ok");
    assert!(body["data"]["viewer"]["id"].is_string(), "{body}");
}
on_both_backends!(access_tokens_die_with_their_session);

async fn change_password_checks_the_old_one_and_ends_other_sessions(backend: Backend) {
    let app = TestApp::spawn(BIN, &backend).await.expect("app");
    let auth = sign_up(&app, "barbara@example.com").await;
    sign_in(&app, "barbara@example.com", PASSWORD).await;
    let token = auth["accessToken"].as_str().expect("token");
    const CHANGE: &str = r#"mutation($c: String!, $n: String!) {
        changePassword(input: { currentPassword: $c, newPassword: $n }) { revokedSessions } }"#;
    let new = "another unusual passphrase";
    let wrong = app
        .gql(token, CHANGE, json!({ "c": "not my password", "n": new }))
        .await
        .expect("ok");
    assert_eq!(error_codes(&wrong), vec!["BAD_USER_INPUT"]);
    assert_eq!(wrong["errors"][0]["extensions"]["field"], "currentPassword");
    let weak = app
        .gql(token, CHANGE, json!({ "c": PASSWORD, "n": "password" }))
        .await
        .expect("ok");
    assert_eq!(weak["errors"][0]["extensions"]["field"], "newPassword");
    let ok = app
        .gql(token, CHANGE, json!({ "c": PASSWORD, "n": new }))
        .await
        .expect("ok");
    assert_eq!(ok["data"]["changePassword"]["revokedSessions"], 1, "{ok}");
    assert_eq!(
        error_codes(&sign_in(&app, "barbara@example.com", PASSWORD).await),
        vec!["UNAUTHENTICATED"]
    );
    let fresh = sign_in(&app, "barbara@example.com", new).await;
    assert!(
        fresh["data"]["signIn"]["accessToken"].is_string(),
        "{backend:?}"
    );
}
on_both_backends!(change_password_checks_the_old_one_and_ends_other_sessions);

const SET_STATUS: &str = r#"mutation($input: SetAccountStatusInput!) {
    setAccountStatus(input: $input) { accountId status } }"#;

fn account_id(auth: &Value) -> uuid::Uuid {
    uuid::Uuid::parse_str(auth["accountId"].as_str().expect("id")).expect("uuid")
}

/// Platform admins of Studios set an account's status, and nobody else: an inactive account
/// signs in no more (the answer of a wrong password), its refresh tokens are refused, and the
/// access token it holds works until it expires.
async fn inactive_accounts_cannot_sign_in_or_refresh(backend: Backend) {
    let (app, seed) = crate::support::seeded(&backend, 1).await;
    let admin = sign_up(&app, "root@example.com").await;
    app.grant_platform_admin(account_id(&admin), "studios")
        .await
        .expect("granted");
    let other_admin = sign_up(&app, "stock@example.com").await;
    app.grant_platform_admin(account_id(&other_admin), "masstock")
        .await
        .expect("granted");
    let target = sign_up(&app, "dora@example.com").await;
    let admin_token = admin["accessToken"].as_str().expect("token");
    let deactivate = |id: uuid::Uuid| json!({ "input": { "accountId": id, "status": "INACTIVE" } });

    // Company admins, other domains' platform admins and the account itself: FORBIDDEN.
    let company_admin = app.token(crate::support::admin(&seed, 0));
    for token in [
        company_admin.as_str(),
        other_admin["accessToken"].as_str().expect("token"),
        target["accessToken"].as_str().expect("token"),
    ] {
        let body = app
            .gql(token, SET_STATUS, deactivate(account_id(&target)))
            .await
            .expect("ok");
        assert_eq!(error_codes(&body), vec!["FORBIDDEN"], "{body}");
    }
    let body = anon(&app, SET_STATUS, deactivate(account_id(&target))).await;
    assert_eq!(error_codes(&body), vec!["UNAUTHENTICATED"], "{body}");
    let self_off = app
        .gql(admin_token, SET_STATUS, deactivate(account_id(&admin)))
        .await
        .expect("ok");
    assert_eq!(error_codes(&self_off), vec!["BAD_USER_INPUT"], "{self_off}");
    assert_eq!(self_off["errors"][0]["extensions"]["field"], "accountId");
    let unknown = app
        .gql(admin_token, SET_STATUS, deactivate(uuid::Uuid::new_v4()))
        .await
        .expect("ok");
    assert_eq!(error_codes(&unknown), vec!["NOT_FOUND"], "{unknown}");
    let stored =
        crate::support::rows(&app, "SELECT id FROM accounts WHERE status <> 'active'").await;
    assert!(stored.is_empty(), "a refused change wrote a status");

    // Still active: signs in and refreshes.
    assert!(sign_in(&app, "dora@example.com", PASSWORD).await["errors"].is_null());
    let body = app
        .gql(admin_token, SET_STATUS, deactivate(account_id(&target)))
        .await
        .expect("ok");
    assert_eq!(
        body["data"]["setAccountStatus"]["status"], "INACTIVE",
        "{body}"
    );
    assert_eq!(
        body["data"]["setAccountStatus"]["accountId"],
        target["accountId"]
    );

    // Inactive: the right password gets exactly the wrong password's answer.
    let inactive = without_locations(&sign_in(&app, "dora@example.com", PASSWORD).await);
    let wrong = without_locations(&sign_in(&app, "dora@example.com", "not the passphrase").await);
    assert_eq!(
        error_codes(&inactive),
        vec!["UNAUTHENTICATED"],
        "{inactive}"
    );
    assert_eq!(inactive, wrong);
    let refresh = anon(&app, REFRESH, json!({ "t": target["refreshToken"] })).await;
    assert_eq!(error_codes(&refresh), vec!["UNAUTHENTICATED"], "{refresh}");
    // The access token it already holds lives until it expires.
    let token = target["accessToken"].as_str().expect("token");
    let body = app.gql(token, VIEWER, json!({})).await.expect("ok");
    assert_eq!(
        body["data"]["viewer"]["email"], "dora@example.com",
        "{body}"
    );

    // Active again: signs in, and the session that was held back refreshes again.
    let reactivate = json!({ "input": { "accountId": account_id(&target), "status": "ACTIVE" } });
    let body = app
        .gql(admin_token, SET_STATUS, reactivate)
        .await
        .expect("ok");
    assert_eq!(
        body["data"]["setAccountStatus"]["status"], "ACTIVE",
        "{body}"
    );
    assert!(sign_in(&app, "dora@example.com", PASSWORD).await["errors"].is_null());
    let refresh = anon(&app, REFRESH, json!({ "t": target["refreshToken"] })).await;
    assert!(
        refresh["data"]["refreshSession"]["accessToken"].is_string(),
        "{refresh}"
    );
}
on_both_backends!(inactive_accounts_cannot_sign_in_or_refresh);
