use async_graphql::{Context, InputObject, Json, Object, SimpleObject};
use studiogate_graph::error::GraphResult;
use studiogate_graph::GraphError;
use uuid::Uuid;

use super::project::KairoDeletePayload;
use crate::context::kairo_ctx;
use crate::enums::{KairoAutomationStatus, KairoRunStatus};
use crate::objects::{KairoAutomation, KairoAutomationRun};
use crate::services::automation::{self, AutomationChanges, NewAutomation};
use crate::services::run::{self, RunReport};

/// A new automation (it starts as a DRAFT).
#[derive(InputObject)]
pub struct CreateKairoAutomationInput {
    /// Title.
    pub title: String,
    /// Description.
    pub description: Option<String>,
    /// The flow graph: `{ nodes: [{ id, type, ... }], edges: [{ source, target }] }`.
    pub flow: Json<serde_json::Value>,
    /// Staff: the company it is for (none for the studio's own). Clients: their own company.
    pub company_id: Option<Uuid>,
}

/// Changes to an automation; fields left out stay as they are.
#[derive(InputObject)]
pub struct UpdateKairoAutomationInput {
    /// The automation.
    pub id: Uuid,
    /// New title.
    pub title: Option<String>,
    /// New description (empty to clear).
    pub description: Option<String>,
    /// New flow graph.
    pub flow: Option<Json<serde_json::Value>>,
}

/// A status move of an automation.
#[derive(InputObject)]
pub struct ChangeKairoAutomationStatusInput {
    /// The automation.
    pub id: Uuid,
    /// DRAFT -> ACTIVE <-> PAUSED; any -> ARCHIVED (final).
    pub status: KairoAutomationStatus,
}

/// A run's end, reported by the holder of its lease.
#[derive(InputObject)]
pub struct FinishKairoAutomationRunInput {
    /// The run.
    pub id: Uuid,
    /// SUCCESS or FAILED.
    pub status: KairoRunStatus,
    /// The run's log entries (a list).
    pub logs: Option<Json<serde_json::Value>>,
    /// Why it failed (FAILED only).
    pub error: Option<String>,
}

/// The automation as it is now.
#[derive(SimpleObject)]
pub struct KairoAutomationPayload {
    /// The automation.
    pub automation: KairoAutomation,
}

/// The run as it is now.
#[derive(SimpleObject)]
pub struct KairoAutomationRunPayload {
    /// The run.
    pub run: KairoAutomationRun,
}

#[derive(Default)]
pub struct KairoAutomationMutation;

fn automation_payload(
    m: studiogate_entities_kairo::kairo_automations::Model,
) -> KairoAutomationPayload {
    KairoAutomationPayload {
        automation: KairoAutomation(m),
    }
}

fn run_payload(
    m: studiogate_entities_kairo::kairo_automation_runs::Model,
) -> KairoAutomationRunPayload {
    KairoAutomationRunPayload {
        run: KairoAutomationRun(m),
    }
}

#[Object]
impl KairoAutomationMutation {
    /// Creates an automation, as a DRAFT, owned by the caller. The flow is checked for shape.
    async fn create_automation(
        &self,
        ctx: &Context<'_>,
        input: CreateKairoAutomationInput,
    ) -> GraphResult<KairoAutomationPayload> {
        let new = NewAutomation {
            title: input.title,
            description: input.description,
            flow: input.flow.0,
            company_id: input.company_id,
        };
        Ok(automation_payload(
            automation::create(kairo_ctx(ctx), new)
                .await
                .map_err(GraphError::from)?,
        ))
    }

    /// Changes an automation's title, description or flow.
    async fn update_automation(
        &self,
        ctx: &Context<'_>,
        input: UpdateKairoAutomationInput,
    ) -> GraphResult<KairoAutomationPayload> {
        let changes = AutomationChanges {
            title: input.title,
            description: input.description,
            flow: input.flow.map(|f| f.0),
        };
        let k = kairo_ctx(ctx);
        Ok(automation_payload(
            automation::update(k, input.id, changes)
                .await
                .map_err(GraphError::from)?,
        ))
    }

    /// Moves an automation's status (INVALID_TRANSITION for a move the machine lacks).
    async fn change_automation_status(
        &self,
        ctx: &Context<'_>,
        input: ChangeKairoAutomationStatusInput,
    ) -> GraphResult<KairoAutomationPayload> {
        let k = kairo_ctx(ctx);
        Ok(automation_payload(
            automation::set_status(k, input.id, input.status)
                .await
                .map_err(GraphError::from)?,
        ))
    }

    /// Deletes an automation (softly).
    async fn delete_automation(
        &self,
        ctx: &Context<'_>,
        id: Uuid,
    ) -> GraphResult<KairoDeletePayload> {
        let id = automation::delete(kairo_ctx(ctx), id)
            .await
            .map_err(GraphError::from)?;
        Ok(KairoDeletePayload { id })
    }

    /// Starts a run of an ACTIVE automation, held by the caller under a lease; the
    /// automation's `executionCount` and `lastExecutedAt` move with it.
    async fn start_automation_run(
        &self,
        ctx: &Context<'_>,
        automation_id: Uuid,
    ) -> GraphResult<KairoAutomationRunPayload> {
        Ok(run_payload(
            run::start(kairo_ctx(ctx), automation_id)
                .await
                .map_err(GraphError::from)?,
        ))
    }

    /// Extends the lease of a run the caller holds (a run without heartbeats fails when its
    /// lease runs out).
    async fn heartbeat_automation_run(
        &self,
        ctx: &Context<'_>,
        id: Uuid,
    ) -> GraphResult<KairoAutomationRunPayload> {
        Ok(run_payload(
            run::heartbeat(kairo_ctx(ctx), id)
                .await
                .map_err(GraphError::from)?,
        ))
    }

    /// Reports a run's end: SUCCESS or FAILED, once, by the holder of its lease.
    async fn finish_automation_run(
        &self,
        ctx: &Context<'_>,
        input: FinishKairoAutomationRunInput,
    ) -> GraphResult<KairoAutomationRunPayload> {
        let report = RunReport {
            status: input.status,
            logs: input.logs.map(|l| l.0),
            error: input.error,
        };
        Ok(run_payload(
            run::finish(kairo_ctx(ctx), input.id, report)
                .await
                .map_err(GraphError::from)?,
        ))
    }
}
