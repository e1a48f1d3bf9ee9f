//! What each caller reads: the public's published projects and services, a client's company,
//! the staff's everything and leads; and the statement count of the deepest nested query.

use serde_json::json;
use std::collections::HashSet;
use studiogate_testkit::{on_both_backends, Backend};
use uuid::Uuid;

use super::{client, codes, company, id, ids, seeded};

const PROJECTS: &str =
    "{ kairo { projects(first: 100) { totalCount nodes { id slug published } } } }";
const BY_SLUG: &str =
    "query($slug: String!) { kairo { projectBySlug(slug: $slug) { id slug published } } }";

fn node_ids(body: &serde_json::Value, path: &[&str]) -> HashSet<Uuid> {
    let list = path.iter().fold(body, |v, p| &v[*p]);
    list["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("no nodes at {path:?}: {body}"))
        .iter()
        .map(|n| id(&n["id"]))
        .collect()
}

async fn the_public_reads_published_projects_and_services_only(backend: Backend) {
    let (app, k) = seeded(&backend, 2).await;
    let (_, body) = app.post(None, PROJECTS, json!({})).await.expect("post");
    let got = node_ids(&body, &["data", "kairo", "projects"]);
    let mut published: HashSet<Uuid> = ids(&k["studio_projects"]).into_iter().collect();
    for c in 0..2 {
        published.extend(ids(&company(&k, c)["published_projects"]));
    }
    assert_eq!(got, published, "{body}");
    assert_eq!(body["data"]["kairo"]["projects"]["totalCount"], 6);

    // An unpublished project is NOT_FOUND by slug, as a missing slug is.
    let hidden = app
        .post(None, BY_SLUG, json!({ "slug": "client0-project1" }))
        .await
        .expect("post")
        .1;
    assert_eq!(codes(&hidden), ["NOT_FOUND"], "{hidden}");
    let missing = app
        .post(None, BY_SLUG, json!({ "slug": "no-such-project" }))
        .await
        .expect("post")
        .1;
    assert_eq!(
        hidden["errors"][0]["message"],
        missing["errors"][0]["message"]
    );
    let shown = app
        .post(None, BY_SLUG, json!({ "slug": "client0-project0" }))
        .await
        .expect("post")
        .1;
    assert_eq!(
        shown["data"]["kairo"]["projectBySlug"]["published"], true,
        "{shown}"
    );

    let services = "{ kairo { services(first: 100) { nodes { id slug published } } } }";
    let (_, body) = app.post(None, services, json!({})).await.expect("post");
    let got = node_ids(&body, &["data", "kairo", "services"]);
    assert_eq!(got, ids(&k["services"]).into_iter().collect(), "{body}");
    let draft = "{ kairo { serviceBySlug(slug: \"service-3\") { id } } }";
    let (_, body) = app.post(None, draft, json!({})).await.expect("post");
    assert_eq!(codes(&body), ["NOT_FOUND"], "{body}");
    let team = app.token(id(&k["team"]));
    let body = app.gql(&team, draft, json!({})).await.expect("gql");
    assert!(
        body["data"]["kairo"]["serviceBySlug"]["id"].is_string(),
        "{body}"
    );

    // Tenant data is not public.
    let companies = "{ kairo { companies { nodes { id } } } }";
    let (_, body) = app.post(None, companies, json!({})).await.expect("post");
    assert_eq!(codes(&body), ["UNAUTHENTICATED"], "{body}");
}
on_both_backends!(the_public_reads_published_projects_and_services_only);

async fn a_client_sees_its_company_and_staff_see_every_company(backend: Backend) {
    let (app, k) = seeded(&backend, 2).await;
    let a = app.token(client(&k, 0, 0));
    let b = app.token(client(&k, 1, 0));
    // A's unpublished project: its clients see it, B's clients do not.
    let body = app
        .gql(&a, BY_SLUG, json!({ "slug": "client0-project1" }))
        .await
        .expect("gql");
    assert_eq!(
        body["data"]["kairo"]["projectBySlug"]["published"], false,
        "{body}"
    );
    let body = app
        .gql(&b, BY_SLUG, json!({ "slug": "client0-project1" }))
        .await
        .expect("gql");
    assert_eq!(codes(&body), ["NOT_FOUND"], "{body}");

    let mine = "{ kairo { companies { nodes { id } } automations(first: 100) { nodes { id } } \
                assets(first: 100) { nodes { id } } } }";
    let body = app.gql(&a, mine, json!({})).await.expect("gql");
    let own = company(&k, 0);
    assert_eq!(
        node_ids(&body, &["data", "kairo", "companies"]),
        HashSet::from([id(&own["id"])])
    );
    assert_eq!(
        node_ids(&body, &["data", "kairo", "automations"]),
        ids(&own["automations"]).into_iter().collect()
    );
    assert_eq!(
        node_ids(&body, &["data", "kairo", "assets"]),
        ids(&own["assets"]).into_iter().collect()
    );

    for staff in ["admin", "team"] {
        let token = app.token(id(&k[staff]));
        let body = app.gql(&token, mine, json!({})).await.expect("gql");
        assert_eq!(
            node_ids(&body, &["data", "kairo", "companies"]).len(),
            2,
            "{body}"
        );
        assert_eq!(node_ids(&body, &["data", "kairo", "automations"]).len(), 6);
        assert_eq!(node_ids(&body, &["data", "kairo", "assets"]).len(), 8);
    }
    // A client of no company sees only what is public.
    let none = app.token(id(&k["unassigned"]));
    let body = app.gql(&none, mine, json!({})).await.expect("gql");
    assert!(
        node_ids(&body, &["data", "kairo", "companies"]).is_empty(),
        "{body}"
    );
    assert!(node_ids(&body, &["data", "kairo", "automations"]).is_empty());
}
on_both_backends!(a_client_sees_its_company_and_staff_see_every_company);

async fn only_admin_and_team_read_leads(backend: Backend) {
    let (app, k) = seeded(&backend, 1).await;
    let leads = "{ kairo { leads(first: 100) { totalCount nodes { id email status } } } }";
    let (_, body) = app.post(None, leads, json!({})).await.expect("post");
    assert_eq!(codes(&body), ["UNAUTHENTICATED"], "{body}");
    let body = app
        .gql(&app.token(client(&k, 0, 0)), leads, json!({}))
        .await
        .expect("gql");
    assert_eq!(codes(&body), ["FORBIDDEN"], "{body}");
    let one = "query($id: UUID!) { kairo { lead(id: $id) { id email } } }";
    let lead = ids(&k["leads"])[0];
    let body = app
        .gql(&app.token(client(&k, 0, 0)), one, json!({ "id": lead }))
        .await
        .expect("gql");
    assert_eq!(codes(&body), ["FORBIDDEN"], "{body}");
    for staff in ["admin", "team"] {
        let token = app.token(id(&k[staff]));
        let body = app.gql(&token, leads, json!({})).await.expect("gql");
        assert_eq!(body["data"]["kairo"]["leads"]["totalCount"], 6, "{body}");
        let body = app
            .gql(&token, one, json!({ "id": lead }))
            .await
            .expect("gql");
        assert_eq!(body["data"]["kairo"]["lead"]["id"], json!(lead), "{body}");
    }
}
on_both_backends!(only_admin_and_team_read_leads);

/// Companies, each with its projects, automations (their owner and runs), assets and head
/// count: one statement per level whatever the number of companies.
const DEEPEST: &str = "{ kairo { companies(first: 20) { nodes { id name
    projects(first: 5) { nodes { id title content } }
    automations(first: 5) { nodes { id title executionCount owner { id name }
      runs(first: 5) { totalCount nodes { id status durationMs } } } }
    assets(first: 5) { nodes { id filename type } }
    users { totalCount } } } } }";

async fn the_deepest_kairo_query_costs_the_same_statements_at_any_size(backend: Backend) {
    let mut counts = Vec::new();
    for scale in [2, 5] {
        let (app, k) = seeded(&backend, scale).await;
        let token = app.token(id(&k["admin"]));
        let (statements, body) = app
            .count_statements(&token, DEEPEST, json!({}))
            .await
            .expect("counted");
        let companies = body["data"]["kairo"]["companies"]["nodes"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"));
        assert_eq!(companies.len(), scale as usize, "{body}");
        let automation = &companies[0]["automations"]["nodes"][0];
        assert_eq!(automation["runs"]["totalCount"], 4, "{body}");
        assert!(automation["owner"]["id"].is_string(), "{body}");
        counts.push(statements);
    }
    // The profile, companies, projects, automations, owners, runs, run counts, assets and
    // the people count: nine, at both sizes.
    assert_eq!(counts, [9, 9]);
}
on_both_backends!(the_deepest_kairo_query_costs_the_same_statements_at_any_size);

/// The demo (an empty SQLite database, demo on) loads KAIRO too, and the token the banner
/// prints (the Studios demo admin's) is KAIRO's ADMIN: it reads companies and leads.
#[tokio::test]
async fn the_demo_token_reads_kairo() {
    let app = studiogate_testkit::TestApp::spawn_with_env(
        crate::support::BIN,
        &Backend::Sqlite,
        &[("STUDIOGATE_DEMO", "on")],
    )
    .await
    .expect("app starts");
    let admins = crate::support::rows(
        &app,
        "SELECT id FROM kairo_profiles WHERE role = 'ADMIN' AND name = 'Demo admin'",
    )
    .await;
    assert_eq!(admins.len(), 1, "the demo admin has a KAIRO profile");
    let demo = crate::support::uuid(&admins[0], "id");
    let studios = crate::support::rows(&app, "SELECT id FROM user_companies").await;
    assert!(!studios.is_empty(), "the Studios demo loaded first");
    let token = app.token(demo);
    let query = "{ kairo { viewer { role } companies { totalCount } leads { totalCount } } }";
    let body = app.gql(&token, query, json!({})).await.expect("gql");
    assert_eq!(body["data"]["kairo"]["viewer"]["role"], "ADMIN", "{body}");
    assert_eq!(body["data"]["kairo"]["companies"]["totalCount"], 2);
    assert_eq!(body["data"]["kairo"]["leads"]["totalCount"], 6);
}

/// An operator's `admin grant --domain kairo` makes an ADMIN, even of an account without a
/// KAIRO profile (how the first ADMIN is made); a Studios platform admin is nobody in KAIRO.
async fn a_platform_grant_for_kairo_makes_an_admin(backend: Backend) {
    let (app, k) = seeded(&backend, 1).await;
    let outsiders = crate::support::rows(
        &app,
        "SELECT id FROM accounts WHERE email LIKE '%@company%'",
    )
    .await;
    let (granted, studios_admin) = (
        crate::support::uuid(&outsiders[0], "id"),
        crate::support::uuid(&outsiders[1], "id"),
    );
    app.grant_platform_admin(granted, "kairo")
        .await
        .expect("grant");
    app.grant_platform_admin(studios_admin, "studios")
        .await
        .expect("grant");
    let leads = "{ kairo { leads { totalCount } } }";
    let body = app
        .gql(&app.token(studios_admin), leads, json!({}))
        .await
        .expect("gql");
    assert_eq!(codes(&body), ["FORBIDDEN"], "{body}");
    let admin = app.token(granted);
    let body = app.gql(&admin, leads, json!({})).await.expect("gql");
    assert_eq!(body["data"]["kairo"]["leads"]["totalCount"], 6, "{body}");
    // It can appoint people.
    let assign = "mutation($input: AssignKairoUserInput!) {
        kairo { assignUser(input: $input) { user { role } } } }";
    let input = json!({ "input": { "userId": k["unassigned"], "role": "TEAM" } });
    let body = app.gql(&admin, assign, input).await.expect("gql");
    assert_eq!(
        body["data"]["kairo"]["assignUser"]["user"]["role"], "TEAM",
        "{body}"
    );
    let body = app
        .gql(&app.token(id(&k["unassigned"])), leads, json!({}))
        .await
        .expect("gql");
    assert_eq!(
        body["data"]["kairo"]["leads"]["totalCount"], 6,
        "the new TEAM member: {body}"
    );
}
on_both_backends!(a_platform_grant_for_kairo_makes_an_admin);
