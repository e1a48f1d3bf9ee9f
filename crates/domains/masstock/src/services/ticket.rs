//! Support tickets: any member opens one for their client; platform admins move it along
//! `OPEN -> IN_PROGRESS -> RESOLVED -> CLOSED` and set its priority.

use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, QueryFilter, Set};
use studiogate_entities_masstock::masstock_support_tickets as tickets;
use studiogate_graph::loader::visible_row;
use uuid::Uuid;

use super::{admin_scope, by_id, changed_meanwhile, member_of, now, updated_one};
use crate::context::MasstockCtx;
use crate::enums::{TicketPriority, TicketStatus};
use crate::error::MasstockError;
use crate::rules::{input, transition};

pub struct NewTicket {
    pub client_id: Uuid,
    pub subject: String,
    pub description: String,
    pub priority: Option<TicketPriority>,
}

pub async fn create(ctx: &MasstockCtx, new: NewTicket) -> Result<tickets::Model, MasstockError> {
    member_of(ctx, new.client_id).await?;
    let at = now();
    let row = tickets::ActiveModel {
        id: Set(Uuid::new_v4()),
        client_id: Set(new.client_id),
        user_id: Set(ctx.account_id()?),
        subject: Set(input::text("subject", &new.subject, 200)?),
        description: Set(input::text("description", &new.description, 5_000)?),
        status: Set(TicketStatus::Open.as_db().to_owned()),
        priority: Set(new
            .priority
            .unwrap_or(TicketPriority::Medium)
            .as_db()
            .to_owned()),
        created_at: Set(at),
        updated_at: Set(at),
    };
    Ok(row.insert(&ctx.db).await?)
}

pub async fn update(
    ctx: &MasstockCtx,
    id: Uuid,
    status: Option<TicketStatus>,
    priority: Option<TicketPriority>,
) -> Result<tickets::Model, MasstockError> {
    use tickets::Column as C;
    let scope = admin_scope(ctx)?;
    let row = visible_row::<tickets::Entity, _>(ctx, id, "MasstockSupportTicket").await?;
    let mut update =
        by_id(scope.update_tickets(), C::Id, id).col_expr(C::UpdatedAt, Expr::value(now()));
    if let Some(to) = status {
        let from = TicketStatus::from_db(&row.status)?;
        transition::ticket(from, to)?;
        update = update
            .filter(C::Status.eq(from.as_db()))
            .col_expr(C::Status, Expr::value(to.as_db()));
    }
    if let Some(priority) = priority {
        update = update.col_expr(C::Priority, Expr::value(priority.as_db()));
    }
    updated_one(&ctx.db, update, "MasstockSupportTicket")
        .await
        .map_err(changed_meanwhile("The support ticket"))
}
