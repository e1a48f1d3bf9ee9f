//! Subscription fields of the KAIRO domain (prefixed: subscription fields cannot nest). Each
//! event is matched by id, then loaded through fresh loaders of the subscriber (profile read
//! again), so an event reaches only subscribers who may see its row when it is delivered.

use async_graphql::{Context, Subscription};
use futures_util::{FutureExt, Stream};
use std::sync::Arc;
use studiogate_graph::error::GraphResult;
use studiogate_graph::events::{deliveries, PerEvent};
use studiogate_graph::{GraphError, Policy, PolicyRegistry};
use uuid::Uuid;

use crate::context::{kairo_ctx, KairoCtx};
use crate::events::KairoEvent;
use crate::loader::Loaders;
use crate::objects::{KairoAutomationRun, KairoLead};

#[derive(Default)]
pub struct KairoSubscription;

/// The data one event is loaded with: the subscriber's context and loaders, built afresh.
type Fresh = Arc<(Arc<KairoCtx>, Loaders)>;

/// What the subscriptions of one connection share per event.
pub type SharedEvents = Arc<PerEvent<Fresh>>;

fn fresh_data(base: &Arc<KairoCtx>) -> impl Fn() -> Fresh + Send + Sync + 'static {
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

const FIELDS: &[&str] = &["kairoAutomationRunUpdated", "kairoLeadCreated"];

pub fn policies(p: &mut PolicyRegistry) {
    p.field("Subscription", FIELDS[0], Policy::TenantScoped)
        .field("KairoSubscription", FIELDS[0], Policy::TenantScoped)
        .field("Subscription", FIELDS[1], Policy::RoleChecked)
        .field("KairoSubscription", FIELDS[1], Policy::RoleChecked);
}

#[Subscription]
impl KairoSubscription {
    /// A run of the automation each time it starts or ends (reported, or failed when its
    /// lease ran out). Events of rows the viewer can no longer see are not delivered.
    async fn kairo_automation_run_updated(
        &self,
        ctx: &Context<'_>,
        automation_id: Uuid,
    ) -> async_graphql::Result<impl Stream<Item = GraphResult<KairoAutomationRun>>> {
        let base = kairo_ctx(ctx).clone();
        let fresh = Arc::new(base.fresh());
        if Loaders::new(&fresh)
            .automation
            .load_one(automation_id)
            .await?
            .is_none()
        {
            return Err(GraphError::not_found("KairoAutomation").into());
        }
        let matches = move |event: &KairoEvent| matches!(event, KairoEvent::Run { automation_id: a, .. } if *a == automation_id);
        let load = |data: Fresh, event| {
            async move {
                let KairoEvent::Run { id, .. } = event else {
                    return Ok(None);
                };
                Ok(data.1.run.load_one(id).await?.map(KairoAutomationRun))
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

    /// Every new lead, as it comes in (ADMIN and TEAM).
    async fn kairo_lead_created(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<impl Stream<Item = GraphResult<KairoLead>>> {
        let base = kairo_ctx(ctx).clone();
        base.fresh().staff_scope().await?;
        let matches = |event: &KairoEvent| matches!(event, KairoEvent::Lead { .. });
        let load = |data: Fresh, event| {
            async move {
                let KairoEvent::Lead { id } = event else {
                    return Ok(None);
                };
                Ok(data.1.lead.load_one(id).await?.map(KairoLead))
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
