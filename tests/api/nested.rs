use serde_json::json;
use studiogate_testkit::{on_both_backends, Backend};

use crate::support::{admin, company, member, memberships, rows, seeded, text, uuid};

/// companies -> studios -> executions -> files, the flagship query.
pub const NESTED: &str = r#"
query Nested {
  companies(first: 10) {
    nodes {
      id
      name
      studios(first: 10) {
        nodes {
          id
          company { id }
          executions(first: 10) {
            nodes {
              id
              status
              studio { id }
              files { usageType file { id studio { id } } }
            }
          }
        }
      }
    }
  }
}"#;

async fn nested_query_walks_companies_studios_executions_files(backend: Backend) {
    let (app, seed) = seeded(&backend, 2).await;
    let token = app.token(member(&seed, 0, 1));
    let body = app.gql(&token, NESTED, json!({})).await.expect("response");
    assert!(body["errors"].is_null(), "{backend:?}: {body}");
    let companies = body["data"]["companies"]["nodes"].as_array().expect("list");
    assert_eq!(companies.len(), 1, "{backend:?}: only the viewer's company");
    assert_eq!(companies[0]["id"], json!(company(&seed, 0)));
    let studios = companies[0]["studios"]["nodes"]
        .as_array()
        .expect("studios");
    assert_eq!(studios.len(), 10);
    for studio in studios {
        assert_eq!(studio["company"]["id"], companies[0]["id"]);
        let executions = studio["executions"]["nodes"]
            .as_array()
            .expect("executions");
        assert_eq!(executions.len(), 10);
        for exec in executions {
            assert_eq!(exec["studio"]["id"], studio["id"]);
            for usage in exec["files"].as_array().expect("files") {
                assert_eq!(usage["file"]["studio"]["id"], studio["id"]);
            }
        }
    }
    // The newest ten executions of a studio, as the database orders them.
    let studio_id = studios[0]["id"].as_str().expect("id");
    let stored = rows(
        &app,
        "SELECT id, studio_id, created_at FROM workflow_executions",
    )
    .await;
    let mut expected: Vec<_> = stored
        .iter()
        .filter(|r| uuid(r, "studio_id").to_string() == studio_id)
        .map(|r| (text_time(r), uuid(r, "id")))
        .collect();
    expected.sort();
    expected.reverse();
    let got: Vec<_> = studios[0]["executions"]["nodes"]
        .as_array()
        .expect("list")
        .iter()
        .map(|e| e["id"].as_str().expect("id").to_owned())
        .collect();
    let want: Vec<_> = expected
        .iter()
        .take(10)
        .map(|(_, id)| id.to_string())
        .collect();
    assert_eq!(got, want, "{backend:?}");
}
on_both_backends!(nested_query_walks_companies_studios_executions_files);

fn text_time(row: &sea_orm::QueryResult) -> chrono::DateTime<chrono::FixedOffset> {
    row.try_get("", "created_at").unwrap_or_else(|_| {
        chrono::DateTime::parse_from_rfc3339(&text(row, "created_at")).expect("timestamp")
    })
}

/// The flagship four levels, as a frontend asks for them.
pub const FLAGSHIP: &str = r#"
query Flagship {
  companies(first: 10) { nodes { id name
    studios(first: 10) { nodes { id name businessArea
      executions(first: 10) { nodes { id status createdAt
        files { usageType file { id filename mimeType fileSize } } } } } } } }
}"#;

/// The statement count of the nested query does not grow with the data.
async fn nested_query_statement_count_is_flat_across_scales(backend: Backend) {
    let mut counts = Vec::new();
    for scale in [2, 10] {
        let (app, seed) = seeded(&backend, scale).await;
        // Company 1's member k=1 is also the viewer at both scales.
        let token = app.token(member(&seed, 1, 1));
        let (n, body) = app
            .count_statements(&token, FLAGSHIP, json!({}))
            .await
            .expect("response");
        assert!(body["errors"].is_null(), "{body}");
        let nodes = &body["data"]["companies"]["nodes"][0]["studios"]["nodes"];
        assert_eq!(nodes.as_array().map(Vec::len), Some(10));
        counts.push(n);
    }
    println!(
        "{}: nested query statements at scale 2 and 10: {counts:?}",
        backend.name()
    );
    assert_eq!(
        counts[0], counts[1],
        "{backend:?}: statement count grew with data"
    );
    // companies, studios, executions, files: one statement per level, each reading the
    // viewer's memberships itself on PostgreSQL; SQLite reads them in one more.
    assert_eq!(
        counts[0],
        4 + memberships(&backend),
        "{backend:?}: {} statements",
        counts[0]
    );
}
on_both_backends!(nested_query_statement_count_is_flat_across_scales);

/// totalCount is one GROUP BY per level, however many parents.
async fn total_counts_are_batched_per_level(backend: Backend) {
    const COUNTS: &str = r#"{
      companies { totalCount nodes { studios(first: 10) { totalCount nodes {
        executions(first: 1) { totalCount } files(first: 1) { totalCount } } } } }
    }"#;
    let (app, seed) = seeded(&backend, 2).await;
    let token = app.token(admin(&seed, 0));
    let (n, body) = app
        .count_statements(&token, COUNTS, json!({}))
        .await
        .expect("ok");
    assert!(body["errors"].is_null(), "{body}");
    let studios = body["data"]["companies"]["nodes"][0]["studios"].clone();
    assert_eq!(studios["totalCount"], 10);
    for s in studios["nodes"].as_array().expect("studios") {
        assert_eq!(s["executions"]["totalCount"], 40);
        // 15 files, 3 of them private, one of those uploaded by this admin.
        assert_eq!(s["files"]["totalCount"], 13);
    }
    // (memberships), companies, count, studios, count, executions, count, files, count
    assert!(
        n <= 8 + memberships(&backend),
        "{backend:?}: {n} statements"
    );
}
on_both_backends!(total_counts_are_batched_per_level);

/// The id of the viewer's first studio.
async fn first_studio(app: &studiogate_testkit::TestApp, token: &str) -> serde_json::Value {
    let first = app
        .gql(
            token,
            "{ companies(first: 1) { nodes { studios(first: 1) { nodes { id } } } } }",
            json!({}),
        )
        .await
        .expect("studios");
    let studio = first["data"]["companies"]["nodes"][0]["studios"]["nodes"][0]["id"].clone();
    assert!(studio.is_string(), "{first}");
    studio
}

/// An execution's files read with its page (one request to the file loader per page) are
/// the same as the same execution's files read alone (its own request), through `nodes` and
/// through `edges` (so they leave out other members' private files the same way).
async fn page_loaded_files_answer_as_a_lookup_does(backend: Backend) {
    const PAGE: &str = r#"query($studio: UUID!) { studio(id: $studio) {
      nodes: executions(first: 40) { nodes { id files { usageType file { id accessLevel } } } }
      edges: executions(first: 40) { edges { node { id files { usageType file { id } } } } } } }"#;
    const ONE: &str = r#"query($id: UUID!) { workflowExecution(id: $id) {
      files { usageType file { id accessLevel } } } }"#;
    let (app, seed) = seeded(&backend, 2).await;
    let token = app.token(member(&seed, 0, 1));
    let studio = first_studio(&app, &token).await;
    let body = app
        .gql(&token, PAGE, json!({ "studio": studio }))
        .await
        .expect("page");
    assert!(body["errors"].is_null(), "{backend:?}: {body}");
    let nodes = body["data"]["studio"]["nodes"]["nodes"]
        .as_array()
        .expect("nodes")
        .clone();
    let edges = body["data"]["studio"]["edges"]["edges"]
        .as_array()
        .expect("edges")
        .clone();
    assert_eq!(nodes.len(), 40, "{backend:?}");
    let mut used = 0;
    for (node, edge) in nodes.iter().zip(&edges) {
        let alone = app
            .gql(&token, ONE, json!({ "id": node["id"] }))
            .await
            .expect("lookup");
        let files = &alone["data"]["workflowExecution"]["files"];
        assert_eq!(&node["files"], files, "{backend:?}: {}", node["id"]);
        let ids = |list: &serde_json::Value| -> Vec<serde_json::Value> {
            list.as_array()
                .expect("files")
                .iter()
                .map(|f| json!([f["usageType"], f["file"]["id"]]))
                .collect()
        };
        assert_eq!(ids(&edge["node"]["files"]), ids(files), "{backend:?}");
        used += files.as_array().map_or(0, Vec::len);
    }
    assert!(used > 40, "{backend:?}: {used} file usages");
}
on_both_backends!(page_loaded_files_answer_as_a_lookup_does);

/// A page's executions and their files are plain objects: when every selected field reads
/// the execution, the usage or the file alone (aliases, `__typename` and fragments on the
/// type included), they are answered without async-graphql's per-object futures. The answer
/// is the one the resolvers give, key order included: the same selection with one more
/// `file { id }` (a key selected twice, which async-graphql merges) goes the usual way at
/// every level, and the two response bodies are equal byte for byte, through a page (nodes
/// and edges) and through a lookup.
async fn plain_lists_answer_as_their_resolvers_do(backend: Backend) {
    const EXECUTION: &str = "id status inputData outputData activepiecesRunId startedAt \
        completedAt durationSeconds errorMessage retryCount leaseExpiresAt logs createdAt \
        __typename ... on WorkflowExecution { at: createdAt }";
    const FILES: &str = "usageType kind: usageType __typename file { ...F n: filename \
        ... on File { fileSize mimeType accessLevel uploadedAt lastAccessedAt __typename } }";
    let page = |files: &str| {
        format!(
            "query($studio: UUID!) {{ studio(id: $studio) {{ \
               executions(first: 40) {{ nodes {{ {EXECUTION} files {{ {files} }} }} \
               edges {{ node {{ {EXECUTION} files {{ {files} }} }} }} }} }} }} \
             fragment F on File {{ id }}"
        )
    };
    let one = |files: &str| {
        format!(
            "query($id: UUID!) {{ workflowExecution(id: $id) {{ files {{ {files} }} }} }} \
             fragment F on File {{ id }}"
        )
    };
    let usual = format!("{FILES} file {{ id }}");
    let (app, seed) = seeded(&backend, 2).await;
    let token = app.token(member(&seed, 0, 1));
    let vars = json!({ "studio": first_studio(&app, &token).await });
    let plain = app
        .gql_text(&token, &page(FILES), vars.clone())
        .await
        .expect("plain");
    let merged = app
        .gql_text(&token, &page(&usual), vars)
        .await
        .expect("usual");
    assert_eq!(plain, merged, "{backend:?}");
    let body: serde_json::Value = serde_json::from_str(&plain).expect("json");
    assert!(body["errors"].is_null(), "{backend:?}: {body}");
    let nodes = body["data"]["studio"]["executions"]["nodes"]
        .as_array()
        .expect("nodes");
    for field in [
        "startedAt",
        "completedAt",
        "durationSeconds",
        "outputData",
        "errorMessage",
    ] {
        let set = nodes.iter().filter(|n| !n[field].is_null()).count();
        assert!(
            set > 0 && set < nodes.len(),
            "{backend:?}: {field} set on {set}"
        );
    }
    let used = nodes
        .iter()
        .find(|n| n["files"].as_array().is_some_and(|f| !f.is_empty()))
        .expect("a page with file usages");
    let file = &used["files"][0];
    // Every field of the selection is answered, in the order it was selected.
    let keys: Vec<&str> = file["file"]
        .as_object()
        .expect("file")
        .keys()
        .map(String::as_str)
        .collect();
    let mut want = [
        "id",
        "n",
        "fileSize",
        "mimeType",
        "accessLevel",
        "uploadedAt",
        "lastAccessedAt",
        "__typename",
    ];
    want.sort_unstable();
    let mut keys = keys;
    keys.sort_unstable();
    assert_eq!(keys, want, "{backend:?}");
    assert_eq!(file["__typename"], "ExecutionFile");
    assert_eq!(file["file"]["__typename"], "File");
    assert!(plain.contains(r#""usageType":"#) && plain.contains(r#""kind":"#));
    let vars = json!({ "id": used["id"] });
    let plain = app
        .gql_text(&token, &one(FILES), vars.clone())
        .await
        .expect("plain");
    let merged = app
        .gql_text(&token, &one(&usual), vars)
        .await
        .expect("usual");
    assert_eq!(plain, merged, "{backend:?}");
    assert!(plain.contains(r#""files":[{"#), "{backend:?}: {plain}");
}
on_both_backends!(plain_lists_answer_as_their_resolvers_do);

/// A page reads only the columns its selected fields read (`LazyColumn`), and so does a root
/// lookup; a lookup that selects every field reads every column some field is declared to read.
/// So every field of an execution, selected alone in a page (plus `id`), must answer what such
/// a lookup of the same execution answers: a field whose column a page left out without knowing
/// it reads it would answer the stand-in (`null`), and a column no field is declared to read
/// would leave its field unset everywhere (the `set` count). The fields come from the
/// schema, so a new one is covered without touching this test; each must be set on some
/// executions of the page, else the comparison could not tell a stand-in from the value. The
/// same field looked up alone must answer the same as well.
async fn each_field_of_a_page_answers_as_a_lookup_does(backend: Backend) {
    let (app, seed) = seeded(&backend, 2).await;
    let token = app.token(member(&seed, 0, 1));
    let schema = app
        .gql(
            &token,
            r#"{ __type(name: "WorkflowExecution") { fields { name args { name }
                 type { kind ofType { kind ofType { kind ofType { kind } } } } } } }"#,
            json!({}),
        )
        .await
        .expect("introspection");
    let fields = schema["data"]["__type"]["fields"]
        .as_array()
        .expect("fields");
    // A leaf is selected as is; an object (or a list of them) by its `__typename`.
    let selections: Vec<(String, String)> = fields
        .iter()
        .map(|f| {
            assert!(f["args"].as_array().is_some_and(Vec::is_empty), "{f}");
            let name = f["name"].as_str().expect("name").to_owned();
            let mut ty = &f["type"];
            while ty["kind"] == "NON_NULL" || ty["kind"] == "LIST" {
                ty = &ty["ofType"];
            }
            let leaf = ty["kind"] == "SCALAR" || ty["kind"] == "ENUM";
            let selection = if leaf {
                name.clone()
            } else {
                format!("{name} {{ __typename }}")
            };
            (name, selection)
        })
        .collect();
    assert!(selections.len() >= 15, "{schema}");
    let studio = first_studio(&app, &token).await;
    // The seed leases no execution: the oldest of each studio gets a lease (far off, so that
    // the lease sweep leaves it), so that `leaseExpiresAt` is set on some.
    rows(
        &app,
        "UPDATE workflow_executions SET lease_expires_at = '2999-01-01 00:00:00+00:00' \
         WHERE (studio_id, created_at) IN \
         (SELECT studio_id, MIN(created_at) FROM workflow_executions GROUP BY studio_id)",
    )
    .await;
    let vars = json!({ "studio": studio });
    let page = |selection: &str| {
        format!(
            "query($studio: UUID!) {{ studio(id: $studio) {{ \
               executions(first: 40) {{ nodes {{ id {selection} }} }} }} }}"
        )
    };
    let ids: Vec<serde_json::Value> = app
        .gql(&token, &page(""), vars.clone())
        .await
        .expect("page")["data"]["studio"]["executions"]["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["id"].clone())
        .collect();
    assert!(ids.len() > 10, "{backend:?}");
    let every: Vec<&str> = selections.iter().map(|(_, s)| s.as_str()).collect();
    let every = every.join(" ");
    // The executions `chunk` (at most 20 root fields per operation), each looked up with
    // `selection`, in one operation.
    let lookup = |chunk: &[serde_json::Value], selection: &str| {
        let lookups: String = chunk
            .iter()
            .enumerate()
            .map(|(i, id)| format!("e{i}: workflowExecution(id: {id}) {{ {selection} }} "))
            .collect();
        let what = format!("{backend:?}: {selection}");
        let (app, token, n) = (&app, &token, chunk.len());
        async move {
            let body = app
                .gql(token, &format!("{{ {lookups} }}"), json!({}))
                .await
                .expect("lookups");
            assert!(body["errors"].is_null(), "{what}: {body}");
            (0..n)
                .map(|i| body["data"][format!("e{i}")].clone())
                .collect::<Vec<_>>()
        }
    };
    let mut whole = Vec::new();
    for chunk in ids.chunks(20) {
        whole.extend(lookup(chunk, &every).await);
    }
    for (name, selection) in &selections {
        let body = app
            .gql(&token, &page(selection), vars.clone())
            .await
            .expect("page");
        assert!(body["errors"].is_null(), "{backend:?}: {name}: {body}");
        let nodes = body["data"]["studio"]["executions"]["nodes"]
            .as_array()
            .expect("nodes");
        assert_eq!(nodes.len(), ids.len(), "{backend:?}: {name}");
        let mut set = 0;
        for (i, node) in nodes.iter().enumerate() {
            assert_eq!(node["id"], ids[i], "{backend:?}: {name}: the same order");
            let want = &whole[i][name];
            assert_eq!(&node[name], want, "{backend:?}: {name} of {}", ids[i]);
            if !want.is_null() && want != &json!([]) {
                set += 1;
            }
        }
        assert!(set > 0, "{backend:?}: {name} is never set in the page");
        // A root lookup of the field alone reads what it reads too.
        let alone = lookup(&ids[..20], selection).await;
        for (alone, want) in alone.iter().zip(&whole) {
            assert_eq!(
                alone[name], want[name],
                "{backend:?}: {name} looked up alone"
            );
        }
    }
}
on_both_backends!(each_field_of_a_page_answers_as_a_lookup_does);

/// The tenant scope's lookup of the viewer's approved companies, as every reading statement
/// on PostgreSQL carries it, is answered from `idx_user_companies_user_id` alone: on
/// PostgreSQL in the plan kept for the prepared statement (a generic plan, which can use the
/// partial index only because the status is written into the statement), on SQLite as a
/// covering index.
async fn the_scope_lookup_reads_its_index_alone(backend: Backend) {
    use sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionTrait};
    use studiogate_entities_studios::scope::approved_companies;
    let (app, seed) = seeded(&backend, 2).await;
    let viewer = member(&seed, 0, 1);
    let db = app.db.connect().await.expect("connect");
    let kind = db.get_database_backend();
    let scope = kind.build(&approved_companies(viewer, "approved"));
    let sql = scope.sql;
    let plan: Vec<String> = match kind {
        DbBackend::Postgres => {
            rows(&app, "VACUUM ANALYZE user_companies").await;
            let txn = db.begin().await.expect("begin");
            for setting in [
                "SET LOCAL plan_cache_mode = force_generic_plan",
                "SET LOCAL enable_seqscan = off",
                "SET LOCAL enable_bitmapscan = off",
            ] {
                txn.execute_unprepared(setting).await.expect(setting);
            }
            txn.execute_unprepared(&format!("PREPARE scope AS {sql}"))
                .await
                .expect("prepare");
            let explain = format!("EXPLAIN EXECUTE scope('{viewer}')");
            let lines = txn
                .query_all(Statement::from_string(kind, explain))
                .await
                .expect("one parameter, the viewer");
            txn.execute_unprepared("DEALLOCATE scope")
                .await
                .expect("deallocate");
            txn.rollback().await.expect("rollback");
            lines.iter().map(|r| text(r, "QUERY PLAN")).collect()
        }
        _ => {
            let explain = format!("EXPLAIN QUERY PLAN {sql}");
            let values = scope.values.map(|v| v.0).unwrap_or_default();
            db.query_all(Statement::from_sql_and_values(kind, explain, values))
                .await
                .expect("explain")
                .iter()
                .map(|r| text(r, "detail"))
                .collect()
        }
    };
    let expected = match kind {
        DbBackend::Postgres => "Index Only Scan using idx_user_companies_user_id",
        _ => "USING COVERING INDEX idx_user_companies_user_id",
    };
    assert!(
        plan.iter().any(|line| line.contains(expected)),
        "{backend:?}: {sql}\n{}",
        plan.join("\n")
    );
}
on_both_backends!(the_scope_lookup_reads_its_index_alone);
