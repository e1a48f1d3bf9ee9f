//! The refusals both transports share, from one table: each case is sent as a POST and as an
//! operation on a graphql-transport-ws socket, and both must refuse it with the same
//! `extensions.code`, reason and message (and the HTTP side with its status). Refusals of the
//! HTTP form itself (CSRF, body size, batches, GET mutations) have no socket counterpart and
//! are tested in `hardening`.
//!
//! The one difference between the transports is where the token is read: a POST carries it
//! in its `Authorization` header, a socket once in `connection_init`. A bad token is thus
//! refused per request over HTTP (401) and per connection over a socket, which is closed at
//! `connection_init` with the refusal's message as the close reason; the table says which
//! cases that is ([`Socket::ClosedAtInit`]) rather than leaving them out.

use serde_json::{json, Value};
use std::time::Duration;
use studiogate_testkit::{error_codes, on_both_backends, Backend, Frame, Subscription, TestApp};
use uuid::Uuid;

use crate::hardening::{manifest_json, sha256};
use crate::realtime::{StudiosLocked, CREATE_STUDIO, ONE_SECOND_TIMEOUT};
use crate::support::{company, member, BIN};

const WAIT: Duration = Duration::from_secs(10);

/// Whose token the request carries.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Who {
    /// A signed-in account of its own, member of nothing (a fresh one for each case on each
    /// transport, so rate-limit buckets do not carry over).
    Stranger,
    /// An approved member of the seed's first company.
    Member,
    /// A `service` token (a runner's).
    Service,
    /// Signed with another secret.
    Forged,
    Expired,
    /// `nbf` in the future.
    NotYetValid,
    /// Issued by `signUp` for a session that has since signed out.
    EndedSession,
    /// No token at all.
    Anonymous,
}

/// The server's settings for a case; cases of one kind share one server.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Settings {
    Default,
    /// One request per second, burst one.
    TinyRate,
    /// Only the manifest's operation (`query Listed { __typename }`) runs.
    Trusted,
    /// A 1 s request timeout, the database waiting far longer for a lock.
    OneSecondTimeout,
}

/// What happens on the same transport just before the case is sent.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Before {
    Nothing,
    /// One `{ __typename }` that passes, spending the burst.
    SpendBudget,
    /// The test holds the `studios` table's write lock until the answer.
    LockStudios,
    /// Five wrong passwords for the case's e-mail address, from the same source.
    FailSignIns,
}

/// The operation's document.
#[derive(Clone, Copy)]
enum Doc {
    Text(&'static str),
    Made(fn() -> String),
    /// No `query` at all (a persisted query's hash stands for it).
    Absent,
}

/// How the refusal shows on a socket.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Socket {
    /// As the operation's one answer, with the code HTTP gives.
    PerOperation,
    /// At `connection_init`: the server closes the socket with this code and the message HTTP
    /// gives as the reason; no operation is sent.
    ClosedAtInit(u16),
}

struct Case {
    name: &'static str,
    settings: Settings,
    who: Who,
    before: Before,
    query: Doc,
    /// The variables, given the company the case works in.
    variables: fn(Uuid) -> Value,
    operation_name: Option<&'static str>,
    extensions: Option<&'static str>,
    status: u16,
    code: &'static str,
    reason: Option<&'static str>,
    socket: Socket,
}

const TYPENAME: &str = "{ __typename }";
/// Thirteen fields deep; the limit is twelve.
const TOO_DEEP: &str = "{ viewer { memberships { company { members(first: 1) { nodes { company { \
    members(first: 1) { nodes { company { members(first: 1) { nodes { company { id } } } } } } } \
    } } } } } }";
/// 100 x 100 x 100 objects; the limit is 10,000.
const TOO_COSTLY: &str = "{ companies(first: 100) { nodes { studios(first: 100) { nodes { \
    executions(first: 100) { nodes { id } } } } } } }";
const SIGN_IN: &str = "mutation($input: SignInInput!) { signIn(input: $input) { accountId } }";
const STUDIO_BY_ID: &str = "query($id: UUID!) { studio(id: $id) { id } }";
const LISTED: &str = "query Listed { __typename }";

fn none(_: Uuid) -> Value {
    json!({})
}

fn a_studio(company: Uuid) -> Value {
    json!({ "input": { "companyId": company, "name": "Refused", "businessArea": "SALES" } })
}

fn a_nul_in_a_name(company: Uuid) -> Value {
    json!({ "input": { "companyId": company, "name": "Nul\u{0}Studio", "businessArea": "SALES" } })
}

/// A wrong password for an address of its own (`held-<id>`), so each transport's hold is
/// fresh and says the same number of seconds.
fn a_wrong_password(id: Uuid) -> Value {
    json!({ "input": { "email": format!("held-{id}@example.com"), "password": "wrong password here" } })
}

fn a_malformed_uuid(_: Uuid) -> Value {
    json!({ "id": "not-a-uuid" })
}

/// 31 aliases; the limit is 30.
fn too_many_aliases() -> String {
    let fields: String = (0..31).map(|i| format!("a{i}: id ")).collect();
    format!("{{ viewer {{ {fields}}} }}")
}

/// Fragments spreading the next one twice, 28 levels (2^28 selections once expanded), flat
/// inside one field so that no other limit stops it first.
fn fragment_spread_bomb() -> String {
    let mut document = String::from("{ viewer { ...F0 } }");
    for i in 0..28 {
        let n = i + 1;
        document.push_str(&format!(" fragment F{i} on Viewer {{ ...F{n} ...F{n} }}"));
    }
    document + " fragment F28 on Viewer { __typename }"
}

/// A case with the defaults: a stranger's `{ __typename }` on a default server, refused per
/// operation.
const BASE: Case = Case {
    name: "",
    settings: Settings::Default,
    who: Who::Stranger,
    before: Before::Nothing,
    query: Doc::Text(TYPENAME),
    variables: none,
    operation_name: None,
    extensions: None,
    status: 200,
    code: "",
    reason: None,
    socket: Socket::PerOperation,
};

/// graphql-transport-ws closes a connection whose `connection_init` async-graphql refuses
/// with 1002.
const CLOSED_AT_INIT: Socket = Socket::ClosedAtInit(1002);

const CASES: &[Case] = &[
    Case {
        name: "a token signed with another secret",
        who: Who::Forged,
        status: 401,
        code: "UNAUTHENTICATED",
        socket: CLOSED_AT_INIT,
        ..BASE
    },
    Case {
        name: "an expired token",
        who: Who::Expired,
        status: 401,
        code: "UNAUTHENTICATED",
        socket: CLOSED_AT_INIT,
        ..BASE
    },
    Case {
        name: "a token not valid yet (nbf in the future)",
        who: Who::NotYetValid,
        status: 401,
        code: "UNAUTHENTICATED",
        socket: CLOSED_AT_INIT,
        ..BASE
    },
    Case {
        name: "a token whose session has signed out",
        who: Who::EndedSession,
        status: 401,
        code: "UNAUTHENTICATED",
        socket: CLOSED_AT_INIT,
        ..BASE
    },
    Case {
        name: "a sign-in after five failures for that address from this source",
        who: Who::Anonymous,
        before: Before::FailSignIns,
        query: Doc::Text(SIGN_IN),
        variables: a_wrong_password,
        code: "RATE_LIMITED",
        reason: Some("SIGN_IN_THROTTLED"),
        ..BASE
    },
    Case {
        name: "a caller past its rate limit",
        settings: Settings::TinyRate,
        before: Before::SpendBudget,
        status: 429,
        code: "RATE_LIMITED",
        ..BASE
    },
    Case {
        name: "a selection deeper than the limit",
        query: Doc::Text(TOO_DEEP),
        code: "GRAPHQL_VALIDATION_FAILED",
        ..BASE
    },
    Case {
        name: "more aliases than the limit",
        query: Doc::Made(too_many_aliases),
        code: "GRAPHQL_VALIDATION_FAILED",
        ..BASE
    },
    Case {
        name: "a fragment-spread bomb",
        query: Doc::Made(fragment_spread_bomb),
        code: "GRAPHQL_VALIDATION_FAILED",
        ..BASE
    },
    Case {
        name: "a cost over the limit",
        query: Doc::Text(TOO_COSTLY),
        code: "GRAPHQL_VALIDATION_FAILED",
        ..BASE
    },
    Case {
        name: "a document outside the trusted manifest",
        settings: Settings::Trusted,
        query: Doc::Text("query Other { __typename } query Listed { __typename }"),
        operation_name: Some("Other"),
        status: 400,
        code: "OPERATION_NOT_TRUSTED",
        ..BASE
    },
    Case {
        name: "a persisted-query hash the server does not know",
        query: Doc::Absent,
        extensions: Some(
            r#"{"persistedQuery":{"version":1,"sha256Hash":"0000000000000000000000000000000000000000000000000000000000000000"}}"#,
        ),
        code: "PERSISTED_QUERY_NOT_FOUND",
        ..BASE
    },
    Case {
        name: "a NUL character in a variable",
        query: Doc::Text(CREATE_STUDIO),
        variables: a_nul_in_a_name,
        status: 400,
        code: "BAD_USER_INPUT",
        ..BASE
    },
    Case {
        name: "a malformed UUID variable",
        query: Doc::Text(STUDIO_BY_ID),
        variables: a_malformed_uuid,
        code: "BAD_USER_INPUT",
        ..BASE
    },
    Case {
        name: "an empty query",
        query: Doc::Text(""),
        status: 400,
        code: "BAD_REQUEST",
        ..BASE
    },
    Case {
        name: "a service token's mutation that is not a runner's",
        who: Who::Service,
        query: Doc::Text(CREATE_STUDIO),
        variables: a_studio,
        code: "FORBIDDEN",
        ..BASE
    },
    Case {
        name: "a mutation past the request timeout",
        settings: Settings::OneSecondTimeout,
        who: Who::Member,
        before: Before::LockStudios,
        query: Doc::Text(CREATE_STUDIO),
        variables: a_studio,
        status: 504,
        code: "TIMEOUT",
        ..BASE
    },
];

/// One server of one kind of settings, and what its cases need.
struct Server {
    app: TestApp,
    /// The company members work in (a random id when nothing is seeded).
    company: Uuid,
    member: Option<Uuid>,
    _manifest: Option<tempfile::TempDir>,
}

impl Server {
    async fn start(backend: &Backend, settings: Settings, seeded: bool) -> Self {
        let mut env: Vec<(&str, String)> = Vec::new();
        let mut manifest = None;
        match settings {
            Settings::Default => {}
            Settings::TinyRate => {
                env.push(("STUDIOGATE_RATE_LIMIT_PER_SECOND", "1".into()));
                env.push(("STUDIOGATE_RATE_LIMIT_BURST", "1".into()));
            }
            Settings::Trusted => {
                let dir = tempfile::tempdir().expect("tmp");
                let path = dir.path().join("manifest.json");
                std::fs::write(&path, manifest_json(&sha256(LISTED), LISTED)).expect("write");
                env.push(("STUDIOGATE_TRUSTED_DOCUMENTS", path.display().to_string()));
                manifest = Some(dir);
            }
            Settings::OneSecondTimeout => {
                env.extend(
                    ONE_SECOND_TIMEOUT
                        .iter()
                        .map(|(k, v)| (*k, (*v).to_owned())),
                );
            }
        }
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let app = TestApp::spawn_with_env(BIN, backend, &env)
            .await
            .expect("app");
        let (company, member) = if seeded {
            let seed = app.seed(1).await.expect("seed");
            (company(&seed, 0), Some(member(&seed, 0, 1)))
        } else {
            (Uuid::new_v4(), None)
        };
        Self {
            app,
            company,
            member,
            _manifest: manifest,
        }
    }

    /// The `Authorization` value of `who` (a fresh account for a stranger); none for an
    /// anonymous caller.
    async fn authorization(&self, who: Who) -> Option<String> {
        use studiogate_graph::JwtKeys;
        let secret = studiogate_testkit::TEST_JWT_SECRET.as_bytes();
        let someone = Uuid::new_v4();
        let token = match who {
            Who::Stranger => self.app.token(someone),
            Who::Member => self.app.token(self.member.expect("a seeded member")),
            Who::Service => self.app.token_with_role(someone, "service"),
            Who::Forged => JwtKeys::new(b"someone-else", None).sign(someone, 600, None),
            Who::Expired => JwtKeys::new(secret, None).sign(someone, -60, None),
            Who::NotYetValid => {
                let now = chrono::Utc::now().timestamp();
                let claims = json!({ "sub": someone, "exp": now + 600, "nbf": now + 300 });
                jsonwebtoken::encode(
                    &jsonwebtoken::Header::default(),
                    &claims,
                    &jsonwebtoken::EncodingKey::from_secret(secret),
                )
                .expect("signed")
            }
            Who::EndedSession => {
                let sign_up =
                    "mutation($input: SignUpInput!) { signUp(input: $input) { accessToken } }";
                let input = json!({ "input": { "email": format!("ended-{someone}@example.com"),
                    "password": "a long and unusual passphrase", "fullName": "Ended Session" } });
                let (_, body) = self
                    .app
                    .post(None, sign_up, input)
                    .await
                    .expect("signed up");
                let token = body["data"]["signUp"]["accessToken"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{body}"))
                    .to_owned();
                let out = self
                    .app
                    .gql(
                        &token,
                        "mutation { signOut { revokedSessions } }",
                        json!({}),
                    )
                    .await
                    .expect("signed out");
                assert_eq!(out["data"]["signOut"]["revokedSessions"], 1, "{out}");
                token
            }
            Who::Anonymous => return None,
        };
        Some(format!("Bearer {token}"))
    }

    /// The case's GraphQL request, as a POST body and a `subscribe` payload alike.
    fn request(&self, case: &Case, subject: Uuid) -> Value {
        let mut request = json!({ "variables": (case.variables)(subject) });
        match case.query {
            Doc::Text(text) => request["query"] = json!(text),
            Doc::Made(make) => request["query"] = json!(make()),
            Doc::Absent => {}
        }
        if let Some(name) = case.operation_name {
            request["operationName"] = json!(name);
        }
        if let Some(extensions) = case.extensions {
            request["extensions"] = serde_json::from_str(extensions).expect("extensions json");
        }
        request
    }
}

/// What a transport answered: the HTTP status or the socket's close code at
/// `connection_init` (`None` for an answer on the socket), and the GraphQL errors.
#[derive(Debug)]
struct Answer {
    status: Option<u16>,
    closed_at_init: Option<u16>,
    body: Value,
    retry_after: bool,
}

/// What goes first on the same transport: requests and the one code each must get (none for
/// a success).
fn warm_ups(case: &Case, subject: Uuid) -> Vec<(Value, Option<&'static str>)> {
    match case.before {
        Before::SpendBudget => vec![(json!({ "query": TYPENAME }), None)],
        Before::FailSignIns => (0..5)
            .map(|_| {
                let wrong = json!({ "query": SIGN_IN, "variables": a_wrong_password(subject) });
                (wrong, Some("UNAUTHENTICATED"))
            })
            .collect(),
        Before::Nothing | Before::LockStudios => Vec::new(),
    }
}

fn check_warm_up(case: &Case, body: &Value, expected: Option<&str>) {
    match expected {
        None => assert!(body["errors"].is_null(), "{}: {body}", case.name),
        Some(code) => assert_eq!(error_codes(body), vec![code], "{}: {body}", case.name),
    }
}

async fn over_http(
    server: &Server,
    case: &Case,
    authorization: Option<&str>,
    subject: Uuid,
) -> Answer {
    let post = || {
        let request = reqwest::Client::new().post(format!("{}/graphql", server.app.base_url));
        match authorization {
            Some(value) => request.header("Authorization", value),
            None => request,
        }
    };
    for (request, expected) in warm_ups(case, subject) {
        let answer = post().json(&request).send().await.expect("answer");
        assert_eq!(answer.status(), 200, "{}", case.name);
        check_warm_up(case, &answer.json().await.expect("json"), expected);
    }
    let response = post()
        .json(&server.request(case, subject))
        .send()
        .await
        .expect("answer");
    let status = response.status().as_u16();
    let header = response.headers().contains_key("retry-after");
    let body: Value = response.json().await.expect("json body");
    // A whole-request refusal says it in `Retry-After`; one from a resolver (the sign-in
    // hold) in `extensions.retryAfter`.
    let retry_after = header || body["errors"][0]["extensions"]["retryAfter"].is_u64();
    Answer {
        status: Some(status),
        closed_at_init: None,
        body,
        retry_after,
    }
}

async fn over_websocket(
    server: &Server,
    case: &Case,
    authorization: Option<&str>,
    subject: Uuid,
) -> Answer {
    let init = match authorization {
        Some(value) => json!({ "Authorization": value }),
        None => json!({}),
    };
    let mut socket = match server.app.connect_ws(init).await.expect("websocket") {
        Ok(socket) => socket,
        Err(refused) => {
            return Answer {
                status: None,
                closed_at_init: refused.code,
                body: json!({ "errors": [{ "message": refused.reason }] }),
                retry_after: false,
            }
        }
    };
    for (n, (request, expected)) in warm_ups(case, subject).into_iter().enumerate() {
        let id = format!("warm-up-{n}");
        socket.start(&id, request).await.expect("sent");
        check_warm_up(case, &answer(&mut socket).await, expected);
    }
    socket
        .start("1", server.request(case, subject))
        .await
        .expect("sent");
    let body = answer(&mut socket).await;
    socket.close().await;
    let retry_after = body["errors"][0]["extensions"]["retryAfter"].is_u64();
    Answer {
        status: None,
        closed_at_init: None,
        body,
        retry_after,
    }
}

/// The next operation's answer on `socket`, past completions of earlier ones.
async fn answer(socket: &mut Subscription) -> Value {
    loop {
        match socket.next(WAIT).await.expect("socket") {
            Some(Frame::Next(payload)) => return payload,
            Some(Frame::Complete(_)) => continue,
            other => panic!("expected an answer, got {other:?}"),
        }
    }
}

/// Sends `case` over `transport`, with the state `before` asks for around it.
async fn ask(server: &Server, case: &Case, websocket: bool) -> Answer {
    let authorization = server.authorization(case.who).await;
    let authorization = authorization.as_deref();
    // Sign-ins work on an address of their own per transport; the rest in the company.
    let subject = match case.before {
        Before::FailSignIns => Uuid::new_v4(),
        _ => server.company,
    };
    let locked = match case.before {
        Before::LockStudios => Some(StudiosLocked::hold(&server.app).await),
        Before::Nothing | Before::SpendBudget | Before::FailSignIns => None,
    };
    let answer = if websocket {
        over_websocket(server, case, authorization, subject).await
    } else {
        over_http(server, case, authorization, subject).await
    };
    if let Some(locked) = locked {
        locked.release().await;
    }
    answer
}

fn message(answer: &Answer) -> &Value {
    &answer.body["errors"][0]["message"]
}

async fn check(server: &Server, case: &Case, backend: &Backend) {
    let what = format!("{backend:?}, {}", case.name);
    let http = ask(server, case, false).await;
    assert_eq!(http.status, Some(case.status), "{what}: {http:?}");
    assert_eq!(error_codes(&http.body), vec![case.code], "{what}: {http:?}");
    let reason = &http.body["errors"][0]["extensions"]["reason"];
    assert_eq!(reason.as_str(), case.reason, "{what}: {http:?}");
    assert!(message(&http).is_string(), "{what}: {http:?}");
    if case.code == "RATE_LIMITED" {
        assert!(http.retry_after, "{what}: Retry-After");
    }

    let ws = ask(server, case, true).await;
    match case.socket {
        Socket::ClosedAtInit(code) => {
            assert_eq!(
                ws.closed_at_init,
                Some(code),
                "{what} over a socket: {ws:?}"
            );
        }
        Socket::PerOperation => {
            assert_eq!(ws.closed_at_init, None, "{what} over a socket: {ws:?}");
            assert_eq!(
                error_codes(&ws.body),
                vec![case.code],
                "{what} over a socket: {ws:?}"
            );
            let reason = &ws.body["errors"][0]["extensions"]["reason"];
            assert_eq!(reason.as_str(), case.reason, "{what} over a socket: {ws:?}");
            assert_eq!(
                http.retry_after, ws.retry_after,
                "{what}: retryAfter over a socket: {ws:?}"
            );
        }
    }
    assert_eq!(
        message(&ws),
        message(&http),
        "{what}: the same message over both"
    );
}

async fn every_refusal_is_the_same_over_http_and_websocket(backend: Backend) {
    for settings in [
        Settings::Default,
        Settings::TinyRate,
        Settings::Trusted,
        Settings::OneSecondTimeout,
    ] {
        let cases: Vec<&Case> = CASES.iter().filter(|c| c.settings == settings).collect();
        assert!(!cases.is_empty(), "no case under {settings:?}");
        let seeded = cases.iter().any(|c| c.who == Who::Member);
        let server = Server::start(&backend, settings, seeded).await;
        for case in cases {
            check(&server, case, &backend).await;
        }
    }
}
on_both_backends!(every_refusal_is_the_same_over_http_and_websocket);
