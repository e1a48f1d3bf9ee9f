//! A domain is a plugin: one type that implements [`Domain`] brings its migrations, policies,
//! per-request data, account hooks, background jobs, extra routes, tenant keys, seed data and
//! event topics. The binary lists the domains once; the server and the schema take that list
//! and know no domain by name.

use async_graphql::Data;
use futures_util::future::BoxFuture;
use sea_orm::{DatabaseConnection, DatabaseTransaction, DbErr};
use sea_orm_migration::MigrationTrait;
use std::sync::Arc;
use uuid::Uuid;

use crate::{AuthError, EventBus, Metrics, PolicyRegistry, Viewer};

/// A domain's migrations, in the order they run.
pub type Migrations = fn() -> Vec<Box<dyn MigrationTrait>>;

/// A background task that runs for the life of the server (a lease sweeper, say). It must
/// loop on its own and never return while the server runs.
pub type Job = BoxFuture<'static, ()>;

/// Why seeding failed; seeding runs from the command line, where any error is reported whole.
pub type SeedError = Box<dyn std::error::Error + Send + Sync>;

/// What the server shares with every domain once it runs.
#[derive(Clone)]
pub struct Platform {
    /// The request pool: every statement on it counts as a request's statement.
    pub db: DatabaseConnection,
    /// A small pool for work outside requests (rate-limit lookups, background jobs), so it
    /// neither counts among a request's statements nor waits behind requests.
    pub background: DatabaseConnection,
    pub events: EventBus,
    pub metrics: Metrics,
    /// Every domain's account hooks, in the order of the domain list.
    pub account_hooks: AccountHookList,
}

/// The calling client, as the HTTP layer saw it (identity records it on sessions).
#[derive(Clone, Debug, Default)]
pub struct ClientInfo {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// Who is asking: what a domain needs to build its per-request data.
pub struct RequestInfo<'a> {
    pub viewer: &'a Viewer,
    pub client: &'a ClientInfo,
}

/// Turns the `Authorization` header (or `connection_init`'s) into a viewer. The identity
/// domain provides the one the server uses.
#[async_trait::async_trait]
pub trait Authenticate: Send + Sync + 'static {
    async fn viewer(&self, header: Option<&str>) -> Result<Viewer, AuthError>;
}

/// What other domains do when accounts come and go, inside the same transaction.
#[async_trait::async_trait]
pub trait AccountHooks: Send + Sync + 'static {
    /// A new account: a domain with profiles creates the account's profile here.
    async fn account_created(
        &self,
        txn: &DatabaseTransaction,
        account_id: Uuid,
        full_name: &str,
    ) -> Result<(), DbErr>;

    /// A successful sign-in.
    async fn signed_in(&self, txn: &DatabaseTransaction, account_id: Uuid) -> Result<(), DbErr>;
}

/// Every domain's hooks, run in order; the first failure fails the whole transaction.
#[derive(Clone, Default)]
pub struct AccountHookList(Arc<[Arc<dyn AccountHooks>]>);

impl AccountHookList {
    pub fn new(hooks: Vec<Arc<dyn AccountHooks>>) -> Self {
        Self(hooks.into())
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[async_trait::async_trait]
impl AccountHooks for AccountHookList {
    async fn account_created(
        &self,
        txn: &DatabaseTransaction,
        account_id: Uuid,
        full_name: &str,
    ) -> Result<(), DbErr> {
        for hook in self.0.iter() {
            hook.account_created(txn, account_id, full_name).await?;
        }
        Ok(())
    }

    async fn signed_in(&self, txn: &DatabaseTransaction, account_id: Uuid) -> Result<(), DbErr> {
        for hook in self.0.iter() {
            hook.signed_in(txn, account_id).await?;
        }
        Ok(())
    }
}

/// One product behind the gateway. Everything but the name, migrations and policies is
/// optional: the defaults add nothing.
#[async_trait::async_trait]
pub trait Domain: Send + Sync + 'static {
    /// Lower-case and unique (`studios`, `masstock`): it names the domain's crate, event topic
    /// and tenant rate-limit keys.
    fn name(&self) -> &'static str;

    /// The domain's migrations; they run after those of the domains listed before it.
    fn migrations(&self) -> Migrations;

    /// A policy for every field of the domain's types (the tenant guard refuses the rest).
    fn policies(&self) -> PolicyRegistry;

    /// Adds the domain's per-request data (contexts, fresh dataloaders). The same function
    /// serves an HTTP request, a websocket connection, each of its operations and each
    /// subscription event, so every transport sees the same data.
    fn request_data(&self, platform: &Platform, request: &RequestInfo<'_>, data: &mut Data);

    /// How viewers are authenticated; the identity domain provides it.
    fn authenticator(&self, _platform: &Platform) -> Option<Arc<dyn Authenticate>> {
        None
    }

    /// What the domain does when accounts are created or sign in.
    fn account_hooks(&self) -> Option<Arc<dyn AccountHooks>> {
        None
    }

    /// Tasks the server spawns at start and runs until it stops.
    fn jobs(&self, _platform: &Platform) -> Vec<Job> {
        Vec::new()
    }

    /// Routes beside /graphql (a signed file download, say); they go through the same
    /// observability and timeout layers.
    fn routes(&self, _platform: &Platform) -> axum::Router {
        axum::Router::new()
    }

    /// The tenants whose shared rate-limit budget an account's requests draw on (the
    /// companies it is an approved member of, say), read on the background pool.
    async fn tenants_of(
        &self,
        _db: &DatabaseConnection,
        _account: Uuid,
    ) -> Result<Vec<Uuid>, DbErr> {
        Ok(Vec::new())
    }

    /// Event topics the domain publishes on and subscribes to.
    fn topics(&self) -> &'static [&'static str] {
        &[]
    }

    /// Loads `studiogate seed --scale N` data into an empty database; the summary is merged
    /// into the command's JSON output.
    async fn seed(
        &self,
        _db: &DatabaseConnection,
        _scale: usize,
    ) -> Result<Option<serde_json::Value>, SeedError> {
        Ok(None)
    }

    /// Loads the small demo when the domain's tables are empty and names the account the
    /// start-up banner mints a token for.
    async fn demo(&self, _db: &DatabaseConnection) -> Result<Option<DemoAccount>, SeedError> {
        Ok(None)
    }

    /// Once every demo is loaded, the account the banner prints a token for (another domain's,
    /// maybe): a domain can open its own demo data to it, so the one demo token reaches it.
    async fn demo_account(
        &self,
        _db: &DatabaseConnection,
        _account: &DemoAccount,
    ) -> Result<(), SeedError> {
        Ok(())
    }
}

/// The account the demo's banner prints a token for.
pub struct DemoAccount {
    pub id: Uuid,
    /// Who it is, for the banner ("admin of Company 000").
    pub description: String,
}

/// The domains, in the order they were listed.
pub type Domains = Arc<[Arc<dyn Domain>]>;

/// Each domain's policies merged into one registry.
pub fn policies(domains: &[Arc<dyn Domain>]) -> PolicyRegistry {
    let mut registry = PolicyRegistry::default();
    for domain in domains {
        registry.merge(domain.policies());
    }
    registry
}

/// Every domain's topics, for the event bus.
pub fn topics(domains: &[Arc<dyn Domain>]) -> Vec<&'static str> {
    domains
        .iter()
        .flat_map(|d| d.topics().iter().copied())
        .collect()
}
