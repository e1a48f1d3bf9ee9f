//! The Studios platform (specs/studios.md): companies own studios, studios run workflow
//! executions, executions use files; kanban boards organise work inside a studio.

mod analytics;
mod context;
mod enums;
mod hooks;
mod loaders;
mod mutation;
mod objects;
mod policies;
mod query;
mod rules;
mod services;
mod storage;
mod template_rules;
mod usage;

use async_graphql::Request;
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use studiogate_graph::Viewer;

pub use context::StudiosCtx;
pub use enums::*;
pub use hooks::ProfileHooks;
pub use loaders::Loaders;
pub use mutation::StudiosMutation;
pub use policies::policies;
pub use query::StudiosQuery;
pub use services::files::{download, Download};
pub use storage::FileStore;

/// Attaches this domain's per-request state (memberships cache, fresh dataloaders).
pub fn request_data(
    request: Request,
    db: &DatabaseConnection,
    viewer: &Viewer,
    files: &Arc<FileStore>,
) -> Request {
    let ctx = Arc::new(StudiosCtx::new(db.clone(), viewer.clone(), files.clone()));
    let loaders = Loaders::new(&ctx);
    request.data(ctx).data(loaders)
}
