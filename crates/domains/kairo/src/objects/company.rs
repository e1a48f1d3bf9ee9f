use async_graphql::{Context, Json, Object};
use chrono::{DateTime, Utc};
use studiogate_entities_kairo::{
    kairo_assets as assets, kairo_automations as automations, kairo_companies as companies,
    kairo_profiles as profiles, kairo_projects as projects,
};
use studiogate_graph::error::GraphResult;
use studiogate_graph::loader::paged_connection;
use studiogate_graph::pagination::ListConnection;
use studiogate_graph::{ListOrder, PageArgs};
use uuid::Uuid;

use super::{cursor, utc, KairoAsset, KairoAutomation, KairoProject, KairoUser};
use crate::loader::loaders;

/// A client organisation: KAIRO's tenant. Its clients see it; the studio's staff see all.
pub struct KairoCompany(pub companies::Model);

/// A client organisation: KAIRO's tenant. Its clients see it; the studio's staff see all.
#[Object]
impl KairoCompany {
    /// Company id.
    async fn id(&self) -> Uuid {
        self.0.id
    }

    /// Company name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Website address.
    async fn website(&self) -> Option<&str> {
        self.0.website.as_deref()
    }

    /// Industry, free text.
    async fn industry(&self) -> Option<&str> {
        self.0.industry.as_deref()
    }

    /// Logo address.
    async fn logo_url(&self) -> Option<&str> {
        self.0.logo_url.as_deref()
    }

    /// Any further details.
    async fn metadata(&self) -> Option<Json<serde_json::Value>> {
        self.0.metadata.clone().map(Json)
    }

    /// When the company was created.
    async fn created_at(&self) -> DateTime<Utc> {
        utc(self.0.created_at)
    }

    /// When the company was last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        utc(self.0.updated_at)
    }

    /// The company's projects, newest first by default.
    #[graphql(
        complexity = "studiogate_graph::pagination::page_complexity(first, child_complexity)"
    )]
    async fn projects(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
        order: Option<ListOrder>,
    ) -> GraphResult<ListConnection<KairoProject>> {
        let l = loaders(ctx);
        paged_connection(
            ctx,
            &l.projects_by_company,
            &l.project_count_by_company,
            self.0.id,
            PageArgs::parse(first, after, order)?,
            (),
            |m: &projects::Model| cursor(m.created_at, m.id),
            KairoProject,
        )
        .await
    }

    /// The company's automations, newest first by default.
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
            &l.automations_by_company,
            &l.automation_count_by_company,
            self.0.id,
            PageArgs::parse(first, after, order)?,
            (),
            |m: &automations::Model| cursor(m.created_at, m.id),
            KairoAutomation,
        )
        .await
    }

    /// The company's assets, newest first by default.
    #[graphql(
        complexity = "studiogate_graph::pagination::page_complexity(first, child_complexity)"
    )]
    async fn assets(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
        order: Option<ListOrder>,
    ) -> GraphResult<ListConnection<KairoAsset>> {
        let l = loaders(ctx);
        paged_connection(
            ctx,
            &l.assets_by_company,
            &l.asset_count_by_company,
            self.0.id,
            PageArgs::parse(first, after, order)?,
            (),
            |m: &assets::Model| cursor(m.created_at, m.id),
            KairoAsset,
        )
        .await
    }

    /// The company's people, oldest first by default.
    #[graphql(
        complexity = "studiogate_graph::pagination::page_complexity(first, child_complexity)"
    )]
    async fn users(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
        order: Option<ListOrder>,
    ) -> GraphResult<ListConnection<KairoUser>> {
        let l = loaders(ctx);
        paged_connection(
            ctx,
            &l.users_by_company,
            &l.user_count_by_company,
            self.0.id,
            PageArgs::parse(first, after, order)?,
            (),
            |m: &profiles::Model| cursor(m.created_at, m.id),
            KairoUser,
        )
        .await
    }
}
