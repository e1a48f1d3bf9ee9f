//! Shared GraphQL machinery. Nothing here knows a domain by name: domains bring their own
//! objects, loaders and policies and plug them into these parts through [`Domain`].

pub mod date;
pub mod db_enum;
pub mod domain;
pub mod error;
pub mod events;
pub mod fresh;
pub mod gateway;
pub mod limits;
pub mod loader;
pub mod metrics;
pub mod pagination;
mod parsed;
pub mod plain;
pub mod policy;
pub mod schema;
pub mod telemetry;
pub mod tenant;
pub mod txn;
pub mod viewer;

pub use date::Date;
pub use domain::{
    AccountHookList, AccountHooks, Authenticate, ClientInfo, DemoAccount, Domain, Domains, Job,
    Migrations, Platform, RequestInfo, SeedError,
};
pub use error::{ErrorCode, GraphError};
pub use events::{EventBus, Topic};
pub use fresh::FreshData;
pub use gateway::Gateway;
pub use limits::OperationLimits;
pub use metrics::Metrics;
pub use pagination::{Cursor, ListOrder, PageArgs};
pub use policy::{Policy, PolicyRegistry};
pub use schema::{NoSubscription, SchemaSettings};
pub use telemetry::{RequestId, RequestScope};
pub use tenant::{MembershipCache, Tenants};
pub use txn::{BeginWrite, WriteTxn};
pub use viewer::{bearer, AuthError, Claims, JwtKeys, PlatformRole, Viewer};
