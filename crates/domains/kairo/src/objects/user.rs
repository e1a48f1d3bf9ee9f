use async_graphql::{Context, Object};
use chrono::{DateTime, Utc};
use studiogate_entities_kairo::{kairo_automations as automations, kairo_profiles as profiles};
use studiogate_graph::error::GraphResult;
use studiogate_graph::loader::paged_connection;
use studiogate_graph::pagination::ListConnection;
use studiogate_graph::{ListOrder, PageArgs};
use uuid::Uuid;

use super::{cursor, utc, KairoAutomation, KairoCompany};
use crate::enums::KairoRole;
use crate::loader::loaders;

/// A person's KAIRO profile (the spec's `users`; the login is the identity account).
pub struct KairoUser(pub profiles::Model);

/// A person's KAIRO profile (the spec's `users`; the login is the identity account).
#[Object]
impl KairoUser {
    /// Account id.
    async fn id(&self) -> Uuid {
        self.0.id
    }

    /// Display name.
    async fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }

    /// ADMIN, TEAM or CLIENT.
    async fn role(&self) -> GraphResult<KairoRole> {
        Ok(KairoRole::from_db(&self.0.role)?)
    }

    /// Avatar address.
    async fn avatar_url(&self) -> Option<&str> {
        self.0.avatar_url.as_deref()
    }

    /// When the profile was created.
    async fn created_at(&self) -> DateTime<Utc> {
        utc(self.0.created_at)
    }

    /// When the profile was last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        utc(self.0.updated_at)
    }

    /// The client's company (null for staff and for clients not assigned yet).
    async fn company(&self, ctx: &Context<'_>) -> GraphResult<Option<KairoCompany>> {
        let Some(id) = self.0.company_id else {
            return Ok(None);
        };
        Ok(loaders(ctx).company.load_one(id).await?.map(KairoCompany))
    }

    /// Automations this person owns, newest first by default.
    #[graphql(
        complexity = "studiogate_graph::pagination::page_complexity(first, child_complexity)"
    )]
    async fn automations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
        order: Option<ListOrder>,
    ) -> GraphResult<ListConnection<KairoAutomation>> {
        let l = loaders(ctx);
        paged_connection(
            ctx,
            &l.automations_by_user,
            &l.automation_count_by_user,
            self.0.id,
            PageArgs::parse(first, after, order)?,
            (),
            |m: &automations::Model| cursor(m.created_at, m.id),
            KairoAutomation,
        )
        .await
    }
}
