//! Subscription fields of MasStock (prefixed: subscription fields cannot nest). Each event is
//! matched by id, then loaded through fresh loaders of the subscriber (memberships read
//! again), so an event reaches only subscribers who may see its row when it is delivered.

use async_graphql::{Context, Subscription};
use futures_util::{FutureExt, Stream};
use std::sync::Arc;
use studiogate_graph::error::GraphResult;
use studiogate_graph::events::{deliveries, PerEvent};
use studiogate_graph::{GraphError, Policy, PolicyRegistry};
use uuid::Uuid;

use crate::context::{masstock_ctx, MasstockCtx};
use crate::events::MasstockEvent;
use crate::loader::Loaders;
use crate::objects::{MasstockBatchResult, MasstockWorkflowExecution};

#[derive(Default)]
pub struct MasstockSubscription;

/// The data one event is loaded with: the subscriber's context and loaders, built afresh.
type Fresh = Arc<(Arc<MasstockCtx>, Loaders)>;

/// What the subscriptions of one connection share per event.
pub type SharedEvents = Arc<PerEvent<Fresh>>;

const FIELDS: &[&str] = &["masstockExecutionUpdated", "masstockBatchResultUpdated"];

pub fn policies(p: &mut PolicyRegistry) {
    p.fields("Subscription", FIELDS, Policy::TenantScoped)
        // Each event resolves under the domain's own root type, so the guard sees that name.
        .fields("MasstockSubscription", FIELDS, Policy::TenantScoped);
}

fn fresh_data(base: &Arc<MasstockCtx>) -> impl Fn() -> Fresh + Send + Sync + 'static {
    let base = base.clone();
    move || {
        let fresh = Arc::new(base.fresh());
        let loaders = Loaders::new(&fresh);
        Arc::new((fresh, loaders))
    }
}

fn shared(ctx: &Context<'_>) -> SharedEvents {
    ctx.data_opt::<SharedEvents>().cloned().unwrap_or_default()
}

/// The execution `id`, if the subscriber may see it now.
async fn visible_execution(base: &Arc<MasstockCtx>, id: Uuid) -> Result<(), GraphError> {
    let fresh = Arc::new(base.fresh());
    match Loaders::new(&fresh).execution.loader().one(id).await? {
        Some(_) => Ok(()),
        None => Err(GraphError::not_found("MasstockWorkflowExecution")),
    }
}

#[Subscription]
impl MasstockSubscription {
    /// An execution each time it changes (created, claimed, progress, outcome, lease expiry):
    /// give `executionId` for one execution or `clientId` for every execution of a client.
    async fn masstock_execution_updated(
        &self,
        ctx: &Context<'_>,
        client_id: Option<Uuid>,
        execution_id: Option<Uuid>,
    ) -> async_graphql::Result<impl Stream<Item = GraphResult<MasstockWorkflowExecution>>> {
        let base = masstock_ctx(ctx).clone();
        match (client_id, execution_id) {
            (Some(id), None) => {
                let fresh = Arc::new(base.fresh());
                if Loaders::new(&fresh)
                    .client
                    .loader()
                    .one(id)
                    .await?
                    .is_none()
                {
                    return Err(GraphError::not_found("MasstockClient").into());
                }
            }
            (None, Some(id)) => visible_execution(&base, id).await?,
            _ => {
                return Err(GraphError::bad_input(
                    "clientId",
                    "Give exactly one of `clientId` and `executionId`",
                )
                .with_reason("ONE_OF")
                .into())
            }
        }
        let matches = move |event: &MasstockEvent| match event {
            MasstockEvent::Execution { id, client_id: c } => {
                Some(*id) == execution_id || Some(*c) == client_id
            }
            MasstockEvent::BatchResult { .. } => false,
        };
        let load = |fresh: Fresh, event| {
            async move {
                let MasstockEvent::Execution { id, .. } = event else {
                    return Ok(None);
                };
                let found = fresh.1.execution.load_one(id).await?;
                Ok(found.map(MasstockWorkflowExecution))
            }
            .boxed()
        };
        Ok(deliveries(
            &base.events,
            matches,
            fresh_data(&base),
            shared(ctx),
            load,
        ))
    }

    /// Each batch result of an execution as it progresses (`PROCESSING`, then `COMPLETED` or
    /// `FAILED`).
    async fn masstock_batch_result_updated(
        &self,
        ctx: &Context<'_>,
        execution_id: Uuid,
    ) -> async_graphql::Result<impl Stream<Item = GraphResult<MasstockBatchResult>>> {
        let base = masstock_ctx(ctx).clone();
        visible_execution(&base, execution_id).await?;
        let matches = move |event: &MasstockEvent| matches!(event, MasstockEvent::BatchResult { execution_id: e, .. } if *e == execution_id);
        let load = |fresh: Fresh, event| {
            async move {
                let MasstockEvent::BatchResult {
                    id, execution_id, ..
                } = event
                else {
                    return Ok(None);
                };
                let rows = fresh.1.results_by_execution.load_one(execution_id).await?;
                let row = rows.unwrap_or_default().into_iter().find(|r| r.id == id);
                Ok(row.map(MasstockBatchResult))
            }
            .boxed()
        };
        Ok(deliveries(
            &base.events,
            matches,
            fresh_data(&base),
            shared(ctx),
            load,
        ))
    }
}
