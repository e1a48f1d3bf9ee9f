use async_graphql::{Context, Object};
use chrono::{DateTime, Utc};
use studiogate_entities_studios::{accounts, files, user_profiles};
use studiogate_graph::error::GraphResult;
use studiogate_graph::loader::paged_connection;
use studiogate_graph::pagination::ListConnection;
use studiogate_graph::plain::PlainObject;
use studiogate_graph::{ListOrder, PageArgs};
use uuid::Uuid;

use super::execution::executions_page;
use super::{cursor, utc, File, Membership, WorkflowExecution};
use crate::context::studios_ctx;
use crate::loader::loaders;
use crate::loader::WorkflowExecutionFilter;

/// A person's profile, visible to the people they share a company with.
pub struct User(pub user_profiles::Model);

/// A person's profile, visible to the people they share a company with.
#[Object]
impl User {
    /// Account id.
    async fn id(&self) -> Uuid {
        self.0.id
    }

    /// Display name.
    async fn full_name(&self) -> &str {
        &self.0.full_name
    }

    /// Sign-in e-mail. Shown to the person themself and to approved admins of a company where
    /// this person has a membership (join requests included); null for everyone else, so
    /// fellow members see names only.
    async fn email(&self, ctx: &Context<'_>) -> GraphResult<Option<String>> {
        Ok(loaders(ctx).email.load_one(self.0.id).await?)
    }

    /// When the profile was created.
    async fn created_at(&self) -> DateTime<Utc> {
        utc(self.0.created_at)
    }

    /// Last sign-in time.
    async fn last_login_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_login_at.map(utc)
    }

    /// Executions this person started in the viewer's companies, newest first by default.
    #[graphql(
        complexity = "studiogate_graph::pagination::page_complexity(first, child_complexity)"
    )]
    async fn executions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
        order: Option<ListOrder>,
        filter: Option<WorkflowExecutionFilter>,
    ) -> GraphResult<ListConnection<PlainObject<WorkflowExecution>>> {
        let l = loaders(ctx);
        let args = (first, after, order);
        executions_page(
            ctx,
            &l.executions_by_user,
            &l.execution_count_by_user,
            self.0.id,
            args,
            filter,
        )
        .await
    }

    /// Files this person uploaded that the viewer may see (their private files only to
    /// themself), in the viewer's companies, newest first by default.
    #[graphql(
        complexity = "studiogate_graph::pagination::page_complexity(first, child_complexity)"
    )]
    async fn files(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
        order: Option<ListOrder>,
    ) -> GraphResult<ListConnection<File>> {
        let l = loaders(ctx);
        paged_connection(
            ctx,
            &l.files_by_uploader,
            &l.file_count_by_uploader,
            self.0.id,
            PageArgs::parse(first, after, order)?,
            (),
            |m: &files::Model| cursor(m.upload_timestamp, m.id),
            File::from,
        )
        .await
    }
}

/// The signed-in caller.
pub struct Viewer(pub accounts::Model);

/// The signed-in caller.
#[Object]
impl Viewer {
    /// Account id (the token's `sub`).
    async fn id(&self) -> Uuid {
        self.0.id
    }

    /// Sign-in e-mail, normalised.
    async fn email(&self) -> &str {
        &self.0.email
    }

    /// Whether the e-mail address has been confirmed.
    async fn email_verified(&self) -> bool {
        self.0.email_verified
    }

    /// Last successful sign-in.
    async fn last_login_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_login_at.map(utc)
    }

    /// Successful sign-ins so far.
    async fn login_count(&self) -> i32 {
        self.0.login_count
    }

    /// The account's sign-in sessions, newest first (revoked ones included).
    async fn sessions(&self, ctx: &Context<'_>) -> GraphResult<Vec<studiogate_identity::Session>> {
        let sctx = studios_ctx(ctx);
        studiogate_identity::sessions_of(&sctx.db, self.0.id, sctx.viewer.session_id)
            .await
            .map_err(|e| studiogate_graph::GraphError::from(e).into())
    }

    /// The viewer's profile.
    async fn profile(&self, ctx: &Context<'_>) -> GraphResult<Option<User>> {
        Ok(loaders(ctx).profile.load_one(self.0.id).await?.map(User))
    }

    /// The viewer's memberships of every status: requests, approvals, rejections, revocations.
    async fn memberships(&self, ctx: &Context<'_>) -> GraphResult<Vec<Membership>> {
        let rows = studios_ctx(ctx).memberships().await?;
        Ok(rows.iter().cloned().map(Membership).collect())
    }
}
