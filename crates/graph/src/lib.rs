//! Shared GraphQL machinery. Nothing here knows a domain by name: domains bring their own
//! objects, loaders and policies and plug them into these parts.

pub mod db_enum;
pub mod error;
pub mod events;
pub mod fresh;
pub mod loader;
pub mod metrics;
pub mod pagination;
pub mod policy;
pub mod telemetry;
pub mod viewer;

pub use error::{ErrorCode, GraphError};
pub use events::EventBus;
pub use fresh::{FreshData, FreshDataExtension};
pub use metrics::Metrics;
pub use pagination::{Cursor, ListOrder, PageArgs};
pub use policy::{Policy, PolicyRegistry, TenantGuard};
pub use telemetry::{Observability, RequestId, RequestScope};
pub use viewer::{bearer, AuthError, Claims, JwtKeys, PlatformRole, Viewer};
