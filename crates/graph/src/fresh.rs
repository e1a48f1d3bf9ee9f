//! Fresh per-operation data for long-lived connections. Over HTTP every request builds its own
//! loaders and membership cache; a websocket runs many operations, and a subscription resolves
//! each event as an operation of its own. This extension gives each of them data built at that
//! moment (fresh loaders, memberships read again), so a member revoked mid-subscription is
//! seen as revoked at the next event.

use async_graphql::extensions::{Extension, ExtensionContext, ExtensionFactory, NextExecute};
use async_graphql::{Data, Response};
use std::sync::Arc;

/// Builds the data of one operation; put it in a connection's data.
#[derive(Clone)]
pub struct FreshData(Arc<dyn Fn() -> Data + Send + Sync>);

impl FreshData {
    pub fn new(build: impl Fn() -> Data + Send + Sync + 'static) -> Self {
        Self(Arc::new(build))
    }
}

/// Runs every operation (and every subscription event) with the connection's [`FreshData`],
/// when it has one; the data shadows what the connection holds.
pub struct FreshDataExtension;

impl ExtensionFactory for FreshDataExtension {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(FreshDataExtension)
    }
}

#[async_trait::async_trait]
impl Extension for FreshDataExtension {
    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        match ctx.data_opt::<FreshData>() {
            Some(fresh) => next.run_with_data(ctx, operation_name, (fresh.0)()).await,
            None => next.run(ctx, operation_name).await,
        }
    }
}
