//! GraphQL objects. Each wraps an entity model; fields are chosen one by one, so no column
//! (such as an execution's sealed API key) reaches the API by accident.

mod client;
mod execution;
mod profile;
mod support;
mod workflow;

pub use client::{MasstockClient, MasstockClientMember};
pub use execution::{MasstockBatchResult, MasstockWorkflowExecution};
pub use profile::MasstockProfile;
pub use support::MasstockSupportTicket;
pub use workflow::{MasstockWorkflow, MasstockWorkflowRequest, MasstockWorkflowTemplate};

use async_graphql::Context;
use chrono::{DateTime, FixedOffset, Utc};
use studiogate_graph::error::GraphResult;
use studiogate_graph::loader::paged_connection;
use studiogate_graph::pagination::ListConnection;
use studiogate_graph::{Cursor, ListOrder, PageArgs};
use uuid::Uuid;

use crate::loader::Paging;

/// Every timestamp leaves the API in UTC.
pub(crate) fn utc(at: DateTime<FixedOffset>) -> DateTime<Utc> {
    at.with_timezone(&Utc)
}

pub fn cursor(at: DateTime<FixedOffset>, id: Uuid) -> Cursor {
    Cursor { at, id }
}

/// `first`, `after` and `order` of a connection field.
pub type Page = (Option<i32>, Option<String>, Option<ListOrder>);

/// A child connection of `parent` through `paging`.
pub async fn children<E, N>(
    ctx: &Context<'_>,
    paging: &Paging<E>,
    parent: Uuid,
    (first, after, order): Page,
    cursor: fn(&E::Model) -> Cursor,
    node: fn(E::Model) -> N,
) -> GraphResult<ListConnection<N>>
where
    E: sea_orm::EntityTrait,
    E::Model: Clone + Send + Sync + sea_orm::FromQueryResult,
    N: async_graphql::OutputType,
{
    paged_connection(
        ctx,
        &paging.pages,
        &paging.counts,
        parent,
        PageArgs::parse(first, after, order)?,
        (),
        cursor,
        node,
    )
    .await
}
