//! Root query fields of the Studios domain.

use async_graphql::{Context, InputObject, Object};
use sea_orm::sea_query::{Expr, Func, LikeExpr, SimpleExpr};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbBackend, QueryFilter, Select};
use studiogate_entities_studios::{companies, scope, workflow_templates as templates};
use studiogate_graph::error::GraphResult;
use studiogate_graph::loader::{root_connection, ListFilter, Visible};
use studiogate_graph::pagination::ListConnection;
use studiogate_graph::{GraphError, ListOrder, PageArgs};
use uuid::Uuid;

use crate::context::studios_ctx;
use crate::enums::{BusinessArea, ComplexityLevel};
use crate::loader::loaders;
use crate::objects::{
    cursor, Company, File, KanbanBoard, Studio, Viewer, WorkflowExecution, WorkflowTemplate,
};

#[derive(Default)]
pub struct StudiosQuery;

/// Narrows the template catalog.
#[derive(InputObject, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct WorkflowTemplateFilter {
    /// Only templates for this business area.
    pub business_area: Option<BusinessArea>,
    /// Only templates of this complexity.
    pub complexity_level: Option<ComplexityLevel>,
    /// Only templates carrying this tag.
    pub tag: Option<String>,
    /// Case-insensitive text to find in the name or description.
    pub search: Option<String>,
}

impl ListFilter<templates::Entity> for WorkflowTemplateFilter {
    fn apply(
        &self,
        mut select: Select<templates::Entity>,
        backend: DbBackend,
    ) -> Select<templates::Entity> {
        use templates::Column as T;
        if let Some(area) = self.business_area {
            select = select.filter(T::BusinessArea.eq(area.as_db()));
        }
        if let Some(level) = self.complexity_level {
            select = select.filter(T::ComplexityLevel.eq(level.as_db()));
        }
        if let Some(tag) = &self.tag {
            select = select.filter(tag_condition(backend, tag));
        }
        if let Some(text) = &self.search {
            let escaped = text
                .to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            let pattern = LikeExpr::new(format!("%{escaped}%")).escape('\\');
            select = select.filter(
                Condition::any()
                    .add(Expr::expr(Func::lower(Expr::col(T::Name))).like(pattern.clone()))
                    .add(Expr::expr(Func::lower(Expr::col(T::Description))).like(pattern)),
            );
        }
        select
    }
}

/// Tags are a JSON array: JSONB containment (GIN-indexed) on PostgreSQL, `json_each` on SQLite.
fn tag_condition(backend: DbBackend, tag: &str) -> SimpleExpr {
    match backend {
        DbBackend::Postgres => {
            Expr::cust_with_values("tags @> $1::jsonb", [serde_json::json!([tag]).to_string()])
        }
        _ => Expr::cust_with_values(
            "EXISTS (SELECT 1 FROM json_each(workflow_templates.tags) WHERE json_each.value = ?)",
            [tag.to_owned()],
        ),
    }
}

fn not_found<T>(what: &str) -> impl FnOnce() -> GraphResult<T> + '_ {
    move || Err(GraphError::not_found(what).into())
}

/// Root fields of the Studios platform.
#[Object]
impl StudiosQuery {
    /// The signed-in caller, or null for anonymous requests.
    async fn viewer(&self, ctx: &Context<'_>) -> GraphResult<Option<Viewer>> {
        let sctx = studios_ctx(ctx);
        let Some(account_id) = sctx.viewer.account_id else {
            return Ok(None);
        };
        let account = scope::own_account(account_id)
            .one(&sctx.db)
            .await
            .map_err(GraphError::from)?;
        Ok(account.map(Viewer))
    }

    /// Companies where the viewer is an approved member, newest first by default.
    #[graphql(
        complexity = "studiogate_graph::pagination::page_complexity(first, child_complexity)"
    )]
    async fn companies(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
        order: Option<ListOrder>,
    ) -> GraphResult<ListConnection<Company>> {
        let sctx = studios_ctx(ctx);
        let visible: Select<companies::Entity> = sctx.visible().await?;
        root_connection(
            &sctx.db,
            visible,
            &PageArgs::parse(first, after, order)?.selected_in(ctx),
            (companies::Column::CreatedAt, companies::Column::Id),
            |m| cursor(m.created_at, m.id),
            Company,
        )
        .await
    }

    /// One company of the viewer. Another tenant's company answers as a missing one.
    async fn company(&self, ctx: &Context<'_>, id: Uuid) -> GraphResult<Option<Company>> {
        let l = loaders(ctx);
        let pages = l.studios_by_company.loader();
        match l
            .company
            .loader()
            .one_with_page(ctx, id, "studios", pages)
            .await?
        {
            Some(m) => Ok(Some(Company(m))),
            None => not_found("Company")(),
        }
    }

    /// One studio of the viewer's companies.
    async fn studio(&self, ctx: &Context<'_>, id: Uuid) -> GraphResult<Option<Studio>> {
        let l = loaders(ctx);
        let pages = l.executions_by_studio.loader();
        match l
            .studio
            .loader()
            .one_with_page(ctx, id, "executions", pages)
            .await?
        {
            Some(m) => Ok(Some(Studio(m))),
            None => not_found("Studio")(),
        }
    }

    /// One workflow execution of the viewer's companies.
    async fn workflow_execution(
        &self,
        ctx: &Context<'_>,
        id: Uuid,
    ) -> GraphResult<Option<WorkflowExecution>> {
        match loaders(ctx).execution.loader().one_for(ctx, id).await? {
            Some(m) => Ok(Some(WorkflowExecution::from(m))),
            None => not_found("WorkflowExecution")(),
        }
    }

    /// One file the viewer may see.
    async fn file(&self, ctx: &Context<'_>, id: Uuid) -> GraphResult<Option<File>> {
        match loaders(ctx).file.loader().one_for(ctx, id).await? {
            Some(m) => Ok(Some(File::from(m))),
            None => not_found("File")(),
        }
    }

    /// One kanban board of the viewer's companies.
    async fn kanban_board(&self, ctx: &Context<'_>, id: Uuid) -> GraphResult<Option<KanbanBoard>> {
        match loaders(ctx).board.loader().one_for(ctx, id).await? {
            Some(m) => Ok(Some(KanbanBoard(m))),
            None => not_found("KanbanBoard")(),
        }
    }

    /// One template of the catalog (members see active templates only).
    async fn workflow_template(
        &self,
        ctx: &Context<'_>,
        id: Uuid,
    ) -> GraphResult<Option<WorkflowTemplate>> {
        let l = loaders(ctx);
        let pages = l.executions_by_template.loader();
        match l
            .template
            .loader()
            .one_with_page(ctx, id, "executions", pages)
            .await?
        {
            Some(m) => Ok(Some(WorkflowTemplate(m))),
            None => not_found("WorkflowTemplate")(),
        }
    }

    /// The workflow template catalog, newest first by default.
    #[graphql(
        complexity = "studiogate_graph::pagination::page_complexity(first, child_complexity)"
    )]
    async fn workflow_templates(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
        order: Option<ListOrder>,
        filter: Option<WorkflowTemplateFilter>,
    ) -> GraphResult<ListConnection<WorkflowTemplate>> {
        let sctx = studios_ctx(ctx);
        let visible: Select<templates::Entity> = sctx.visible().await?;
        let filtered = filter
            .unwrap_or_default()
            .apply(visible, sctx.db.get_database_backend());
        root_connection(
            &sctx.db,
            filtered,
            &PageArgs::parse(first, after, order)?.selected_in(ctx),
            (templates::Column::CreatedAt, templates::Column::Id),
            |m| cursor(m.created_at, m.id),
            WorkflowTemplate,
        )
        .await
    }
}
