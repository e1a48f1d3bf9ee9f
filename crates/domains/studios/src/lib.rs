//! The Studios platform (specs/studios.md): companies own studios, studios run workflow
//! executions, executions use files; kanban boards organise work inside a studio.

mod analytics;
mod context;
mod enums;
mod events;
mod hooks;
mod loaders;
mod mutation;
mod objects;
mod policies;
mod query;
mod rules;
mod services;
mod storage;
mod subscription;
mod template_rules;
mod usage;

use async_graphql::{Data, Request};
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use studiogate_graph::{EventBus, Viewer};

pub use context::StudiosCtx;
pub use enums::*;
pub use events::{KanbanChange, StudiosEvent};
pub use hooks::ProfileHooks;
pub use loaders::Loaders;
pub use mutation::StudiosMutation;
pub use policies::policies;
pub use query::StudiosQuery;
pub use services::files::{download, Download};
pub use services::runner::expire_leases;
pub use storage::FileStore;
pub use subscription::StudiosSubscription;

/// What the domain needs per request or per operation.
#[derive(Clone)]
pub struct Services {
    pub db: DatabaseConnection,
    pub files: Arc<FileStore>,
    pub events: EventBus,
    /// How long a runner's claim holds without a heartbeat.
    pub lease: std::time::Duration,
}

impl Services {
    fn ctx(&self, viewer: &Viewer) -> Arc<StudiosCtx> {
        Arc::new(StudiosCtx::new(
            self.db.clone(),
            viewer.clone(),
            self.files.clone(),
            self.events.clone(),
            self.lease,
        ))
    }
}

/// Attaches this domain's per-request state (memberships cache, fresh dataloaders).
pub fn request_data(request: Request, services: &Services, viewer: &Viewer) -> Request {
    let ctx = services.ctx(viewer);
    let loaders = Loaders::new(&ctx);
    request.data(ctx).data(loaders)
}

/// The same state for one operation of a long-lived connection (or one subscription event).
pub fn operation_data(data: &mut Data, services: &Services, viewer: &Viewer) {
    let ctx = services.ctx(viewer);
    data.insert(Loaders::new(&ctx));
    data.insert(ctx);
}
