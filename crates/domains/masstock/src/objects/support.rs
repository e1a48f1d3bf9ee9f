use async_graphql::{Context, Object};
use chrono::{DateTime, Utc};
use studiogate_entities_masstock::masstock_support_tickets as tickets;
use studiogate_graph::error::GraphResult;
use studiogate_graph::GraphError;
use uuid::Uuid;

use super::{utc, MasstockClient, MasstockProfile};
use crate::enums::{TicketPriority, TicketStatus};
use crate::loader::loaders;

/// A support ticket a member opened for their client.
pub struct MasstockSupportTicket(pub tickets::Model);

/// A support ticket a member opened for their client.
#[Object]
impl MasstockSupportTicket {
    /// Ticket id.
    async fn id(&self) -> Uuid {
        self.0.id
    }

    /// Subject line.
    async fn subject(&self) -> &str {
        &self.0.subject
    }

    /// What the problem is.
    async fn description(&self) -> &str {
        &self.0.description
    }

    /// `OPEN -> IN_PROGRESS -> RESOLVED -> CLOSED`.
    async fn status(&self) -> GraphResult<TicketStatus> {
        Ok(TicketStatus::from_db(&self.0.status)?)
    }

    /// How urgent it is.
    async fn priority(&self) -> GraphResult<TicketPriority> {
        Ok(TicketPriority::from_db(&self.0.priority)?)
    }

    /// When it was opened.
    async fn created_at(&self) -> DateTime<Utc> {
        utc(self.0.created_at)
    }

    /// When it was last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        utc(self.0.updated_at)
    }

    /// The client it is for.
    async fn client(&self, ctx: &Context<'_>) -> GraphResult<MasstockClient> {
        loaders(ctx)
            .client
            .load_one(self.0.client_id)
            .await?
            .map(MasstockClient)
            .ok_or_else(|| GraphError::not_found("MasstockClient").into())
    }

    /// Who opened it.
    async fn user(&self, ctx: &Context<'_>) -> GraphResult<Option<MasstockProfile>> {
        let found = loaders(ctx).profile.load_one(self.0.user_id).await?;
        Ok(found.map(MasstockProfile))
    }
}
