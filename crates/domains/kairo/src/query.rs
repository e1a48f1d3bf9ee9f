//! Root query fields of the KAIRO domain, under `kairo: KairoQuery!`.

use async_graphql::{Context, InputObject, Object};
use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Select};
use studiogate_entities_kairo::{
    kairo_assets as assets, kairo_automations as automations, kairo_companies as companies,
    kairo_leads as leads, kairo_projects as projects, kairo_services as services,
};
use studiogate_graph::error::GraphResult;
use studiogate_graph::loader::{root_connection, Visible};
use studiogate_graph::pagination::ListConnection;
use studiogate_graph::{GraphError, ListOrder, PageArgs};
use uuid::Uuid;

use crate::context::kairo_ctx;
use crate::enums::{KairoAssetType, KairoAutomationStatus, KairoLeadStatus};
use crate::loader::loaders;
use crate::objects::{
    cursor, KairoAsset, KairoAutomation, KairoAutomationRun, KairoCompany, KairoLead, KairoProject,
    KairoService, KairoUser,
};

/// The `kairo` field of `Query`.
#[derive(Default)]
pub struct KairoQueryRoot;

/// Root fields of KAIRO.
#[Object]
impl KairoQueryRoot {
    /// KAIRO STUDIO: public projects and services, and (signed in) companies, automations,
    /// assets and leads.
    async fn kairo(&self) -> KairoQuery {
        KairoQuery
    }
}

pub struct KairoQuery;

/// Narrows a list of projects.
#[derive(InputObject, Clone, Debug, Default)]
pub struct KairoProjectFilter {
    /// Only published (true) or unpublished (false) projects.
    pub published: Option<bool>,
    /// Only featured (true) or other (false) projects.
    pub featured: Option<bool>,
    /// Only projects carrying this tag.
    pub tag: Option<String>,
    /// Only this company's projects.
    pub company_id: Option<Uuid>,
}

impl KairoProjectFilter {
    fn apply(
        self,
        mut select: Select<projects::Entity>,
        backend: DbBackend,
    ) -> Select<projects::Entity> {
        use projects::Column as P;
        if let Some(published) = self.published {
            select = select.filter(P::Published.eq(published));
        }
        if let Some(featured) = self.featured {
            select = select.filter(P::Featured.eq(featured));
        }
        if let Some(company) = self.company_id {
            select = select.filter(P::CompanyId.eq(company));
        }
        if let Some(tag) = self.tag {
            select = select.filter(tag_condition(backend, &tag));
        }
        select
    }
}

/// Tags are a JSON array: JSONB containment on PostgreSQL, `json_each` on SQLite.
fn tag_condition(backend: DbBackend, tag: &str) -> SimpleExpr {
    match backend {
        DbBackend::Postgres => Expr::cust_with_values(
            "kairo_projects.tags @> $1::jsonb",
            [serde_json::json!([tag]).to_string()],
        ),
        _ => Expr::cust_with_values(
            "EXISTS (SELECT 1 FROM json_each(kairo_projects.tags) WHERE json_each.value = ?)",
            [tag.to_owned()],
        ),
    }
}

fn found<T>(row: Option<T>, what: &str) -> GraphResult<Option<T>> {
    match row {
        Some(row) => Ok(Some(row)),
        None => Err(GraphError::not_found(what).into()),
    }
}

/// A root list of `E` in keyset order over `visible`.
async fn list<E, N>(
    ctx: &Context<'_>,
    visible: Select<E>,
    (first, after, order): (Option<i32>, Option<String>, Option<ListOrder>),
    keys: (E::Column, E::Column),
    cursor_of: fn(&E::Model) -> studiogate_graph::Cursor,
    node: fn(E::Model) -> N,
) -> GraphResult<ListConnection<N>>
where
    E: EntityTrait,
    E::Model: Send + Sync + sea_orm::FromQueryResult,
    N: async_graphql::OutputType,
{
    let args = PageArgs::parse(first, after, order)?.selected_in(ctx);
    root_connection(&kairo_ctx(ctx).db, visible, &args, keys, cursor_of, node).await
}

/// Root fields of KAIRO.
#[Object]
impl KairoQuery {
    /// The caller's KAIRO profile, or null for anonymous requests and accounts without one.
    async fn viewer(&self, ctx: &Context<'_>) -> GraphResult<Option<KairoUser>> {
        let k = kairo_ctx(ctx);
        if !k.viewer.is_authenticated() {
            return Ok(None);
        }
        Ok(k.profile().await?.map(KairoUser))
    }

    /// One project the caller may see (published ones are everyone's).
    async fn project(&self, ctx: &Context<'_>, id: Uuid) -> GraphResult<Option<KairoProject>> {
        let row = loaders(ctx).project.loader().one_for(ctx, id).await?;
        found(row.map(KairoProject), "KairoProject")
    }

    /// One project by its slug; an unpublished project of another company is not found.
    async fn project_by_slug(
        &self,
        ctx: &Context<'_>,
        slug: String,
    ) -> GraphResult<Option<KairoProject>> {
        let k = kairo_ctx(ctx);
        let visible: Select<projects::Entity> = k.visible().await?;
        let row = visible
            .filter(projects::Column::Slug.eq(slug))
            .one(&k.db)
            .await
            .map_err(GraphError::from)?;
        found(row.map(KairoProject), "KairoProject")
    }

    /// Projects the caller may see, newest first by default.
    #[graphql(
        complexity = "studiogate_graph::pagination::page_complexity(first, child_complexity)"
    )]
    async fn projects(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
        order: Option<ListOrder>,
        filter: Option<KairoProjectFilter>,
    ) -> GraphResult<ListConnection<KairoProject>> {
        let k = kairo_ctx(ctx);
        let visible: Select<projects::Entity> = k.visible().await?;
        let visible = filter
            .unwrap_or_default()
            .apply(visible, k.db.get_database_backend());
        let keys = (projects::Column::CreatedAt, projects::Column::Id);
        let cursor_of = |m: &projects::Model| cursor(m.created_at, m.id);
        list(
            ctx,
            visible,
            (first, after, order),
            keys,
            cursor_of,
            KairoProject,
        )
        .await
    }

    /// One service (published ones are everyone's).
    async fn service(&self, ctx: &Context<'_>, id: Uuid) -> GraphResult<Option<KairoService>> {
        let row = loaders(ctx).service.loader().one_for(ctx, id).await?;
        found(row.map(KairoService), "KairoService")
    }

    /// One service by its slug.
    async fn service_by_slug(
        &self,
        ctx: &Context<'_>,
        slug: String,
    ) -> GraphResult<Option<KairoService>> {
        let k = kairo_ctx(ctx);
        let visible: Select<services::Entity> = k.visible().await?;
        let row = visible
            .filter(services::Column::Slug.eq(slug))
            .one(&k.db)
            .await
            .map_err(GraphError::from)?;
        found(row.map(KairoService), "KairoService")
    }

    /// Services the caller may see, newest first by default (featured ones carry their
    /// `featuredOrder`).
    #[graphql(
        complexity = "studiogate_graph::pagination::page_complexity(first, child_complexity)"
    )]
    async fn services(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
        order: Option<ListOrder>,
    ) -> GraphResult<ListConnection<KairoService>> {
        let visible: Select<services::Entity> = kairo_ctx(ctx).visible().await?;
        let keys = (services::Column::CreatedAt, services::Column::Id);
        let cursor_of = |m: &services::Model| cursor(m.created_at, m.id);
        list(
            ctx,
            visible,
            (first, after, order),
            keys,
            cursor_of,
            KairoService,
        )
        .await
    }

    /// One company the caller may see: its own (a client), any (staff).
    async fn company(&self, ctx: &Context<'_>, id: Uuid) -> GraphResult<Option<KairoCompany>> {
        let row = loaders(ctx).company.loader().one_for(ctx, id).await?;
        found(row.map(KairoCompany), "KairoCompany")
    }

    /// Companies the caller may see, newest first by default.
    #[graphql(
        complexity = "studiogate_graph::pagination::page_complexity(first, child_complexity)"
    )]
    async fn companies(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
        order: Option<ListOrder>,
    ) -> GraphResult<ListConnection<KairoCompany>> {
        let visible: Select<companies::Entity> = kairo_ctx(ctx).visible().await?;
        let keys = (companies::Column::CreatedAt, companies::Column::Id);
        let cursor_of = |m: &companies::Model| cursor(m.created_at, m.id);
        list(
            ctx,
            visible,
            (first, after, order),
            keys,
            cursor_of,
            KairoCompany,
        )
        .await
    }

    /// One automation the caller may see.
    async fn automation(
        &self,
        ctx: &Context<'_>,
        id: Uuid,
    ) -> GraphResult<Option<KairoAutomation>> {
        let row = loaders(ctx).automation.loader().one_for(ctx, id).await?;
        found(row.map(KairoAutomation), "KairoAutomation")
    }

    /// Automations the caller may see, newest first by default.
    #[graphql(
        complexity = "studiogate_graph::pagination::page_complexity(first, child_complexity)"
    )]
    async fn automations(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
        order: Option<ListOrder>,
        #[graphql(desc = "Only automations in this status.")] status: Option<KairoAutomationStatus>,
    ) -> GraphResult<ListConnection<KairoAutomation>> {
        let mut visible: Select<automations::Entity> = kairo_ctx(ctx).visible().await?;
        if let Some(status) = status {
            visible = visible.filter(automations::Column::Status.eq(status.as_db()));
        }
        let keys = (automations::Column::CreatedAt, automations::Column::Id);
        let cursor_of = |m: &automations::Model| cursor(m.created_at, m.id);
        list(
            ctx,
            visible,
            (first, after, order),
            keys,
            cursor_of,
            KairoAutomation,
        )
        .await
    }

    /// One automation run the caller may see.
    async fn automation_run(
        &self,
        ctx: &Context<'_>,
        id: Uuid,
    ) -> GraphResult<Option<KairoAutomationRun>> {
        let row = loaders(ctx).run.loader().one_for(ctx, id).await?;
        found(row.map(KairoAutomationRun), "KairoAutomationRun")
    }

    /// One asset the caller may see.
    async fn asset(&self, ctx: &Context<'_>, id: Uuid) -> GraphResult<Option<KairoAsset>> {
        let row = loaders(ctx).asset.loader().one_for(ctx, id).await?;
        found(row.map(KairoAsset), "KairoAsset")
    }

    /// Assets the caller may see, newest first by default.
    #[graphql(
        complexity = "studiogate_graph::pagination::page_complexity(first, child_complexity)"
    )]
    async fn assets(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
        order: Option<ListOrder>,
        #[graphql(desc = "Only assets of this type.")] r#type: Option<KairoAssetType>,
    ) -> GraphResult<ListConnection<KairoAsset>> {
        let mut visible: Select<assets::Entity> = kairo_ctx(ctx).visible().await?;
        if let Some(ty) = r#type {
            visible = visible.filter(assets::Column::Type.eq(ty.as_db()));
        }
        let keys = (assets::Column::CreatedAt, assets::Column::Id);
        let cursor_of = |m: &assets::Model| cursor(m.created_at, m.id);
        list(
            ctx,
            visible,
            (first, after, order),
            keys,
            cursor_of,
            KairoAsset,
        )
        .await
    }

    /// One lead (ADMIN and TEAM only).
    async fn lead(&self, ctx: &Context<'_>, id: Uuid) -> GraphResult<Option<KairoLead>> {
        kairo_ctx(ctx).staff_scope().await?;
        let row = loaders(ctx).lead.loader().one_for(ctx, id).await?;
        found(row.map(KairoLead), "KairoLead")
    }

    /// Leads, newest first by default (ADMIN and TEAM only).
    #[graphql(
        complexity = "studiogate_graph::pagination::page_complexity(first, child_complexity)"
    )]
    async fn leads(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
        order: Option<ListOrder>,
        #[graphql(desc = "Only leads in this status.")] status: Option<KairoLeadStatus>,
    ) -> GraphResult<ListConnection<KairoLead>> {
        let scope = kairo_ctx(ctx).staff_scope().await?;
        let mut visible = scope.leads();
        if let Some(status) = status {
            visible = visible.filter(leads::Column::Status.eq(status.as_db()));
        }
        let keys = (leads::Column::CreatedAt, leads::Column::Id);
        let cursor_of = |m: &leads::Model| cursor(m.created_at, m.id);
        list(
            ctx,
            visible,
            (first, after, order),
            keys,
            cursor_of,
            KairoLead,
        )
        .await
    }
}
