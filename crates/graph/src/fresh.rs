//! Fresh per-operation data for long-lived connections. Over HTTP every request builds its own
//! loaders and membership cache; a websocket runs many operations, and a subscription resolves
//! each event as an operation of its own. The gateway extension gives each of them data built at that
//! moment (fresh loaders, memberships read again), so a member revoked mid-subscription is
//! seen as revoked at the next event.

use async_graphql::Data;
use std::sync::Arc;

/// Builds the data of one operation; put it in a connection's data.
#[derive(Clone)]
pub struct FreshData(Arc<dyn Fn() -> Data + Send + Sync>);

impl FreshData {
    pub fn new(build: impl Fn() -> Data + Send + Sync + 'static) -> Self {
        Self(Arc::new(build))
    }

    /// The data of the operation (or subscription event) about to run; the gateway extension
    /// ([`crate::gateway`]) runs it with this data, which shadows what the connection holds.
    pub(crate) fn build(&self) -> Data {
        (self.0)()
    }
}
