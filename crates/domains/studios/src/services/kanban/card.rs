//! Cards of a stage: created (which runs the stage's entry triggers), moved (within a stage
//! or to another stage of the board, which runs both stages' triggers), changed (a change of
//! custom fields runs the attribute triggers) and deleted, with every position kept 0..n-1.

use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseTransaction, QueryFilter, Set};
use studiogate_entities_studios::{
    kanban_cards as cards, kanban_stages as stages, user_companies, TenantScope,
};
use studiogate_graph::loader::{visible_row, Visible};
use studiogate_graph::{BeginWrite, GraphError};
use uuid::Uuid;

use super::field_definition::definitions;
use super::position::{card_order, lock_stages, write_card_orders, PARKING};
use super::{visible_board, visible_stage};
use crate::context::StudiosCtx;
use crate::enums::MembershipStatus;
use crate::error::StudiosError;
use crate::events::{publish, KanbanChange, StudiosEvent};
use crate::rules::fields::{self, FieldValue};
use crate::rules::kanban as rules;
use crate::rules::trigger::Event;
use crate::services::{fresh, now, require_admin, trigger, visible_studio};

pub async fn visible(ctx: &StudiosCtx, id: Uuid) -> Result<cards::Model, GraphError> {
    visible_row::<cards::Entity, _>(ctx, id, "KanbanCard").await
}

/// The fields of a new card.
pub struct NewCard {
    pub title: String,
    pub description: Option<String>,
    pub assignee_id: Option<Uuid>,
    pub due_date: Option<chrono::DateTime<chrono::FixedOffset>>,
    pub custom_fields: serde_json::Value,
    pub position: Option<i32>,
}

/// An assignee must be an approved member of the board's company.
async fn check_assignee(
    ctx: &StudiosCtx,
    stage: &stages::Model,
    assignee: Option<Uuid>,
) -> Result<(), GraphError> {
    let Some(assignee) = assignee else {
        return Ok(());
    };
    let board = visible_board(ctx, stage.board_id).await?;
    let studio = visible_studio(ctx, board.studio_id).await?;
    let member = Visible::<user_companies::Entity>::visible(ctx)
        .await?
        .filter(user_companies::Column::CompanyId.eq(studio.company_id))
        .filter(user_companies::Column::UserId.eq(assignee))
        .filter(user_companies::Column::Status.eq(MembershipStatus::Approved.as_db()))
        .one(&ctx.db)
        .await?;
    match member {
        Some(_) => Ok(()),
        None => Err(GraphError::bad_input(
            "assigneeId",
            "The assignee must be an approved member of the company",
        )),
    }
}

pub async fn create(
    ctx: &StudiosCtx,
    stage_id: Uuid,
    card: NewCard,
) -> Result<cards::Model, StudiosError> {
    let stage = visible_stage(ctx, stage_id).await?;
    let title = rules::card_title(&card.title)?;
    let position = rules::position(card.position)?;
    check_assignee(ctx, &stage, card.assignee_id).await?;
    let studio_id = visible_board(ctx, stage.board_id).await?.studio_id;
    let values = fields::check_values(&definitions(ctx, studio_id).await?, &card.custom_fields)?;
    let custom_fields = serde_json::to_value(values).map_err(|e| GraphError::internal(&e))?;
    let scope = ctx.scope().await?;
    let txn = ctx.db.begin_write().await?;
    lock_stages(&txn, &scope, vec![stage.id]).await?;
    let mut order = card_order(&txn, &scope, stage.id).await?;
    let id = Uuid::new_v4();
    cards::ActiveModel {
        id: Set(id),
        board_id: Set(stage.board_id),
        stage_id: Set(stage.id),
        title: Set(title),
        description: Set(card.description),
        position: Set(PARKING + order.len() as i32),
        assignee_id: Set(card.assignee_id),
        due_date: Set(card.due_date),
        custom_fields: Set(custom_fields),
        created_by: Set(ctx.account_id()?),
        created_at: Set(now()),
        updated_at: Set(now()),
    }
    .insert(&txn)
    .await?;
    rules::insert_at(&mut order, id, position);
    write_card_orders(&txn, &scope, &[(stage.id, &order)]).await?;
    // A card created straight into a stage enters it.
    let created = reread(&txn, &scope, id).await?;
    let mut started = trigger::run(ctx, &txn, &scope, &stage, &created, Event::Entered).await?;
    txn.commit().await?;
    started.push(StudiosEvent::card(
        stage.board_id,
        KanbanChange::CardCreated,
        id,
        stage.id,
    ));
    publish(&ctx.events, started).await;
    Ok(visible(ctx, id).await?)
}

/// The card as the caller's transaction sees it now.
async fn reread(
    txn: &DatabaseTransaction,
    scope: &TenantScope,
    id: Uuid,
) -> Result<cards::Model, GraphError> {
    scope
        .kanban_cards()
        .filter(cards::Column::Id.eq(id))
        .one(txn)
        .await?
        .ok_or_else(|| GraphError::not_found("KanbanCard"))
}

/// Moves a card to `position` of `stage_id` (its own stage or another of the same board).
pub async fn move_to(
    ctx: &StudiosCtx,
    card_id: Uuid,
    stage_id: Uuid,
    position: Option<i32>,
) -> Result<cards::Model, StudiosError> {
    let card = visible(ctx, card_id).await?;
    let target = visible_stage(ctx, stage_id).await?;
    if target.board_id != card.board_id {
        return Err(GraphError::bad_input(
            "stageId",
            "A card moves between stages of its own board",
        )
        .into());
    }
    let position = rules::position(position)?;
    let scope = ctx.scope().await?;
    let txn = ctx.db.begin_write().await?;
    lock_stages(&txn, &scope, vec![card.stage_id, target.id]).await?;
    // Read again under the lock: a concurrent move may have moved this card already.
    let source = reread(&txn, &scope, card.id).await?.stage_id;
    let mut from = card_order(&txn, &scope, source).await?;
    from.retain(|id| *id != card.id);
    if source == target.id {
        rules::insert_at(&mut from, card.id, position);
        write_card_orders(&txn, &scope, &[(target.id, &from)]).await?;
    } else {
        let mut to = card_order(&txn, &scope, target.id).await?;
        rules::insert_at(&mut to, card.id, position);
        write_card_orders(&txn, &scope, &[(source, &from), (target.id, &to)]).await?;
    }
    scope
        .update_kanban_cards()
        .col_expr(cards::Column::UpdatedAt, Expr::value(now()))
        .filter(cards::Column::Id.eq(card.id))
        .exec(&txn)
        .await?;
    let mut started = Vec::new();
    if source != target.id {
        // Both stages' triggers see the card where the move put it.
        let moved = reread(&txn, &scope, card.id).await?;
        let left = scope
            .kanban_stages()
            .filter(stages::Column::Id.eq(source))
            .one(&txn)
            .await?
            .ok_or_else(|| GraphError::not_found("KanbanStage"))?;
        started.extend(trigger::run(ctx, &txn, &scope, &left, &moved, Event::Left).await?);
        started.extend(trigger::run(ctx, &txn, &scope, &target, &moved, Event::Entered).await?);
    }
    txn.commit().await?;
    started.push(StudiosEvent::card(
        card.board_id,
        KanbanChange::CardMoved,
        card.id,
        target.id,
    ));
    publish(&ctx.events, started).await;
    Ok(visible(ctx, card.id).await?)
}

/// Deletes a card and closes the gap it leaves.
/// Its creator or an admin of its company may; anyone else who sees it gets FORBIDDEN.
pub async fn delete(ctx: &StudiosCtx, card_id: Uuid) -> Result<Uuid, StudiosError> {
    let card = visible(ctx, card_id).await?;
    if card.created_by != ctx.account_id()? {
        let board = visible_board(ctx, card.board_id).await?;
        let studio = visible_studio(ctx, board.studio_id).await?;
        match require_admin(ctx, studio.company_id).await {
            Err(StudiosError::NotAdmin) => {
                return Err(StudiosError::NotCreatorOrAdmin { what: "card" })
            }
            other => other?,
        }
    }
    let scope = ctx.scope().await?;
    let txn = ctx.db.begin_write().await?;
    lock_stages(&txn, &scope, vec![card.stage_id]).await?;
    scope
        .delete_kanban_cards()
        .filter(cards::Column::Id.eq(card.id))
        .exec(&txn)
        .await?;
    let order = card_order(&txn, &scope, card.stage_id).await?;
    write_card_orders(&txn, &scope, &[(card.stage_id, &order)]).await?;
    txn.commit().await?;
    let event = StudiosEvent::card(
        card.board_id,
        KanbanChange::CardDeleted,
        card.id,
        card.stage_id,
    );
    ctx.events.publish(&event).await;
    Ok(card.id)
}

/// Changes to a card; fields left out stay as they are.
#[derive(Default)]
pub struct CardChanges {
    pub title: Option<String>,
    pub description: Option<Option<String>>,
    pub assignee_id: Option<Option<Uuid>>,
    pub due_date: Option<Option<chrono::DateTime<chrono::FixedOffset>>>,
    pub custom_fields: Option<serde_json::Value>,
}

/// Updates a card; a change of custom fields runs the stage's attribute triggers.
pub async fn update(
    ctx: &StudiosCtx,
    card_id: Uuid,
    seen: Option<chrono::DateTime<chrono::Utc>>,
    changes: CardChanges,
) -> Result<cards::Model, StudiosError> {
    let card = visible(ctx, card_id).await?;
    fresh(seen, card.updated_at, "KanbanCard")?;
    let stage = visible_stage(ctx, card.stage_id).await?;
    let mut row: cards::ActiveModel = card.clone().into();
    if let Some(title) = &changes.title {
        row.title = Set(rules::card_title(title)?);
    }
    if let Some(description) = changes.description {
        row.description = Set(description);
    }
    if let Some(assignee) = changes.assignee_id {
        check_assignee(ctx, &stage, assignee).await?;
        row.assignee_id = Set(assignee);
    }
    if let Some(due) = changes.due_date {
        row.due_date = Set(due);
    }
    let mut changed_fields = Vec::new();
    if let Some(raw) = &changes.custom_fields {
        let studio_id = visible_board(ctx, stage.board_id).await?.studio_id;
        let new = fields::check_values(&definitions(ctx, studio_id).await?, raw)?;
        let old: Vec<FieldValue> =
            serde_json::from_value(card.custom_fields.clone()).unwrap_or_default();
        let value_of = |list: &[FieldValue], name: &str| {
            list.iter()
                .find(|v| v.field_name == name)
                .map(|v| v.field_value.clone())
        };
        for name in new.iter().chain(old.iter()).map(|v| v.field_name.clone()) {
            if value_of(&new, &name) != value_of(&old, &name) && !changed_fields.contains(&name) {
                changed_fields.push(name);
            }
        }
        row.custom_fields = Set(serde_json::to_value(new).map_err(|e| GraphError::internal(&e))?);
    }
    row.updated_at = Set(now());
    let scope = ctx.scope().await?;
    let txn = ctx.db.begin_write().await?;
    let result = scope
        .update_kanban_cards()
        .set(row)
        .filter(cards::Column::Id.eq(card.id))
        .filter(cards::Column::UpdatedAt.eq(card.updated_at))
        .exec(&txn)
        .await?;
    if result.rows_affected != 1 {
        return Err(StudiosError::Stale {
            entity: "KanbanCard",
        });
    }
    let updated = scope
        .kanban_cards()
        .filter(cards::Column::Id.eq(card.id))
        .one(&txn)
        .await?
        .ok_or_else(|| GraphError::not_found("KanbanCard"))?;
    let mut started = Vec::new();
    if !changed_fields.is_empty() {
        started = trigger::run(
            ctx,
            &txn,
            &scope,
            &stage,
            &updated,
            Event::Changed(&changed_fields),
        )
        .await?;
    }
    txn.commit().await?;
    started.push(StudiosEvent::card(
        updated.board_id,
        KanbanChange::CardUpdated,
        updated.id,
        updated.stage_id,
    ));
    publish(&ctx.events, started).await;
    Ok(updated)
}
