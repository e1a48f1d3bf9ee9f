use serde_json::{json, Value};
use std::collections::HashSet;
use studiogate_testkit::{error_codes, on_both_backends, Backend};

use crate::support::{member, seeded};

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
