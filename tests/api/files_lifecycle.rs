//! Files over their lifetime: the bytes of a deleted studio's files leave the store with their
//! rows, only company admins delete studios, the company quota, and the cleanup of files nobody
//! opened for a while.

use sea_orm::ConnectionTrait;
use serde_json::{json, Value};
use studiogate_testkit::{error_codes, on_both_backends, Backend, TestApp};
use uuid::Uuid;

use crate::files::first_studio;
use crate::support::{admin, company, member, rows, seeded, text, uuid};

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n";

const DELETE_STUDIO: &str =
    "mutation($id: UUID!) { deleteStudio(input: { id: $id }) { deletedStudioId } }";

/// The storage paths of the files of `studio`, as the rows name them.
async fn paths_of(app: &TestApp, studio: Uuid) -> Vec<String> {
    rows(app, "SELECT studio_id, supabase_path FROM files")
        .await
        .iter()
        .filter(|r| uuid(r, "studio_id") == studio)
        .map(|r| text(r, "supabase_path"))
        .collect()
}

pub(crate) async fn upload(app: &TestApp, token: &str, studio: Uuid, access: &str) -> Value {
    let body = app
        .upload(
            token,
            studio,
            "r.pdf",
            "application/pdf",
            PDF.to_vec(),
            access,
        )
        .await
        .expect("ok");
    let file = body["data"]["uploadFile"]["file"].clone();
    assert!(file["id"].is_string(), "{body}");
    file
}

async fn deleting_a_studio_removes_its_files_bytes(backend: Backend) {
    let (app, seed) = seeded(&backend, 1).await;
    let studio = first_studio(&app, company(&seed, 0)).await;
    let uploader = app.token(member(&seed, 0, 1));
    upload(&app, &uploader, studio, "PRIVATE").await;
    let paths = paths_of(&app, studio).await;
    assert!(paths.len() > 1, "seeded files and the upload: {paths:?}");
    for path in &paths {
        assert!(app.storage.path().join(path).is_file(), "{path} stored");
    }
    let done = app
        .gql(
            &app.token(admin(&seed, 0)),
            DELETE_STUDIO,
            json!({ "id": studio }),
        )
        .await
        .expect("ok");
    assert_eq!(
        done["data"]["deleteStudio"]["deletedStudioId"],
        json!(studio),
        "{done}"
    );
    assert!(paths_of(&app, studio).await.is_empty());
    let left: Vec<_> = paths
        .iter()
        .filter(|p| app.storage.path().join(p).exists())
        .collect();
    assert!(left.is_empty(), "{backend:?}: bytes left behind: {left:?}");
    // Another studio's files keep theirs.
    let other = rows(&app, "SELECT studio_id, supabase_path FROM files").await;
    assert!(!other.is_empty());
    for row in &other {
        let path = text(row, "supabase_path");
        assert!(app.storage.path().join(&path).is_file(), "{path} kept");
    }
}
on_both_backends!(deleting_a_studio_removes_its_files_bytes);

async fn only_company_admins_delete_studios(backend: Backend) {
    let (app, seed) = seeded(&backend, 2).await;
    let studio = first_studio(&app, company(&seed, 0)).await;
    let paths = paths_of(&app, studio).await;
    for (who, code) in [
        (member(&seed, 0, 1), "FORBIDDEN"),
        (admin(&seed, 1), "NOT_FOUND"),
    ] {
        let refused = app
            .gql(&app.token(who), DELETE_STUDIO, json!({ "id": studio }))
            .await
            .expect("ok");
        assert_eq!(error_codes(&refused), vec![code], "{backend:?}: {refused}");
    }
    assert_eq!(paths_of(&app, studio).await, paths, "nothing deleted");
    for path in &paths {
        assert!(app.storage.path().join(path).is_file(), "{path} kept");
    }
    let done = app
        .gql(
            &app.token(admin(&seed, 0)),
            DELETE_STUDIO,
            json!({ "id": studio }),
        )
        .await
        .expect("ok");
    assert_eq!(
        done["data"]["deleteStudio"]["deletedStudioId"],
        json!(studio),
        "{done}"
    );
}
on_both_backends!(only_company_admins_delete_studios);

pub(crate) async fn status_of(app: &TestApp, link: &str) -> u16 {
    reqwest::get(format!("{}{link}", app.base_url))
        .await
        .expect("get")
        .status()
        .as_u16()
}

pub(crate) async fn link_for(app: &TestApp, who: Uuid, file: &Value) -> String {
    let q = "query($id: UUID!) { file(id: $id) { downloadUrl } }";
    let body = app
        .gql(&app.token(who), q, json!({ "id": file["id"] }))
        .await
        .expect("ok");
    body["data"]["file"]["downloadUrl"]
        .as_str()
        .unwrap_or_else(|| panic!("a link: {body}"))
        .to_owned()
}

async fn uploads_past_the_company_quota_are_refused_and_store_nothing(backend: Backend) {
    // Room for one PDF and a half.
    let quota = (PDF.len() * 3 / 2).to_string();
    let env = [("STUDIOGATE_STUDIOS_QUOTA_BYTES", quota.as_str())];
    let (app, seed) = crate::support::seeded_with_env(&backend, 2, &env).await;
    // The seeded files' rows go (not their bytes): each company starts with nothing counted.
    let db = app.db.connect().await.expect("connect");
    db.execute_unprepared("DELETE FROM files")
        .await
        .expect("delete");
    let studio = first_studio(&app, company(&seed, 0)).await;
    let me = app.token(member(&seed, 0, 1));
    upload(&app, &me, studio, "PRIVATE").await;
    let objects = std::fs::read_dir(app.storage.path().join("studios").join(studio.to_string()))
        .expect("dir")
        .count();
    let refused = app
        .upload(
            &me,
            studio,
            "r.pdf",
            "application/pdf",
            PDF.to_vec(),
            "COMPANY",
        )
        .await
        .expect("ok");
    assert_eq!(
        error_codes(&refused),
        vec!["BAD_USER_INPUT"],
        "{backend:?}: {refused}"
    );
    let extensions = &refused["errors"][0]["extensions"];
    assert_eq!(extensions["reason"], "QUOTA_EXCEEDED", "{refused}");
    assert_eq!(extensions["field"], "file", "{refused}");
    assert_eq!(rows(&app, "SELECT id FROM files").await.len(), 1, "no row");
    let after = std::fs::read_dir(app.storage.path().join("studios").join(studio.to_string()))
        .expect("dir")
        .count();
    assert_eq!(after, objects, "{backend:?}: no bytes");
    // Another company has its own quota.
    let theirs = first_studio(&app, company(&seed, 1)).await;
    upload(&app, &app.token(member(&seed, 1, 1)), theirs, "COMPANY").await;
}
on_both_backends!(uploads_past_the_company_quota_are_refused_and_store_nothing);

async fn idle_files_are_cleaned_up_when_an_idle_time_is_set(backend: Backend) {
    use sea_orm::sea_query::{Alias, Expr, Query};
    let (app, seed) = seeded(&backend, 1).await;
    let studio = first_studio(&app, company(&seed, 0)).await;
    let me = member(&seed, 0, 1);
    let token = app.token(me);
    let (old, opened, fresh) = (
        upload(&app, &token, studio, "COMPANY").await,
        upload(&app, &token, studio, "COMPANY").await,
        upload(&app, &token, studio, "COMPANY").await,
    );
    let db = app.db.connect().await.expect("connect");
    let long_ago = (chrono::Utc::now() - chrono::Duration::days(40)).fixed_offset();
    for file in [&old, &opened] {
        let id: Uuid = serde_json::from_value(file["id"].clone()).expect("id");
        let stmt = Query::update()
            .table(Alias::new("files"))
            .value(Alias::new("upload_timestamp"), long_ago)
            .and_where(Expr::col(Alias::new("id")).eq(id))
            .to_owned();
        let done = db
            .execute(db.get_database_backend().build(&stmt))
            .await
            .expect("age");
        assert_eq!(done.rows_affected(), 1);
    }
    // A download counts as use.
    assert_eq!(
        status_of(&app, &link_for(&app, me, &opened).await).await,
        200
    );
    let path_of = |file: &Value| format!("studios/{studio}/{}", file["id"].as_str().expect("id"));
    let store =
        studiogate_platform::FileStore::local(app.storage.path(), b"unused").expect("store");
    let month = std::time::Duration::from_secs(30 * 24 * 3600);
    let files_now = || async { rows(&app, "SELECT id FROM files").await.len() };
    let before = files_now().await;

    let off = studiogate_studios::cleanup::sweep(&db, &store, None)
        .await
        .expect("sweep");
    assert_eq!(off, 0);
    assert_eq!(files_now().await, before, "off: nothing deleted");
    assert!(app.storage.path().join(path_of(&old)).is_file());

    let swept = studiogate_studios::cleanup::sweep(&db, &store, Some(month))
        .await
        .expect("sweep");
    assert!(swept >= 1, "{backend:?}: {swept}");
    assert_eq!(files_now().await, before - swept);
    let q = "query($id: UUID!) { file(id: $id) { id } }";
    let gone = app
        .gql(&token, q, json!({ "id": old["id"] }))
        .await
        .expect("ok");
    assert_eq!(error_codes(&gone), vec!["NOT_FOUND"], "{gone}");
    assert!(
        !app.storage.path().join(path_of(&old)).exists(),
        "bytes removed"
    );
    for kept in [&opened, &fresh] {
        let found = app
            .gql(&token, q, json!({ "id": kept["id"] }))
            .await
            .expect("ok");
        assert_eq!(found["data"]["file"]["id"], kept["id"], "{found}");
        assert!(app.storage.path().join(path_of(kept)).is_file());
    }
    // Nothing is left that is idle.
    let again = studiogate_studios::cleanup::sweep(&db, &store, Some(month))
        .await
        .expect("sweep");
    assert_eq!(again, 0);
}
on_both_backends!(idle_files_are_cleaned_up_when_an_idle_time_is_set);

/// With the bytes on S3 (see `files::files_go_to_an_s3_bucket_when_configured`), deleting a
/// studio removes its files' objects from the bucket.
#[tokio::test]
#[ignore = "needs an S3-compatible server: TEST_S3_ENDPOINT and --include-ignored"]
async fn deleting_a_studio_removes_its_files_objects_from_s3() {
    let endpoint = std::env::var("TEST_S3_ENDPOINT")
        .expect("this test needs an S3-compatible server: set TEST_S3_ENDPOINT");
    let bucket = format!("studiogate-{}", Uuid::new_v4().simple());
    let http = reqwest::Client::new();
    let created = http
        .put(format!("{endpoint}/{bucket}"))
        .send()
        .await
        .expect("create bucket");
    assert!(created.status().is_success(), "{}", created.status());
    let url = format!("s3://{bucket}/uploads");
    let env = [
        ("STUDIOGATE_STORAGE_URL", url.as_str()),
        ("AWS_ENDPOINT", endpoint.as_str()),
        ("AWS_ALLOW_HTTP", "true"),
        ("AWS_ACCESS_KEY_ID", "test"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("AWS_REGION", "us-east-1"),
    ];
    let (app, seed) = crate::support::seeded_with_env(&Backend::Sqlite, 1, &env).await;
    let studio = first_studio(&app, company(&seed, 0)).await;
    let file = upload(&app, &app.token(member(&seed, 0, 1)), studio, "COMPANY").await;
    let listing = || async {
        http.get(format!("{endpoint}/{bucket}?list-type=2&max-keys=1000"))
            .send()
            .await
            .expect("list")
            .text()
            .await
            .expect("xml")
    };
    let prefix = format!("uploads/studios/{studio}/");
    let key = format!("{prefix}{}", file["id"].as_str().expect("id"));
    let listed = listing().await;
    assert!(listed.contains(&key), "{key} not in {listed}");
    let done = app
        .gql(
            &app.token(admin(&seed, 0)),
            DELETE_STUDIO,
            json!({ "id": studio }),
        )
        .await
        .expect("ok");
    assert_eq!(
        done["data"]["deleteStudio"]["deletedStudioId"],
        json!(studio),
        "{done}"
    );
    let listed = listing().await;
    assert!(
        !listed.contains(&prefix),
        "the studio's objects are gone: {listed}"
    );
}
