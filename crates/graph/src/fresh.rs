//! Fresh per-operation data for long-lived connections. Over HTTP every request builds its own
//! loaders and membership cache; a websocket runs many operations, and a subscription resolves
//! each event as an operation of its own. The gateway ([`crate::gateway`]) gives each of them
//! data built at that moment (fresh loaders, memberships read again), so a member revoked
//! mid-subscription is seen as revoked at the next event.

use async_graphql::Data;
use std::sync::Arc;

/// Fills the data of one operation; put it in the operation's request data.
#[derive(Clone)]
pub struct FreshData(Arc<dyn Fn(&mut Data) + Send + Sync>);

impl FreshData {
    pub fn new(fill: impl Fn(&mut Data) + Send + Sync + 'static) -> Self {
        Self(Arc::new(fill))
    }

    /// Puts the data of the operation (or subscription event) about to run into `data`, where
    /// it shadows what the connection holds.
    pub(crate) fn fill(&self, data: &mut Data) {
        (self.0)(data)
    }

    /// The [`FreshData`] a request carries, if any.
    pub(crate) fn of(data: &Data) -> Option<Self> {
        data.get(&std::any::TypeId::of::<Self>())
            .and_then(|d| d.downcast_ref::<Self>())
            .cloned()
    }
}
