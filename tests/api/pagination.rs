use serde_json::{json, Value};
use std::collections::HashSet;
use studiogate_testkit::{error_codes, on_both_backends, Backend};

use crate::support::{member, memberships, seeded};

const EXECUTIONS: &str = r#"
query Page($first: Int, $after: String, $order: ListOrder, $status: [ExecutionStatus!]) {
  companies { nodes { studios(first: 1, order: OLDEST_FIRST) { nodes {
    executions(first: $first, after: $after, order: $order, filter: { status: $status }) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { cursor node { id status createdAt } }
    }
  } } } }
}"#;

fn executions(body: &Value) -> &Value {
    &body["data"]["companies"]["nodes"][0]["studios"]["nodes"][0]["executions"]
}

async fn pages_walk_a_list_without_gaps_or_repeats(backend: Backend) {
    let (app, seed) = seeded(&backend, 1).await;
    let token = app.token(member(&seed, 0, 1));
    for order in ["NEWEST_FIRST", "OLDEST_FIRST"] {
        let mut seen = Vec::new();
        let mut after = Value::Null;
        loop {
            let vars = json!({ "first": 7, "after": after, "order": order });
            let body = app.gql(&token, EXECUTIONS, vars).await.expect("page");
            assert!(body["errors"].is_null(), "{body}");
            let conn = executions(&body);
            assert_eq!(conn["totalCount"], 40);
            let edges = conn["edges"].as_array().expect("edges");
            for edge in edges {
                seen.push((
                    edge["node"]["createdAt"].as_str().expect("t").to_owned(),
                    edge["node"]["id"].as_str().expect("id").to_owned(),
                ));
            }
            if conn["pageInfo"]["hasNextPage"] != true {
                break;
            }
            assert_eq!(edges.len(), 7, "full pages until the last one");
            after = conn["pageInfo"]["endCursor"].clone();
        }
        assert_eq!(seen.len(), 40, "{backend:?} {order}: every execution once");
        let unique: HashSet<_> = seen.iter().map(|(_, id)| id.clone()).collect();
        assert_eq!(unique.len(), 40, "{backend:?} {order}: no repeats");
        let mut sorted = seen.clone();
        sorted.sort();
        if order == "NEWEST_FIRST" {
            sorted.reverse();
        }
        assert_eq!(seen, sorted, "{backend:?} {order}: stable order");
    }
}
on_both_backends!(pages_walk_a_list_without_gaps_or_repeats);

async fn status_filter_narrows_executions(backend: Backend) {
    let (app, seed) = seeded(&backend, 1).await;
    let token = app.token(member(&seed, 0, 1));
    let vars = json!({ "first": 100, "status": ["FAILED", "PAUSED"] });
    let body = app.gql(&token, EXECUTIONS, vars).await.expect("page");
    let conn = executions(&body);
    // 40 executions cycle through 5 statuses: 8 failed and 8 paused.
    assert_eq!(conn["totalCount"], 16, "{body}");
    for edge in conn["edges"].as_array().expect("edges") {
        let status = edge["node"]["status"].as_str().expect("status");
        assert!(status == "FAILED" || status == "PAUSED", "{status}");
    }
}
on_both_backends!(status_filter_narrows_executions);

async fn studio_and_template_filters_narrow_their_lists(backend: Backend) {
    const QUERY: &str = r#"{
      companies { nodes { studios(first: 100, filter: { businessArea: SALES }) {
        totalCount nodes { businessArea } } } }
      byTag: workflowTemplates(first: 100, filter: { tag: "tag3" }) { totalCount nodes { tags isActive } }
      byLevel: workflowTemplates(first: 100, filter: { complexityLevel: ADVANCED, businessArea: MARKETING }) {
        nodes { complexityLevel businessArea } }
      bySearch: workflowTemplates(filter: { search: "template 07" }) { nodes { name } }
      all: workflowTemplates(first: 100) { totalCount }
    }"#;
    let (app, seed) = seeded(&backend, 1).await;
    let token = app.token(member(&seed, 0, 1));
    let body = app.gql(&token, QUERY, json!({})).await.expect("ok");
    assert!(body["errors"].is_null(), "{body}");
    let studios = &body["data"]["companies"]["nodes"][0]["studios"];
    // Studios 0-9 cycle through 7 areas: SALES is studios 1 and 8.
    assert_eq!(studios["totalCount"], 2, "{body}");
    for s in studios["nodes"].as_array().expect("list") {
        assert_eq!(s["businessArea"], "SALES");
    }
    // 30 templates, every tenth inactive: members see 27.
    assert_eq!(body["data"]["all"]["totalCount"], 27);
    // tag3 is on templates 3, 8, 13, 18, 23, 28; none of them inactive.
    assert_eq!(body["data"]["byTag"]["totalCount"], 6, "{body}");
    for t in body["data"]["byTag"]["nodes"].as_array().expect("list") {
        assert!(t["tags"].as_array().expect("tags").contains(&json!("tag3")));
        assert_eq!(t["isActive"], true);
    }
    let by_level = body["data"]["byLevel"]["nodes"].as_array().expect("list");
    assert!(!by_level.is_empty());
    for t in by_level {
        assert_eq!(t["complexityLevel"], "ADVANCED");
        assert_eq!(t["businessArea"], "MARKETING");
    }
    assert_eq!(
        body["data"]["bySearch"]["nodes"],
        json!([{ "name": "Template 07" }])
    );
}
on_both_backends!(studio_and_template_filters_narrow_their_lists);

async fn page_size_and_cursor_are_validated(backend: Backend) {
    let (app, seed) = seeded(&backend, 1).await;
    let token = app.token(member(&seed, 0, 1));
    for (vars, field) in [
        (json!({ "first": 0 }), "first"),
        (json!({ "first": 101 }), "first"),
        (json!({ "first": 5, "after": "bm90LWEtY3Vyc29y" }), "after"),
    ] {
        let body = app.gql(&token, EXECUTIONS, vars).await.expect("response");
        assert_eq!(error_codes(&body), vec!["BAD_USER_INPUT"], "{body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field);
    }
    let body = app
        .gql(&token, EXECUTIONS, json!({ "first": 100 }))
        .await
        .expect("ok");
    assert!(body["errors"].is_null(), "first: 100 is allowed: {body}");
}
on_both_backends!(page_size_and_cursor_are_validated);

/// A connection asked only for `totalCount` reads no page: the same query with `nodes { id }`
/// under both lists costs exactly the two page statements more, and gives the same counts.
/// `pageInfo` alone still reads its page (it needs the look-ahead row).
async fn a_count_only_connection_reads_no_page(backend: Backend) {
    let (app, seed) = seeded(&backend, 1).await;
    let token = app.token(member(&seed, 0, 1));
    let query = |rows: &str| {
        format!(
            "{{ companies {{ nodes {{ studios(first: 10) {{ nodes {{ \
             executions {{ totalCount {rows} }} files {{ totalCount {rows} }} }} }} }} }} }}"
        )
    };
    let counts = |body: &Value| -> Vec<(Value, Value)> {
        body["data"]["companies"]["nodes"][0]["studios"]["nodes"]
            .as_array()
            .expect("studios")
            .iter()
            .map(|s| {
                (
                    s["executions"]["totalCount"].clone(),
                    s["files"]["totalCount"].clone(),
                )
            })
            .collect()
    };
    let (only, body) = app
        .count_statements(&token, &query(""), json!({}))
        .await
        .expect("ok");
    assert!(body["errors"].is_null(), "{body}");
    let (with_rows, full) = app
        .count_statements(&token, &query("nodes { id }"), json!({}))
        .await
        .expect("ok");
    assert!(full["errors"].is_null(), "{full}");
    assert_eq!(counts(&body), counts(&full));
    assert_eq!(with_rows, only + 2, "{backend:?}: {only} vs {with_rows}");
    // The same through a fragment, and for a root list.
    let fragment = "{ companies { totalCount ...Rows } } \
                    fragment Rows on CompanyConnection { nodes { id } }";
    let (root_rows, _) = app
        .count_statements(&token, fragment, json!({}))
        .await
        .expect("ok");
    let (root_count, body) = app
        .count_statements(&token, "{ companies { totalCount } }", json!({}))
        .await
        .expect("ok");
    assert_eq!(body["data"]["companies"]["totalCount"], 1, "{body}");
    assert_eq!(root_rows, root_count + 1, "{backend:?}");
    let page_info = "{ companies { nodes { studios(first: 1) { pageInfo { hasNextPage } } } } }";
    let body = app.gql(&token, page_info, json!({})).await.expect("ok");
    assert_eq!(
        body["data"]["companies"]["nodes"][0]["studios"]["pageInfo"]["hasNextPage"], true,
        "{body}"
    );
}
on_both_backends!(a_count_only_connection_reads_no_page);

/// A page reads an execution's JSON documents only when a field that returns one is selected,
/// and then returns the stored documents: the same page asked through `nodes`, through
/// `edges { node }` and through a fragment gives, for every execution, what its lookup by id
/// gives; asked without them, it lists the same executions.
async fn pages_return_json_documents_when_asked(backend: Backend) {
    const FIELDS: &str = "id inputData outputData logs files { usageType file { id } }";
    let (app, seed) = seeded(&backend, 1).await;
    let token = app.token(member(&seed, 0, 1));
    let list = |selection: &str, fragment: &str| {
        format!(
            "{{ companies {{ nodes {{ studios(first: 1, order: OLDEST_FIRST) {{ nodes {{ \
             executions(first: 40) {{ {selection} }} }} }} }} }} }} {fragment}"
        )
    };
    let items = |body: &Value, edges: bool| -> Vec<Value> {
        assert!(body["errors"].is_null(), "{body}");
        let conn = &body["data"]["companies"]["nodes"][0]["studios"]["nodes"][0]["executions"];
        let rows = conn[if edges { "edges" } else { "nodes" }]
            .as_array()
            .expect("rows");
        let rows = rows
            .iter()
            .map(|r| if edges { r["node"].clone() } else { r.clone() });
        rows.collect()
    };
    let ask = |query: String| {
        let (app, token) = (&app, &token);
        async move { app.gql(token, &query, json!({})).await.expect("ok") }
    };
    let lean = items(&ask(list("nodes { id status }", "")).await, false);
    let through_nodes = items(
        &ask(list(&format!("nodes {{ {FIELDS} }}"), "")).await,
        false,
    );
    let through_edges = items(
        &ask(list(&format!("edges {{ node {{ {FIELDS} }} }}"), "")).await,
        true,
    );
    let through_fragment = items(
        &ask(list(
            "nodes { ...Docs }",
            &format!("fragment Docs on WorkflowExecution {{ {FIELDS} }}"),
        ))
        .await,
        false,
    );
    assert_eq!(lean.len(), 40);
    let ids = |rows: &[Value]| rows.iter().map(|r| r["id"].clone()).collect::<Vec<_>>();
    assert_eq!(ids(&lean), ids(&through_nodes));
    let (mut outputs, mut logs, mut files) = (0, 0, 0);
    for (k, row) in through_nodes.iter().enumerate() {
        let lookup = format!(
            "{{ workflowExecution(id: \"{}\") {{ {FIELDS} }} }}",
            row["id"].as_str().expect("id")
        );
        let stored = ask(lookup).await["data"]["workflowExecution"].clone();
        assert!(stored.is_object(), "{stored}");
        assert_eq!(*row, stored, "through nodes");
        assert_eq!(through_edges[k], stored, "through edges");
        assert_eq!(through_fragment[k], stored, "through a fragment");
        assert!(stored["inputData"].is_object(), "{stored}");
        outputs += usize::from(!stored["outputData"].is_null());
        logs += usize::from(stored["logs"].as_array().is_some_and(|l| !l.is_empty()));
        files += usize::from(stored["files"].as_array().is_some_and(|f| !f.is_empty()));
    }
    // The seed gives documents to compare: outputs, logs and files on some executions.
    assert!(
        outputs > 0 && logs > 0 && files > 0,
        "{outputs} {logs} {files}"
    );
}
on_both_backends!(pages_return_json_documents_when_asked);

const STUDIO: &str = r#"
query Studio($id: UUID!, $first: Int, $after: String, $order: ListOrder, $status: [ExecutionStatus!]) {
  studio(id: $id) {
    id
    executions(first: $first, after: $after, order: $order, filter: { status: $status }) {
      pageInfo { hasNextPage endCursor }
      edges { cursor node { id status createdAt } }
    }
  }
}"#;

/// A studio looked up with its executions connection is one statement: the lookup and the
/// page together (`ByIdLoader::one_with_page`; SQLite reads the memberships before it). The page answers as the same
/// studio's page read under its company does, through sizes, orders, cursors and filters; a
/// studio with no executions answers an empty page, another tenant's studio NOT_FOUND with
/// no page, and arguments the connection refuses are refused as before. A selection the
/// statement does not cover (two executions fields, or a count alone) reads as it did.
async fn a_studio_lookup_reads_its_executions_page_in_the_same_statement(backend: Backend) {
    let (app, seed) = seeded(&backend, 2).await;
    let token = app.token(member(&seed, 0, 1));
    // The statement itself; SQLite reads the viewer's memberships in one before it.
    let one = 1 + memberships(&backend);
    let first_studio = |token: String| {
        let app = &app;
        async move {
            let q = "{ companies { nodes { studios(first: 1, order: OLDEST_FIRST) { nodes { id } } } } }";
            let body = app.gql(&token, q, json!({})).await.expect("ok");
            body["data"]["companies"]["nodes"][0]["studios"]["nodes"][0]["id"].clone()
        }
    };
    let studio = first_studio(token.clone()).await;
    let foreign = first_studio(app.token(member(&seed, 1, 1))).await;
    assert!(studio.is_string() && foreign.is_string() && studio != foreign);
    let without_count =
        |conn: &Value| json!({ "pageInfo": conn["pageInfo"], "edges": conn["edges"] });
    let page_one = app
        .gql(&token, EXECUTIONS, json!({ "first": 7 }))
        .await
        .expect("ok");
    let cursor = executions(&page_one)["pageInfo"]["endCursor"].clone();
    for mut vars in [
        json!({ "first": 7 }),
        json!({ "first": 7, "order": "OLDEST_FIRST" }),
        json!({ "first": 7, "after": cursor }),
        json!({ "first": 100, "status": ["FAILED", "PAUSED"] }),
        json!({}),
    ] {
        let expected = app.gql(&token, EXECUTIONS, vars.clone()).await.expect("ok");
        assert!(expected["errors"].is_null(), "{expected}");
        vars["id"] = studio.clone();
        let (n, body) = app
            .count_statements(&token, STUDIO, vars.clone())
            .await
            .expect("ok");
        assert!(body["errors"].is_null(), "{body}");
        assert_eq!(body["data"]["studio"]["id"], studio);
        let got = &body["data"]["studio"]["executions"];
        assert_eq!(
            *got,
            without_count(executions(&expected)),
            "{backend:?} {vars}"
        );
        assert!(!got["edges"].as_array().expect("edges").is_empty());
        assert_eq!(n, one, "{backend:?} {vars}: one statement");
    }

    // A visible studio with no executions: the lookup's row, and an empty page.
    let create =
        r#"mutation($input: CreateStudioInput!) { createStudio(input: $input) { studio { id } } }"#;
    let input = json!({ "input": { "companyId": crate::support::company(&seed, 0), "name": "No runs yet", "businessArea": "SALES" } });
    let body = app.gql(&token, create, input).await.expect("ok");
    let empty = body["data"]["createStudio"]["studio"]["id"].clone();
    assert!(empty.is_string(), "{body}");
    let (n, body) = app
        .count_statements(&token, STUDIO, json!({ "id": empty, "first": 5 }))
        .await
        .expect("ok");
    assert!(body["errors"].is_null(), "{body}");
    assert_eq!(body["data"]["studio"]["id"], empty);
    let conn = &body["data"]["studio"]["executions"];
    assert_eq!(conn["edges"], json!([]), "{body}");
    assert_eq!(conn["pageInfo"]["hasNextPage"], false, "{body}");
    assert_eq!(n, one, "{backend:?}");

    // Another tenant's studio answers as a missing one, in the same one statement.
    let (n, body) = app
        .count_statements(&token, STUDIO, json!({ "id": foreign, "first": 5 }))
        .await
        .expect("ok");
    assert_eq!(error_codes(&body), vec!["NOT_FOUND"], "{body}");
    assert!(body["data"]["studio"].is_null(), "{body}");
    assert_eq!(n, one, "{backend:?}");

    // Arguments the connection refuses are refused by the connection, as on any other path.
    for (vars, field) in [
        (json!({ "id": studio, "first": 0 }), "first"),
        (
            json!({ "id": studio, "first": 5, "after": "bm90LWEtY3Vyc29y" }),
            "after",
        ),
    ] {
        let body = app.gql(&token, STUDIO, vars).await.expect("ok");
        assert_eq!(error_codes(&body), vec!["BAD_USER_INPUT"], "{body}");
        assert_eq!(body["errors"][0]["extensions"]["field"], field, "{body}");
    }

    // Two executions fields: the lookup, then each page as before.
    let two = "query($id: UUID!) { studio(id: $id) { \
               newest: executions(first: 2) { nodes { id } } \
               oldest: executions(first: 3, order: OLDEST_FIRST) { nodes { id } } } }";
    let (n, body) = app
        .count_statements(&token, two, json!({ "id": studio }))
        .await
        .expect("ok");
    assert!(body["errors"].is_null(), "{body}");
    let ids = |vars: Value| {
        let (app, token) = (&app, &token);
        async move {
            let body = app.gql(token, EXECUTIONS, vars).await.expect("ok");
            let edges = executions(&body)["edges"]
                .as_array()
                .expect("edges")
                .clone();
            let ids = edges.iter().map(|e| json!({ "id": e["node"]["id"] }));
            Value::Array(ids.collect())
        }
    };
    assert_eq!(
        body["data"]["studio"]["newest"]["nodes"],
        ids(json!({ "first": 2 })).await
    );
    let oldest = ids(json!({ "first": 3, "order": "OLDEST_FIRST" })).await;
    assert_eq!(body["data"]["studio"]["oldest"]["nodes"], oldest);
    assert_eq!(
        n,
        one + 2,
        "{backend:?}: the lookup and one statement per page"
    );

    // A count alone reads no page: the lookup and the count.
    let count = "query($id: UUID!) { studio(id: $id) { executions { totalCount } } }";
    let (n, body) = app
        .count_statements(&token, count, json!({ "id": studio }))
        .await
        .expect("ok");
    assert_eq!(
        body["data"]["studio"]["executions"]["totalCount"], 40,
        "{body}"
    );
    assert_eq!(n, one + 1, "{backend:?}");
}
on_both_backends!(a_studio_lookup_reads_its_executions_page_in_the_same_statement);

/// The company and template lookups read their connection (studios; executions) with their
/// row in one statement too, and answer what the old way answers: the same field asked twice
/// under two aliases, which the lookup does not take with it, so the row is read and then
/// each page.
async fn company_and_template_lookups_read_their_page_in_the_same_statement(backend: Backend) {
    let (app, seed) = seeded(&backend, 1).await;
    let token = app.token(member(&seed, 0, 1));
    let one = 1 + memberships(&backend);
    let ids = "{ companies { nodes { id studios(first: 1) { nodes { \
               executions(first: 1) { nodes { template { id } } } } } } } }";
    let body = app.gql(&token, ids, json!({})).await.expect("ok");
    let company = body["data"]["companies"]["nodes"][0]["id"].clone();
    let studio = &body["data"]["companies"]["nodes"][0]["studios"]["nodes"][0];
    let template = studio["executions"]["nodes"][0]["template"]["id"].clone();
    assert!(company.is_string() && template.is_string(), "{body}");
    let cases = [
        (
            "company",
            company,
            "studios(first: 4, order: OLDEST_FIRST) { pageInfo { hasNextPage } nodes { id name } }",
        ),
        (
            "workflowTemplate",
            template,
            "executions(first: 6, filter: { status: [PENDING, RUNNING, SUCCEEDED, FAILED, \
             PAUSED] }) { edges { cursor node { id status } } }",
        ),
    ];
    for (root, id, field) in cases {
        let single = format!("query($id: UUID!) {{ {root}(id: $id) {{ id {field} }} }}");
        let (n, body) = app
            .count_statements(&token, &single, json!({ "id": id }))
            .await
            .expect("ok");
        assert!(body["errors"].is_null(), "{body}");
        assert_eq!(n, one, "{backend:?} {root}: one statement");
        let twice =
            format!("query($id: UUID!) {{ {root}(id: $id) {{ id a: {field} b: {field} }} }}");
        let (n, old) = app
            .count_statements(&token, &twice, json!({ "id": id }))
            .await
            .expect("ok");
        assert!(old["errors"].is_null(), "{old}");
        assert_eq!(
            n,
            one + 1,
            "{backend:?} {root}: the row, then one page for both"
        );
        let conn = field.split('(').next().expect("name");
        let got = &body["data"][root];
        assert_eq!(got["id"], id);
        assert_eq!(got[conn], old["data"][root]["a"], "{backend:?} {root}");
        assert_eq!(got[conn], old["data"][root]["b"], "{backend:?} {root}");
        let rows = got[conn]
            .as_object()
            .and_then(|c| c.get("nodes").or_else(|| c.get("edges")))
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        assert!(rows > 0, "{backend:?} {root}: {body}");
    }
}
on_both_backends!(company_and_template_lookups_read_their_page_in_the_same_statement);
