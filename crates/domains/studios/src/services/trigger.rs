//! Runs a stage's workflow triggers for a card event, inside the caller's transaction.

use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseTransaction, QueryFilter, Set};
use serde_json::json;
use studiogate_entities_studios::{
    kanban_boards as boards, kanban_cards as cards, kanban_stages as stages,
    workflow_executions as executions, workflow_templates as templates, TenantScope,
};
use studiogate_graph::GraphError;
use uuid::Uuid;

use super::now;
use crate::context::StudiosCtx;
use crate::enums::ExecutionStatus;
use crate::events::StudiosEvent;
use crate::rules::execution::check_schema;
use crate::rules::fields::FieldValue;
use crate::rules::trigger::{self, Event, MAX_TRIGGERS_PER_STAGE};

/// Starts an execution for every trigger of `stage` that fires for `event`, at most
/// [`MAX_TRIGGERS_PER_STAGE`]; returns their events, to publish once the caller's transaction
/// has committed. `card` is the card as the change left it (its new stage and position after a
/// move). `scope` is the caller's, taken before its transaction began.
///
/// Each execution's input is checked against its template's input schema, as
/// `startWorkflowExecution` checks it: a trigger whose input does not validate refuses the
/// whole change with BAD_USER_INPUT (reason `TRIGGER_INPUT_INVALID`, the violations with
/// their JSON pointers), so the caller's transaction writes nothing.
pub async fn run(
    ctx: &StudiosCtx,
    txn: &DatabaseTransaction,
    scope: &TenantScope,
    stage: &stages::Model,
    card: &cards::Model,
    event: Event<'_>,
) -> Result<Vec<StudiosEvent>, GraphError> {
    let list = trigger::parse(&stage.workflow_triggers)?;
    let values: Vec<FieldValue> =
        serde_json::from_value(card.custom_fields.clone()).unwrap_or_default();
    let mut firing: Vec<_> = list
        .iter()
        .enumerate()
        .filter(|(_, t)| trigger::fires(t, &event, &values))
        .collect();
    // Stages written before the limit may hold more triggers than it allows; one change still
    // starts no more executions than a stage's allowed triggers could.
    if firing.len() > MAX_TRIGGERS_PER_STAGE {
        tracing::warn!(
            stage = %stage.id,
            firing = firing.len(),
            limit = MAX_TRIGGERS_PER_STAGE,
            "a stage holds more workflow triggers than allowed; only the first ones run"
        );
        firing.truncate(MAX_TRIGGERS_PER_STAGE);
    }
    if firing.is_empty() {
        return Ok(Vec::new());
    }
    let board = scope
        .kanban_boards()
        .filter(boards::Column::Id.eq(stage.board_id))
        .one(txn)
        .await?
        .ok_or_else(|| GraphError::not_found("KanbanBoard"))?;
    let (name, field) = match event {
        Event::Entered => ("stage_entry", "stageId"),
        Event::Left => ("stage_exit", "stageId"),
        Event::Changed(_) => ("attribute_change", "customFields"),
    };
    let input = json!({
        "event": name,
        "stage_id": stage.id,
        "card": {
            "id": card.id, "board_id": card.board_id, "stage_id": card.stage_id,
            "position": card.position, "title": card.title, "description": card.description,
            "assignee_id": card.assignee_id, "due_date": card.due_date,
            "custom_fields": card.custom_fields,
        },
    });
    let mut started = Vec::new();
    for (index, trigger) in firing {
        // A template retired from the catalog starts nothing.
        let Some(template) = studiogate_entities_studios::scope::templates(false)
            .filter(templates::Column::Id.eq(trigger.template_id))
            .one(txn)
            .await?
        else {
            continue;
        };
        check_schema("inputData", "input", &template.input_schema, &input)
            .map_err(|err| refused(err, stage, index, &template.name, field))?;
        let at = now();
        let row = executions::ActiveModel {
            id: Set(Uuid::new_v4()),
            studio_id: Set(board.studio_id),
            template_id: Set(template.id),
            user_id: Set(ctx.account_id()?),
            input_data: Set(input.clone()),
            output_data: Set(None),
            status: Set(ExecutionStatus::Pending.as_db().into()),
            activepieces_run_id: Set(None),
            started_at: Set(None),
            completed_at: Set(None),
            duration_seconds: Set(None),
            error_message: Set(None),
            retry_count: Set(0),
            logs: Set(json!([{ "at": at, "level": "info", "message": format!("created by a {name} trigger of stage {}", stage.name) }])),
            files_used: Set(json!([])),
            created_at: Set(at),
            lease_expires_at: Set(None),
            claimed_by: Set(None),
        }
        .insert(txn)
        .await?;
        started.push(StudiosEvent::execution(&row));
    }
    Ok(started)
}

/// The schema check's refusal, told as the card change's: which trigger of which stage could
/// not start, and why (the violations stay as they are, with their JSON pointers).
fn refused(
    err: GraphError,
    stage: &stages::Model,
    index: usize,
    template: &str,
    field: &str,
) -> GraphError {
    let why = err
        .violations
        .as_ref()
        .and_then(|v| v.as_array())
        .map(|list| {
            list.iter()
                .map(|v| {
                    let pointer = v["pointer"].as_str().unwrap_or("");
                    let message = v["message"].as_str().unwrap_or("");
                    format!("{pointer}: {message}")
                })
                .collect::<Vec<_>>()
                .join("; ")
        })
        .unwrap_or_default();
    tracing::info!(
        stage = %stage.id,
        trigger = index,
        template,
        violations = %why,
        "a stage trigger's input does not match its template's input schema; the card change is refused"
    );
    let message = format!(
        "Workflow trigger {index} of stage \"{}\" cannot start \"{template}\": the card does \
         not match the template's input schema ({why}); nothing was changed",
        stage.name
    );
    GraphError {
        message,
        field: Some(field.to_owned()),
        reason: Some("TRIGGER_INPUT_INVALID"),
        ..err
    }
}
