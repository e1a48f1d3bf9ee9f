//! Analytics: the spec view's rounding, and the same figures as a daily series over a date
//! range for a studio and a company.

use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use sea_orm::sea_query::{Alias, Expr, Query};
use sea_orm::ConnectionTrait;
use serde_json::{json, Value};
use studiogate_testkit::{error_codes, on_both_backends, Backend, TestApp};
use uuid::Uuid;

use crate::realtime::{start, template};
use crate::support::{company, memberships, seeded, store_file};

const CREATE_STUDIO: &str =
    r#"mutation($input: CreateStudioInput!) { createStudio(input: $input) { studio { id } } }"#;

fn at(day: u32, hour: u32) -> DateTime<FixedOffset> {
    Utc.with_ymd_and_hms(2026, 3, day, hour, 0, 0)
        .single()
        .expect("a valid time")
        .fixed_offset()
}

/// Sets what a finished (or untouched) execution looks like, as a runner would have left it.
async fn settle(
    app: &TestApp,
    id: &Value,
    status: &str,
    created: DateTime<FixedOffset>,
    seconds: Option<i32>,
) {
    let id: Uuid = serde_json::from_value(id.clone()).expect("id");
    let db = app.db.connect().await.expect("connect");
    let stmt = Query::update()
        .table(Alias::new("workflow_executions"))
        .values([
            (Alias::new("status"), status.into()),
            (Alias::new("created_at"), created.into()),
            (Alias::new("duration_seconds"), seconds.into()),
            (
                Alias::new("completed_at"),
                seconds
                    .map(|s| created + chrono::Duration::seconds(s.into()))
                    .into(),
            ),
        ])
        .and_where(Expr::col(Alias::new("id")).eq(id))
        .to_owned();
    db.execute(db.get_database_backend().build(&stmt))
        .await
        .expect("update");
}

/// A new studio in company 0 with four executions and two files at known times:
/// 1 March: one succeeded (1 s) and one failed (2 s); 3 March: one succeeded (2 s);
/// 27 February: one pending. Files: 1,000 bytes on 2 March, 2,500 bytes on 4 March.
async fn fixture(app: &TestApp, seed: &Value) -> (String, Uuid) {
    let me = crate::support::member(seed, 0, 4);
    let token = app.token(me);
    let body = app
        .gql(
            &token,
            CREATE_STUDIO,
            json!({ "input": { "companyId": company(seed, 0), "name": "Daily figures", "businessArea": "HR" } }),
        )
        .await
        .expect("ok");
    let studio: Uuid =
        serde_json::from_value(body["data"]["createStudio"]["studio"]["id"].clone()).expect("id");
    let template = template(app, &token).await;
    let mut ids = Vec::new();
    for _ in 0..4 {
        ids.push(start(app, &token, studio, &template).await);
    }
    settle(app, &ids[0], "succeeded", at(1, 9), Some(1)).await;
    settle(app, &ids[1], "failed", at(1, 23), Some(2)).await;
    settle(app, &ids[2], "succeeded", at(3, 0), Some(2)).await;
    let feb27 = Utc
        .with_ymd_and_hms(2026, 2, 27, 12, 0, 0)
        .single()
        .expect("time")
        .fixed_offset();
    settle(app, &ids[3], "pending", feb27, None).await;
    store_file(app, studio, me, 1000, "private", at(2, 8)).await;
    store_file(app, studio, me, 2500, "private", at(4, 23)).await;
    (token, studio)
}

const DAILY: &str = r#"query($id: UUID!, $from: Date!, $to: Date!) { studio(id: $id) {
  analytics { averageDurationSeconds totalExecutions }
  dailyAnalytics(from: $from, to: $to) { day totalExecutions succeededExecutions
    failedExecutions averageDurationSeconds uniqueUsers filesUploaded storageUsedBytes }
  company { analytics { totalExecutions }
    dailyAnalytics(from: $from, to: $to) { day totalExecutions filesUploaded storageUsedBytes } } } }"#;

async fn the_average_is_rounded_to_two_decimals_as_the_spec_view_does(backend: Backend) {
    let (app, seed) = seeded(&backend, 1).await;
    let (token, studio) = fixture(&app, &seed).await;
    let body = app
        .gql(
            &token,
            DAILY,
            json!({ "id": studio, "from": "2026-03-01", "to": "2026-03-01" }),
        )
        .await
        .expect("ok");
    // 1 + 2 + 2 seconds over three finished executions: 1.666... shown as 1.67.
    assert_eq!(
        body["data"]["studio"]["analytics"]["averageDurationSeconds"],
        json!(1.67),
        "{backend:?}: {body}"
    );
    assert_eq!(body["data"]["studio"]["analytics"]["totalExecutions"], 4);
}
on_both_backends!(the_average_is_rounded_to_two_decimals_as_the_spec_view_does);

async fn daily_analytics_give_every_day_of_a_range(backend: Backend) {
    let (app, seed) = seeded(&backend, 1).await;
    let (token, studio) = fixture(&app, &seed).await;
    let body = app
        .gql(
            &token,
            DAILY,
            json!({ "id": studio, "from": "2026-03-01", "to": "2026-03-04" }),
        )
        .await
        .expect("ok");
    let days = &body["data"]["studio"]["dailyAnalytics"];
    let zero = |day: &str, files: i64, bytes: i64| {
        json!({ "day": day, "totalExecutions": 0, "succeededExecutions": 0, "failedExecutions": 0,
                "averageDurationSeconds": null, "uniqueUsers": 0, "filesUploaded": files,
                "storageUsedBytes": bytes })
    };
    assert_eq!(
        days,
        &json!([
            { "day": "2026-03-01", "totalExecutions": 2, "succeededExecutions": 1, "failedExecutions": 1,
              "averageDurationSeconds": 1.5, "uniqueUsers": 1, "filesUploaded": 0, "storageUsedBytes": 0 },
            zero("2026-03-02", 1, 1000),
            { "day": "2026-03-03", "totalExecutions": 1, "succeededExecutions": 1, "failedExecutions": 0,
              "averageDurationSeconds": 2.0, "uniqueUsers": 1, "filesUploaded": 0, "storageUsedBytes": 0 },
            zero("2026-03-04", 1, 2500),
        ]),
        "{backend:?}: {body}"
    );
    // The seeded studios of the company have nothing in March: its series is this studio's.
    let company_days = body["data"]["studio"]["company"]["dailyAnalytics"]
        .as_array()
        .expect("days");
    let totals: Vec<(i64, i64)> = company_days
        .iter()
        .map(|d| {
            (
                d["totalExecutions"].as_i64().expect("n"),
                d["storageUsedBytes"].as_i64().expect("n"),
            )
        })
        .collect();
    assert_eq!(totals, vec![(2, 0), (0, 1000), (1, 0), (0, 2500)]);

    // Over a range holding everything, the company's days add up to its total.
    let body = app
        .gql(
            &token,
            DAILY,
            json!({ "id": studio, "from": "2025-12-01", "to": "2026-03-31" }),
        )
        .await
        .expect("ok");
    let company = &body["data"]["studio"]["company"];
    let days = company["dailyAnalytics"].as_array().expect("days");
    assert_eq!(days.len(), 121, "one entry per day, both ends included");
    assert_eq!(days[0]["day"], "2025-12-01");
    assert_eq!(days[120]["day"], "2026-03-31");
    let sum: i64 = days
        .iter()
        .map(|d| d["totalExecutions"].as_i64().expect("n"))
        .sum();
    assert_eq!(
        json!(sum),
        company["analytics"]["totalExecutions"],
        "{backend:?}"
    );
    assert!(sum > 4, "the seeded studios count too");
}
on_both_backends!(daily_analytics_give_every_day_of_a_range);

async fn a_bad_range_is_refused_with_its_field(backend: Backend) {
    let (app, seed) = seeded(&backend, 1).await;
    let (token, studio) = fixture(&app, &seed).await;
    for (from, to) in [("2026-03-04", "2026-03-01"), ("2025-01-01", "2026-01-02")] {
        let body = app
            .gql(
                &token,
                DAILY,
                json!({ "id": studio, "from": from, "to": to }),
            )
            .await
            .expect("ok");
        // The studio's series and its company's: each refused on its own.
        assert_eq!(
            error_codes(&body),
            vec!["BAD_USER_INPUT", "BAD_USER_INPUT"],
            "{from}..{to}: {body}"
        );
        assert_eq!(body["errors"][0]["extensions"]["field"], "to");
    }
    // 366 days is the most one request may ask for.
    let body = app
        .gql(
            &token,
            DAILY,
            json!({ "id": studio, "from": "2025-01-01", "to": "2026-01-01" }),
        )
        .await
        .expect("ok");
    assert!(body["errors"].is_null(), "{body}");
    // Not a calendar day: each field asking with it is refused, and nothing else is lost.
    let body = app
        .gql(
            &token,
            DAILY,
            json!({ "id": studio, "from": "2026-02-30", "to": "2026-03-01" }),
        )
        .await
        .expect("ok");
    assert_eq!(
        error_codes(&body),
        vec!["BAD_USER_INPUT", "BAD_USER_INPUT"],
        "{body}"
    );
    assert!(body["errors"][0]["message"]
        .as_str()
        .is_some_and(|m| m.contains("YYYY-MM-DD")));
    assert!(body["data"]["studio"]["dailyAnalytics"].is_null(), "{body}");
    assert_eq!(body["data"]["studio"]["analytics"]["totalExecutions"], 4);
}
on_both_backends!(a_bad_range_is_refused_with_its_field);

async fn daily_analytics_of_many_studios_are_two_statements(backend: Backend) {
    let (app, seed) = seeded(&backend, 1).await;
    let token = app.token(crate::support::admin(&seed, 0));
    let q = r#"{ companies { nodes { studios(first: 10) { nodes {
        dailyAnalytics(from: "2026-01-01", to: "2026-01-31") { totalExecutions filesUploaded } } } } } }"#;
    let (few, _) = app
        .count_statements(&token, q, json!({}))
        .await
        .expect("ok");
    let (again, body) = app
        .count_statements(&token, q, json!({}))
        .await
        .expect("ok");
    assert_eq!(few, again);
    let studios = body["data"]["companies"]["nodes"][0]["studios"]["nodes"]
        .as_array()
        .expect("studios");
    assert!(studios.len() > 1, "{body}");
    // (memberships), companies, the studio page, then one GROUP BY over executions and one
    // over files.
    assert_eq!(few, 4 + memberships(&backend), "{backend:?}: {body}");
}
on_both_backends!(daily_analytics_of_many_studios_are_two_statements);
