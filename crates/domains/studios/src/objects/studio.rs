use async_graphql::{Context, Object};
use chrono::{DateTime, Utc};
use studiogate_entities_studios::{files, kanban_boards, studios};
use studiogate_graph::error::GraphResult;
use studiogate_graph::loader::paged_connection;
use studiogate_graph::pagination::ListConnection;
use studiogate_graph::plain::PlainObject;
use studiogate_graph::{GraphError, ListOrder, PageArgs};
use uuid::Uuid;

use super::execution::executions_page;
use super::{
    cursor, utc, CardFieldDefinition, Company, File, KanbanBoard, User, WorkflowExecution,
};
use crate::enums::BusinessArea;
use crate::loader::loaders;
use crate::loader::WorkflowExecutionFilter;

/// An automation workspace of a company, for one business area.
pub struct Studio(pub studios::Model);

/// An automation workspace of a company, for one business area.
#[Object]
impl Studio {
    /// Studio id.
    async fn id(&self) -> Uuid {
        self.0.id
    }

    /// Studio name, 3-100 characters, unique within its company.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// What the studio is for.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }

    /// The business area it focuses on.
    async fn business_area(&self) -> GraphResult<BusinessArea> {
        Ok(BusinessArea::from_db(&self.0.business_area)?)
    }

    /// When the studio was created.
    async fn created_at(&self) -> DateTime<Utc> {
        utc(self.0.created_at)
    }

    /// When the studio was last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        utc(self.0.updated_at)
    }

    /// The company that owns the studio.
    async fn company(&self, ctx: &Context<'_>) -> GraphResult<Company> {
        loaders(ctx)
            .company
            .load_one(self.0.company_id)
            .await?
            .map(Company)
            .ok_or_else(|| GraphError::not_found("Company").into())
    }

    /// Who created the studio.
    async fn created_by(&self, ctx: &Context<'_>) -> GraphResult<Option<User>> {
        Ok(loaders(ctx)
            .profile
            .load_one(self.0.created_by)
            .await?
            .map(User))
    }

    /// Workflow executions run in this studio, newest first by default.
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
            &l.executions_by_studio,
            &l.execution_count_by_studio,
            self.0.id,
            args,
            filter,
        )
        .await
    }

    /// Files uploaded to this studio that the viewer may see, newest first by default.
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
            &l.files_by_studio,
            &l.file_count_by_studio,
            self.0.id,
            PageArgs::parse(first, after, order)?,
            (),
            |m: &files::Model| cursor(m.upload_timestamp, m.id),
            File::from,
        )
        .await
    }

    /// Kanban boards of this studio, newest first by default.
    #[graphql(
        complexity = "studiogate_graph::pagination::page_complexity(first, child_complexity)"
    )]
    async fn kanban_boards(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
        order: Option<ListOrder>,
    ) -> GraphResult<ListConnection<KanbanBoard>> {
        let l = loaders(ctx);
        paged_connection(
            ctx,
            &l.boards_by_studio,
            &l.board_count_by_studio,
            self.0.id,
            PageArgs::parse(first, after, order)?,
            (),
            |m: &kanban_boards::Model| cursor(m.created_at, m.id),
            KanbanBoard,
        )
        .await
    }

    /// Execution and storage figures, each computed on its own.
    async fn analytics(&self, ctx: &Context<'_>) -> GraphResult<crate::loader::Analytics> {
        let figures = loaders(ctx).studio_analytics.load_one(self.0.id).await?;
        Ok(figures.unwrap_or_default())
    }

    /// The same figures per UTC day from `from` to `to` (both included, at most 366 days), over
    /// this studio: executions count on the day they were created, files on the day they were
    /// uploaded, and a day without either is all zeros.
    async fn daily_analytics(
        &self,
        ctx: &Context<'_>,
        from: studiogate_graph::Date,
        to: studiogate_graph::Date,
    ) -> GraphResult<Vec<crate::loader::DailyAnalytics>> {
        let range = crate::loader::DayRange::new(from, to)?;
        let days = loaders(ctx)
            .studio_daily
            .load_one((self.0.id, range))
            .await?;
        Ok(days.unwrap_or_default())
    }

    /// The custom fields cards of this studio can carry, in display order.
    async fn card_field_definitions(
        &self,
        ctx: &Context<'_>,
    ) -> GraphResult<Vec<CardFieldDefinition>> {
        let defs = loaders(ctx)
            .field_defs_by_studio
            .load_one(self.0.id)
            .await?;
        Ok(defs
            .unwrap_or_default()
            .into_iter()
            .map(CardFieldDefinition)
            .collect())
    }
}
