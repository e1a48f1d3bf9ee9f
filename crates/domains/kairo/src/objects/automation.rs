use async_graphql::{Context, Json, Object};
use chrono::{DateTime, Utc};
use studiogate_entities_kairo::{kairo_automation_runs as runs, kairo_automations as automations};
use studiogate_graph::error::GraphResult;
use studiogate_graph::loader::paged_connection;
use studiogate_graph::pagination::ListConnection;
use studiogate_graph::{ListOrder, PageArgs};
use uuid::Uuid;

use super::{cursor, utc, KairoCompany, KairoUser};
use crate::enums::{KairoAutomationStatus, KairoRunStatus};
use crate::loader::loaders;

/// An automation workflow: a flow graph of nodes and edges, run on the job engine.
pub struct KairoAutomation(pub automations::Model);

/// An automation workflow: a flow graph of nodes and edges, run on the job engine.
#[Object]
impl KairoAutomation {
    /// Automation id.
    async fn id(&self) -> Uuid {
        self.0.id
    }

    /// Title.
    async fn title(&self) -> &str {
        &self.0.title
    }

    /// Description.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }

    /// The flow graph: `{ nodes: [{ id, type, ... }], edges: [{ source, target }] }`.
    async fn flow(&self) -> Json<serde_json::Value> {
        Json(self.0.flow.clone())
    }

    /// DRAFT, ACTIVE, PAUSED or ARCHIVED.
    async fn status(&self) -> GraphResult<KairoAutomationStatus> {
        Ok(KairoAutomationStatus::from_db(&self.0.status)?)
    }

    /// How many runs were started.
    async fn execution_count(&self) -> i32 {
        self.0.execution_count
    }

    /// When the last run started.
    async fn last_executed_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_executed_at.map(utc)
    }

    /// When the automation was created.
    async fn created_at(&self) -> DateTime<Utc> {
        utc(self.0.created_at)
    }

    /// When the automation was last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        utc(self.0.updated_at)
    }

    /// Who owns it.
    async fn owner(&self, ctx: &Context<'_>) -> GraphResult<Option<KairoUser>> {
        let owner = loaders(ctx).profile.load_one(self.0.user_id).await?;
        Ok(owner.map(KairoUser))
    }

    /// The company it belongs to.
    async fn company(&self, ctx: &Context<'_>) -> GraphResult<Option<KairoCompany>> {
        let Some(id) = self.0.company_id else {
            return Ok(None);
        };
        Ok(loaders(ctx).company.load_one(id).await?.map(KairoCompany))
    }

    /// Its runs, newest first by default.
    #[graphql(
        complexity = "studiogate_graph::pagination::page_complexity(first, child_complexity)"
    )]
    async fn runs(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
        order: Option<ListOrder>,
    ) -> GraphResult<ListConnection<KairoAutomationRun>> {
        let l = loaders(ctx);
        paged_connection(
            ctx,
            &l.runs_by_automation,
            &l.run_count_by_automation,
            self.0.id,
            PageArgs::parse(first, after, order)?,
            (),
            |m: &runs::Model| cursor(m.started_at, m.id),
            KairoAutomationRun,
        )
        .await
    }
}

/// One run of an automation: RUNNING, then SUCCESS or FAILED.
pub struct KairoAutomationRun(pub runs::Model);

/// One run of an automation: RUNNING, then SUCCESS or FAILED.
#[Object]
impl KairoAutomationRun {
    /// Run id.
    async fn id(&self) -> Uuid {
        self.0.id
    }

    /// RUNNING, SUCCESS or FAILED.
    async fn status(&self) -> GraphResult<KairoRunStatus> {
        Ok(KairoRunStatus::from_db(&self.0.status)?)
    }

    /// When it started.
    async fn started_at(&self) -> DateTime<Utc> {
        utc(self.0.started_at)
    }

    /// When it finished.
    async fn completed_at(&self) -> Option<DateTime<Utc>> {
        self.0.completed_at.map(utc)
    }

    /// How long it took, in milliseconds.
    async fn duration_ms(&self) -> Option<i32> {
        self.0.duration_ms
    }

    /// The run's log entries.
    async fn logs(&self) -> Option<Json<serde_json::Value>> {
        self.0.logs.clone().map(Json)
    }

    /// Why it failed.
    async fn error(&self) -> Option<&str> {
        self.0.error.as_deref()
    }

    /// The automation it ran.
    async fn automation(&self, ctx: &Context<'_>) -> GraphResult<Option<KairoAutomation>> {
        let automation = loaders(ctx)
            .automation
            .load_one(self.0.automation_id)
            .await?;
        Ok(automation.map(KairoAutomation))
    }
}
