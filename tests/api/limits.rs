//! Operation limits: the depth limit refuses the smallest operation that crosses it and
//! accepts the largest that does not.

use serde_json::json;
use studiogate_testkit::{error_codes, on_both_backends, Backend, TestApp};
use uuid::Uuid;

use crate::support::BIN;

/// A valid operation `fields` fields deep (the leaf included), walking
/// viewer -> memberships -> company -> members -> nodes -> company -> ...
fn deep(fields: usize) -> String {
    let cycle = ["company", "members(first: 1)", "nodes"];
    let mut path: Vec<&str> = vec!["viewer", "memberships"];
    while path.len() < fields - 1 {
        path.push(cycle[(path.len() - 2) % 3]);
    }
    let leaf = if path.last() == Some(&"members(first: 1)") {
        "totalCount"
    } else {
        "id"
    };
    let open: String = path.iter().map(|f| format!("{f} {{ ")).collect();
    format!("{{ {open}{leaf}{} }}", " }".repeat(path.len()))
}

#[tokio::test]
async fn the_depth_limit_refuses_just_past_the_line() {
    let backend = &Backend::Sqlite;
    let app = TestApp::spawn(BIN, backend).await.expect("app");
    let token = app.token(Uuid::new_v4());
    // Depth counts fields from the root: 12 passes, 13 does not.
    for (depth, ok) in [(12, true), (13, false)] {
        let body = app.gql(&token, &deep(depth), json!({})).await.expect("ok");
        if ok {
            assert!(body["errors"].is_null(), "depth {depth}: {body}");
        } else {
            assert_eq!(
                error_codes(&body),
                vec!["GRAPHQL_VALIDATION_FAILED"],
                "depth {depth}: {body}"
            );
        }
    }
    // The flagship query is well inside the depth limit.
    let body = app
        .gql(&token, crate::nested::FLAGSHIP, json!({}))
        .await
        .expect("ok");
    assert!(body["errors"].is_null(), "{body}");
}

/// `n` aliased copies of a cheap field.
fn aliases(n: usize) -> String {
    let fields: String = (0..n).map(|i| format!("a{i}: id ")).collect();
    format!("{{ viewer {{ {fields}}} }}")
}

/// `n` root fields: spreads of one fragment, which merge in the response but each count.
fn root_fields(n: usize) -> String {
    let fields: String = (0..n).map(|_| "...V ").collect();
    format!("{{ {fields}}} fragment V on Query {{ viewer {{ id }} }}")
}

#[tokio::test]
async fn alias_root_field_and_directive_limits_refuse_just_past_the_line() {
    let backend = &Backend::Sqlite;
    let app = TestApp::spawn_with_env(BIN, backend, &[("STUDIOGATE_MAX_DIRECTIVES", "1")])
        .await
        .expect("app");
    let token = app.token(Uuid::new_v4());
    let cases = [
        ("30 aliases", aliases(30), true),
        ("31 aliases", aliases(31), false),
        ("20 root fields", root_fields(20), true),
        ("21 root fields", root_fields(21), false),
        (
            "1 directive",
            "{ viewer { id @include(if: true) } }".to_owned(),
            true,
        ),
        (
            "2 directives",
            "{ viewer { id @include(if: true) @skip(if: false) } }".to_owned(),
            false,
        ),
        (
            "a fragment cycle",
            "{ ...A } fragment A on Query { viewer { id } ...B } fragment B on Query { ...A }"
                .to_owned(),
            false,
        ),
    ];
    for (what, query, ok) in cases {
        let body = app.gql(&token, &query, json!({})).await.expect("ok");
        if ok {
            assert!(body["errors"].is_null(), "{what}: {body}");
        } else {
            assert_eq!(
                error_codes(&body),
                vec!["GRAPHQL_VALIDATION_FAILED"],
                "{what}: {body}"
            );
            assert!(body["data"].is_null(), "{what}: nothing ran: {body}");
        }
    }
}

/// `companies(first: a) { nodes { studios(first: b) { nodes { id } } } }` costs
/// 1 + a + a + a * b: one per object it can return (the connections, their nodes).
fn two_levels(a: u32, b: u32, extra_root_field: bool) -> String {
    let extra = if extra_root_field {
        "viewer { id }"
    } else {
        ""
    };
    format!("{{ {extra} companies(first: {a}) {{ nodes {{ studios(first: {b}) {{ nodes {{ id }} }} }} }} }}")
}

#[tokio::test]
async fn the_complexity_limit_multiplies_by_first() {
    let backend = &Backend::Sqlite;
    let app = TestApp::spawn(BIN, backend).await.expect("app");
    let token = app.token(Uuid::new_v4());
    // 1 + 99 + 99 + 99 * 99 = 10,000: the largest cost that runs; one more object crosses it.
    for (query, ok) in [
        (two_levels(99, 99, false), true),
        (two_levels(99, 99, true), false),
        (
            "{ companies(first: 100) { nodes { studios(first: 100) { nodes { executions(first: 100) { nodes { id } } } } } } }".to_owned(),
            false,
        ),
    ] {
        let body = app.gql(&token, &query, json!({})).await.expect("ok");
        if ok {
            assert!(body["errors"].is_null(), "{query}: {body}");
        } else {
            assert_eq!(error_codes(&body), vec!["GRAPHQL_VALIDATION_FAILED"], "{query}: {body}");
            let message = body["errors"][0]["message"].as_str().unwrap_or_default();
            assert!(message.contains("complex"), "{message}");
        }
    }
    // `first` itself stays within 1..100.
    for first in [0, 101] {
        let query = format!("{{ companies(first: {first}) {{ nodes {{ id }} }} }}");
        let body = app.gql(&token, &query, json!({})).await.expect("ok");
        assert_eq!(
            error_codes(&body),
            vec!["BAD_USER_INPUT"],
            "first {first}: {body}"
        );
    }
}

#[tokio::test]
async fn introspection_and_suggestions_can_be_turned_off() {
    let backend = &Backend::Sqlite;
    let introspect = "{ __schema { queryType { name } } }";
    let typo = "{ viewr { id } }";
    let open = TestApp::spawn(BIN, backend).await.expect("app");
    let token = open.token(Uuid::new_v4());
    let body = open.gql(&token, introspect, json!({})).await.expect("ok");
    assert_eq!(
        body["data"]["__schema"]["queryType"]["name"], "Query",
        "{body}"
    );
    let body = open.gql(&token, typo, json!({})).await.expect("ok");
    assert!(body.to_string().contains("Did you mean"), "{body}");

    let closed = TestApp::spawn_with_env(
        BIN,
        backend,
        &[
            ("STUDIOGATE_INTROSPECTION", "off"),
            ("STUDIOGATE_FIELD_SUGGESTIONS", "off"),
        ],
    )
    .await
    .expect("app");
    let body = closed.gql(&token, introspect, json!({})).await.expect("ok");
    assert!(
        body["data"].is_null() || body["data"]["__schema"].is_null(),
        "{body}"
    );
    assert!(!body["errors"].is_null(), "{body}");
    let body = closed.gql(&token, typo, json!({})).await.expect("ok");
    assert_eq!(
        error_codes(&body),
        vec!["GRAPHQL_VALIDATION_FAILED"],
        "{body}"
    );
    assert!(!body.to_string().contains("Did you mean"), "{body}");
}

/// Fragments spreading the next fragment twice, 28 levels: about 1.5 KB that expands to
/// 2^28 paths, shallow enough (depth 56 < 64) for async-graphql's recursion-depth check, which
/// walks every path, to accept after minutes of CPU. Both forms are refused before anything
/// expands them: the one that nests a field at each level (`viewer { ...F ...F }`) by the
/// depth limit, and the flat one (`...F ...F`) by the expansion budget; the server stays
/// responsive meanwhile. (Not a timing test: the timeout only turns a would-be stall into a
/// failure.)
#[tokio::test]
async fn a_fragment_spread_bomb_is_refused_before_it_expands() {
    let app = TestApp::spawn(BIN, &Backend::Sqlite).await.expect("app");
    let token = app.token(Uuid::new_v4());
    let bomb = |root: &str, on: &str, level: &dyn Fn(usize) -> String| {
        let mut document = String::from(root);
        for i in 0..28 {
            document.push_str(&format!(" fragment F{i} on {on} {{ {} }}", level(i + 1)));
        }
        document + &format!(" fragment F28 on {on} {{ __typename }}")
    };
    let nested = bomb("{ ...F0 }", "Query", &|n| {
        format!("viewer {{ ...F{n} ...F{n} }}")
    });
    // Inside one root field and two levels deep, so no other limit stops it first.
    let flat = bomb("{ viewer { ...F0 } }", "Viewer", &|n| {
        format!("...F{n} ...F{n}")
    });
    let hang = std::time::Duration::from_secs(60);
    for (document, refusal) in [
        (nested, "Query is nested too deep."),
        (flat, "The operation expands to more than 100000 selections"),
    ] {
        let (bomb, healthz) = tokio::join!(
            tokio::time::timeout(hang, app.post(Some(&token), &document, json!({}))),
            async {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                tokio::time::timeout(hang, app.get("/healthz")).await
            }
        );
        let (_, body) = bomb
            .expect("the server answered instead of expanding the bomb")
            .expect("answered");
        assert_eq!(
            error_codes(&body),
            vec!["GRAPHQL_VALIDATION_FAILED"],
            "{body}"
        );
        assert_eq!(body["errors"][0]["message"], refusal, "{body}");
        let (status, _) = healthz.expect("healthz answered").expect("healthz");
        assert_eq!(status, 200);
    }
}

/// The introspection query graphql-js, codegen and schemathesis send (`getIntrospectionQuery()`
/// of graphql 16, saved beside this file) nests deeper than an application query may; it has a
/// budget of its own, over both transports, while the application depth limit stays.
#[tokio::test]
async fn the_standard_introspection_query_runs_on_both_transports() {
    use studiogate_testkit::isolation::Transport;
    let app = TestApp::spawn(BIN, &Backend::Sqlite).await.expect("app");
    let token = app.token(Uuid::new_v4());
    let query = include_str!("standard_introspection.graphql");
    for transport in [Transport::Http, Transport::WebSocket] {
        let body = app
            .ask(transport, Some(&token), query, json!({}))
            .await
            .expect("answer");
        assert!(body["errors"].is_null(), "{transport:?}: {body}");
        let types = body["data"]["__schema"]["types"].as_array().expect("types");
        assert!(types.iter().any(|t| t["name"] == "Studio"), "{transport:?}");
    }
    // Thirteen levels of application fields are still refused.
    let mut deep = String::from("id");
    for _ in 0..6 {
        deep = format!("company {{ studios {{ nodes {{ {deep} }} }} }}");
    }
    let deep = format!("{{ studio(id: \"{}\") {{ {deep} }} }}", Uuid::new_v4());
    let body = app.gql(&token, &deep, json!({})).await.expect("ok");
    assert_eq!(
        error_codes(&body),
        vec!["GRAPHQL_VALIDATION_FAILED"],
        "{body}"
    );
}

/// A malformed UUID or DateTime, as a literal or a variable (an empty string included), is the
/// client's mistake: BAD_USER_INPUT with what was wrong, never INTERNAL_SERVER_ERROR.
#[tokio::test]
async fn malformed_scalars_are_bad_user_input() {
    let app = TestApp::spawn(BIN, &Backend::Sqlite).await.expect("app");
    let token = app.token(Uuid::new_v4());
    let by_variable = "query($id: UUID!) { studio(id: $id) { id } }";
    for (query, variables) in [
        (r#"{ studio(id: "not-a-uuid") { id } }"#, json!({})),
        (by_variable, json!({ "id": "" })),
        (by_variable, json!({ "id": "xyz" })),
    ] {
        let body = app.gql(&token, query, variables.clone()).await.expect("ok");
        assert_eq!(
            error_codes(&body),
            vec!["BAD_USER_INPUT"],
            "{query} {variables}: {body}"
        );
        assert!(
            body["errors"][0]["message"]
                .as_str()
                .is_some_and(|m| m.contains("UUID")),
            "{body}"
        );
    }
}

/// NUL characters in strings are refused alike on both backends (PostgreSQL cannot store them
/// in text, SQLite can), in variables and escaped in the document; nothing is written.
async fn nul_characters_are_bad_user_input(backend: Backend) {
    let (app, seed) = crate::support::seeded(&backend, 1).await;
    let token = app.token(crate::support::member(&seed, 0, 1));
    let company = crate::support::company(&seed, 0);
    let create =
        "mutation($input: CreateStudioInput!) { createStudio(input: $input) { studio { id } } }";
    let by_variable = json!({ "input": { "companyId": company, "name": "Nul\u{0}Studio", "businessArea": "SALES" } });
    let body = app.gql(&token, create, by_variable).await.expect("ok");
    assert_eq!(error_codes(&body), vec!["BAD_USER_INPUT"], "{body}");
    let escaped = format!(
        r#"mutation {{ createStudio(input: {{ companyId: "{company}", name: "Nul\u0000Studio", businessArea: SALES }}) {{ studio {{ id }} }} }}"#
    );
    let body = app.gql(&token, &escaped, json!({})).await.expect("ok");
    assert_eq!(error_codes(&body), vec!["BAD_USER_INPUT"], "{body}");
    let studios = crate::support::rows(&app, "SELECT name FROM studios").await;
    assert!(studios
        .iter()
        .all(|r| !crate::support::text(r, "name").contains('\0')));
}
on_both_backends!(nul_characters_are_bad_user_input);
