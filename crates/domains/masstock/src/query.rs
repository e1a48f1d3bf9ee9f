//! Root query fields of MasStock, under `masstock: MasstockQuery!`.

use async_graphql::{Context, Object, SimpleObject};
use sea_orm::{ColumnTrait, QueryFilter, QueryOrder, QuerySelect, Select};
use std::collections::HashSet;
use studiogate_entities_masstock::{
    masstock_clients as clients, masstock_profiles as profiles,
    masstock_workflow_templates as templates, masstock_workflows as workflows, scope,
};
use studiogate_graph::error::GraphResult;
use studiogate_graph::loader::{root_connection, Visible};
use studiogate_graph::pagination::ListConnection;
use studiogate_graph::{GraphError, ListOrder, PageArgs};
use uuid::Uuid;

use crate::analytics::{self, SuccessRate};
use crate::context::masstock_ctx;
use crate::enums::MasstockUserRole;
use crate::loader::loaders;
use crate::objects::{
    cursor, MasstockClient, MasstockProfile, MasstockSupportTicket, MasstockWorkflow,
    MasstockWorkflowExecution, MasstockWorkflowRequest, MasstockWorkflowTemplate,
};

/// The `masstock` field of `Query`.
#[derive(Default)]
pub struct MasstockRootQuery;

#[Object]
impl MasstockRootQuery {
    /// MasStock: clients, their workflows, executions and support tickets.
    async fn masstock(&self) -> MasstockQuery {
        MasstockQuery
    }
}

pub struct MasstockQuery;

fn not_found<T>(what: &str) -> GraphResult<T> {
    Err(GraphError::not_found(what).into())
}

/// Most rows an analytics list returns.
const MAX_ANALYTICS: i32 = 100;

fn analytics_limit(limit: Option<i32>, default: i32) -> Result<u64, GraphError> {
    let limit = limit.unwrap_or(default);
    if !(1..=MAX_ANALYTICS).contains(&limit) {
        return Err(
            GraphError::bad_input("limit", "`limit` must be 1..100").with_reason("OUT_OF_RANGE")
        );
    }
    Ok(limit as u64)
}

/// A client's execution figures.
#[derive(SimpleObject)]
pub struct MasstockClientSuccess {
    pub client: MasstockClient,
    pub success_rate: SuccessRate,
}

/// How much a workflow is used.
#[derive(SimpleObject)]
pub struct MasstockWorkflowUsage {
    pub workflow: MasstockWorkflow,
    /// Executions started.
    pub execution_count: i64,
    /// Mean duration of its executions that recorded one, in seconds.
    pub avg_duration_seconds: Option<f64>,
    /// Executions that completed.
    pub successful_count: i64,
}

/// Root fields of MasStock.
#[Object]
impl MasstockQuery {
    /// The viewer's MasStock profile (null without one).
    async fn me(&self, ctx: &Context<'_>) -> GraphResult<Option<MasstockProfile>> {
        let mctx = masstock_ctx(ctx);
        let found = scope::own_profile(mctx.account_id()?)
            .one(&mctx.db)
            .await
            .map_err(GraphError::from)?;
        Ok(found.map(MasstockProfile))
    }

    /// The viewer's platform role: `ADMIN` for MasStock platform admins, else `USER`.
    async fn my_role(&self, ctx: &Context<'_>) -> GraphResult<MasstockUserRole> {
        let mctx = masstock_ctx(ctx);
        mctx.account_id()?;
        Ok(if mctx.is_admin() {
            MasstockUserRole::Admin
        } else {
            MasstockUserRole::User
        })
    }

    /// The clients the viewer is a member of (every client for platform admins), newest first
    /// by default.
    #[graphql(
        complexity = "studiogate_graph::pagination::page_complexity(first, child_complexity)"
    )]
    async fn clients(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
        order: Option<ListOrder>,
    ) -> GraphResult<ListConnection<MasstockClient>> {
        let mctx = masstock_ctx(ctx);
        let visible: Select<clients::Entity> = mctx.visible().await?;
        root_connection(
            &mctx.db,
            visible,
            &PageArgs::parse(first, after, order)?.selected_in(ctx),
            (clients::Column::CreatedAt, clients::Column::Id),
            |m| cursor(m.created_at, m.id),
            MasstockClient,
        )
        .await
    }

    /// The people the viewer may see: themselves and the members of their clients (everyone
    /// for platform admins), newest first by default.
    #[graphql(
        complexity = "studiogate_graph::pagination::page_complexity(first, child_complexity)"
    )]
    async fn users(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
        order: Option<ListOrder>,
    ) -> GraphResult<ListConnection<MasstockProfile>> {
        let mctx = masstock_ctx(ctx);
        let visible: Select<profiles::Entity> = mctx.visible().await?;
        root_connection(
            &mctx.db,
            visible,
            &PageArgs::parse(first, after, order)?.selected_in(ctx),
            (profiles::Column::CreatedAt, profiles::Column::Id),
            |m| cursor(m.created_at, m.id),
            MasstockProfile,
        )
        .await
    }

    /// The template catalog (platform admins only), newest first by default.
    #[graphql(
        complexity = "studiogate_graph::pagination::page_complexity(first, child_complexity)"
    )]
    async fn workflow_templates(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
        order: Option<ListOrder>,
        #[graphql(desc = "Only active (or only inactive) templates.")] is_active: Option<bool>,
    ) -> GraphResult<ListConnection<MasstockWorkflowTemplate>> {
        let mctx = masstock_ctx(ctx);
        let mut visible: Select<templates::Entity> = mctx.visible().await?;
        if let Some(active) = is_active {
            visible = visible.filter(templates::Column::IsActive.eq(active));
        }
        root_connection(
            &mctx.db,
            visible,
            &PageArgs::parse(first, after, order)?.selected_in(ctx),
            (templates::Column::CreatedAt, templates::Column::Id),
            |m| cursor(m.created_at, m.id),
            MasstockWorkflowTemplate,
        )
        .await
    }

    /// One template (platform admins only).
    async fn workflow_template(
        &self,
        ctx: &Context<'_>,
        id: Uuid,
    ) -> GraphResult<Option<MasstockWorkflowTemplate>> {
        match loaders(ctx).template.loader().one_for(ctx, id).await? {
            Some(m) => Ok(Some(MasstockWorkflowTemplate(m))),
            None => not_found("MasstockWorkflowTemplate"),
        }
    }

    /// One client of the viewer. Another client answers as a missing one.
    async fn client(&self, ctx: &Context<'_>, id: Uuid) -> GraphResult<Option<MasstockClient>> {
        match loaders(ctx).client.loader().one_for(ctx, id).await? {
            Some(m) => Ok(Some(MasstockClient(m))),
            None => not_found("MasstockClient"),
        }
    }

    /// One workflow of the viewer's clients.
    async fn workflow(&self, ctx: &Context<'_>, id: Uuid) -> GraphResult<Option<MasstockWorkflow>> {
        match loaders(ctx).workflow.loader().one_for(ctx, id).await? {
            Some(m) => Ok(Some(MasstockWorkflow(m))),
            None => not_found("MasstockWorkflow"),
        }
    }

    /// One workflow request of the viewer's clients.
    async fn workflow_request(
        &self,
        ctx: &Context<'_>,
        id: Uuid,
    ) -> GraphResult<Option<MasstockWorkflowRequest>> {
        match loaders(ctx).request.loader().one_for(ctx, id).await? {
            Some(m) => Ok(Some(MasstockWorkflowRequest(m))),
            None => not_found("MasstockWorkflowRequest"),
        }
    }

    /// One execution of the viewer's clients.
    async fn workflow_execution(
        &self,
        ctx: &Context<'_>,
        id: Uuid,
    ) -> GraphResult<Option<MasstockWorkflowExecution>> {
        match loaders(ctx).execution.loader().one_for(ctx, id).await? {
            Some(m) => Ok(Some(MasstockWorkflowExecution(m))),
            None => not_found("MasstockWorkflowExecution"),
        }
    }

    /// One support ticket of the viewer's clients.
    async fn support_ticket(
        &self,
        ctx: &Context<'_>,
        id: Uuid,
    ) -> GraphResult<Option<MasstockSupportTicket>> {
        match loaders(ctx).ticket.loader().one_for(ctx, id).await? {
            Some(m) => Ok(Some(MasstockSupportTicket(m))),
            None => not_found("MasstockSupportTicket"),
        }
    }

    /// Execution success rate per client, most executions first (over the clients the viewer
    /// sees; every client for platform admins). Clients without executions are left out.
    async fn client_success_rates(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many clients, 1-100 (default 20).")] limit: Option<i32>,
    ) -> GraphResult<Vec<MasstockClientSuccess>> {
        let mctx = masstock_ctx(ctx);
        let rows = analytics::success_by_client(mctx, analytics_limit(limit, 20)?).await?;
        let ids: Vec<Uuid> = rows.iter().map(|(c, _)| *c).collect();
        let mut found = loaders(ctx).client.load_many(ids).await?;
        Ok(rows
            .into_iter()
            .filter_map(|(id, success_rate)| {
                let client = MasstockClient(found.remove(&id)?);
                Some(MasstockClientSuccess {
                    client,
                    success_rate,
                })
            })
            .collect())
    }

    /// The workflows used most (the spec's top workflows by usage), most executions first;
    /// workflows never run fill the list after them.
    async fn top_workflows(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "How many workflows, 1-100 (default 10).")] limit: Option<i32>,
    ) -> GraphResult<Vec<MasstockWorkflowUsage>> {
        let mctx = masstock_ctx(ctx);
        let limit = analytics_limit(limit, 10)?;
        let used = analytics::usage_by_workflow(mctx, limit).await?;
        let ids: Vec<Uuid> = used.iter().map(|(w, _)| *w).collect();
        let mut found = loaders(ctx).workflow.load_many(ids.clone()).await?;
        let mut out: Vec<MasstockWorkflowUsage> = used
            .into_iter()
            .filter_map(|(id, usage)| {
                Some(MasstockWorkflowUsage {
                    workflow: MasstockWorkflow(found.remove(&id)?),
                    execution_count: usage.execution_count,
                    avg_duration_seconds: usage.avg_duration_seconds,
                    successful_count: usage.successful_count,
                })
            })
            .collect();
        let missing = limit as usize - out.len().min(limit as usize);
        if missing > 0 {
            let seen: HashSet<Uuid> = ids.into_iter().collect();
            let visible: Select<workflows::Entity> = mctx.visible().await?;
            let unused = visible
                .filter(workflows::Column::Id.is_not_in(seen))
                .order_by_asc(workflows::Column::CreatedAt)
                .order_by_asc(workflows::Column::Id)
                .limit(missing as u64)
                .all(&mctx.db)
                .await
                .map_err(GraphError::from)?;
            out.extend(unused.into_iter().map(|w| MasstockWorkflowUsage {
                workflow: MasstockWorkflow(w),
                execution_count: 0,
                avg_duration_seconds: None,
                successful_count: 0,
            }));
        }
        Ok(out)
    }
}
