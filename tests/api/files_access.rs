//! Who may change a file and follow its links: uploaders and company admins change a file's
//! access level and metadata, and a download link works only while the viewer it was issued
//! to may still see the file.

use serde_json::{json, Value};
use studiogate_testkit::{error_codes, on_both_backends, Backend, TestApp};
use uuid::Uuid;

use crate::files::first_studio;
use crate::files_lifecycle::{link_for, status_of, upload};
use crate::support::{admin, company, member, rows, seeded, uuid};

const UPDATE_FILE: &str = "mutation($input: UpdateFileInput!) { updateFile(input: $input) \
                           { file { id accessLevel metadata } } }";

async fn update_file(app: &TestApp, who: Uuid, input: Value) -> Value {
    app.gql(&app.token(who), UPDATE_FILE, json!({ "input": input }))
        .await
        .expect("ok")
}

async fn uploaders_and_admins_change_a_files_access_and_metadata(backend: Backend) {
    let (app, seed) = seeded(&backend, 2).await;
    let studio = first_studio(&app, company(&seed, 0)).await;
    let uploader = member(&seed, 0, 1);
    let file = upload(&app, &app.token(uploader), studio, "COMPANY").await;
    let id = &file["id"];
    for (who, code) in [
        (member(&seed, 0, 2), "FORBIDDEN"),
        (admin(&seed, 1), "NOT_FOUND"),
    ] {
        let refused = update_file(&app, who, json!({ "id": id, "accessLevel": "PRIVATE" })).await;
        assert_eq!(error_codes(&refused), vec![code], "{backend:?}: {refused}");
    }
    let tags = json!({ "tags": ["q3"], "source": "scanner" });
    let changed = update_file(&app, uploader, json!({ "id": id, "metadata": tags })).await;
    let got = &changed["data"]["updateFile"]["file"];
    assert_eq!(got["metadata"], tags, "{changed}");
    assert_eq!(got["accessLevel"], "COMPANY", "left as it was");
    let bad = update_file(&app, uploader, json!({ "id": id, "metadata": [1, 2] })).await;
    assert_eq!(error_codes(&bad), vec!["BAD_USER_INPUT"], "{bad}");
    assert_eq!(bad["errors"][0]["extensions"]["field"], "metadata", "{bad}");
    let by_admin = update_file(
        &app,
        admin(&seed, 0),
        json!({ "id": id, "accessLevel": "STUDIO" }),
    )
    .await;
    let got = &by_admin["data"]["updateFile"]["file"];
    assert_eq!(got["accessLevel"], "STUDIO", "{by_admin}");
    assert_eq!(got["metadata"], tags, "kept");
    // Made private, the file leaves everyone's view but its uploader's.
    let private = update_file(
        &app,
        uploader,
        json!({ "id": id, "accessLevel": "PRIVATE" }),
    )
    .await;
    assert_eq!(
        private["data"]["updateFile"]["file"]["accessLevel"], "PRIVATE",
        "{private}"
    );
    let q = "query($id: UUID!) { file(id: $id) { id accessLevel } }";
    let hidden = app
        .gql(&app.token(admin(&seed, 0)), q, json!({ "id": id }))
        .await
        .expect("ok");
    assert_eq!(error_codes(&hidden), vec!["NOT_FOUND"], "{hidden}");
    let own = app
        .gql(&app.token(uploader), q, json!({ "id": id }))
        .await
        .expect("ok");
    assert_eq!(own["data"]["file"]["accessLevel"], "PRIVATE", "{own}");
}
on_both_backends!(uploaders_and_admins_change_a_files_access_and_metadata);

async fn download_links_stop_working_once_their_holder_loses_access(backend: Backend) {
    let (app, seed) = seeded(&backend, 1).await;
    let studio = first_studio(&app, company(&seed, 0)).await;
    let uploader = member(&seed, 0, 1);
    let (colleague, other) = (member(&seed, 0, 2), member(&seed, 0, 3));
    let file = upload(&app, &app.token(uploader), studio, "COMPANY").await;
    let (theirs, mine) = (
        link_for(&app, colleague, &file).await,
        link_for(&app, uploader, &file).await,
    );
    assert!(theirs.contains(&format!("holder={colleague}")), "{theirs}");
    assert_eq!(status_of(&app, &theirs).await, 200);
    // The holder is part of what is signed.
    let swapped = theirs.replace(&colleague.to_string(), &uploader.to_string());
    assert_eq!(status_of(&app, &swapped).await, 404);
    let (head, tail) = theirs.split_once("&holder=").expect("holder");
    let unnamed = format!("{head}&{}", tail.split_once('&').expect("signature").1);
    assert_eq!(status_of(&app, &unnamed).await, 404);

    // Made private by its uploader: the colleague's link stops, the uploader's works.
    let private = update_file(
        &app,
        uploader,
        json!({ "id": file["id"], "accessLevel": "PRIVATE" }),
    )
    .await;
    assert!(private["errors"].is_null(), "{private}");
    assert_eq!(status_of(&app, &theirs).await, 404, "{backend:?}");
    assert_eq!(status_of(&app, &mine).await, 200);

    // A member removed from the company: their link stops.
    let shared = upload(&app, &app.token(uploader), studio, "STUDIO").await;
    let kept = link_for(&app, other, &shared).await;
    assert_eq!(status_of(&app, &kept).await, 200);
    let membership = rows(&app, "SELECT id, user_id, company_id FROM user_companies")
        .await
        .iter()
        .find(|r| uuid(r, "user_id") == other && uuid(r, "company_id") == company(&seed, 0))
        .map(|r| uuid(r, "id"))
        .expect("membership");
    let revoke = "mutation($id: UUID!) { revokeMembership(input: { membershipId: $id }) \
                  { membership { status } } }";
    let revoked = app
        .gql(
            &app.token(admin(&seed, 0)),
            revoke,
            json!({ "id": membership }),
        )
        .await
        .expect("ok");
    assert_eq!(
        revoked["data"]["revokeMembership"]["membership"]["status"], "INACTIVE",
        "{revoked}"
    );
    assert_eq!(status_of(&app, &kept).await, 404, "{backend:?}");
    assert_eq!(
        status_of(&app, &link_for(&app, colleague, &shared).await).await,
        200
    );
}
on_both_backends!(download_links_stop_working_once_their_holder_loses_access);

async fn platform_admins_links_follow_their_platform_role(backend: Backend) {
    let (app, seed) = seeded(&backend, 2).await;
    let studio = first_studio(&app, company(&seed, 0)).await;
    let file = upload(&app, &app.token(member(&seed, 0, 1)), studio, "COMPANY").await;
    // Not a member of company 0: the platform role is what lets them read it.
    let support = member(&seed, 1, 1);
    app.grant_platform_admin(support, "studios")
        .await
        .expect("granted");
    let link = link_for(&app, support, &file).await;
    assert_eq!(status_of(&app, &link).await, 200, "{backend:?}");
    let revoked = app
        .run(&[
            "admin",
            "revoke",
            "--account",
            &support.to_string(),
            "--domain",
            "studios",
            "--database-url",
            &app.db.url,
        ])
        .await
        .expect("run");
    assert!(revoked.status.success(), "{revoked:?}");
    assert_eq!(status_of(&app, &link).await, 404, "{backend:?}");
}
on_both_backends!(platform_admins_links_follow_their_platform_role);
