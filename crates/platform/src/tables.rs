//! The platform's own tables, brought in as a domain of their own (`platform`) so that the
//! one list of domains also says when they are migrated: first.

use async_graphql::Data;
use studiogate_graph::{Domain, Migrations, Platform, PolicyRegistry, RequestInfo};

/// The shared services' tables (the audit outbox); no API of its own.
pub struct SharedTables;

impl Domain for SharedTables {
    fn name(&self) -> &'static str {
        "platform"
    }

    fn migrations(&self) -> Migrations {
        migration::platform::migrations
    }

    fn policies(&self) -> PolicyRegistry {
        PolicyRegistry::default()
    }

    fn request_data(&self, _: &Platform, _: &RequestInfo<'_>, _: &mut Data) {}
}
