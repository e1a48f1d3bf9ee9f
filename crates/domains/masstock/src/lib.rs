//! MasStock (specs/masstock.md): clients with owners and collaborators, a workflow template
//! catalog run by platform admins, workflows assigned to clients, workflow requests,
//! executions with one batch result per prompt run by runners through the shared job
//! engine, result images in the `workflow-results` bucket, support tickets and analytics.
//! See README.md for the choices made where the spec is silent or contradicts itself.

mod analytics;
mod context;
pub mod enums;
mod error;
mod events;
mod hooks;
mod loader;
mod mutation;
mod objects;
mod policies;
mod query;
mod routes;
mod rules;
pub mod secret;
pub mod seed;
mod services;
mod storage;
mod subscription;

use async_graphql::Data;
use sea_orm::{DatabaseConnection, DbErr, QuerySelect};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use studiogate_entities_masstock::{masstock_client_members as members, scope};
use studiogate_graph::{
    AccountHooks, DemoAccount, Domain, Job, Migrations, Platform, PolicyRegistry, RequestInfo,
    SeedError, Topic,
};
use studiogate_platform::FileStore;
use uuid::Uuid;

pub use context::MasstockCtx;
pub use error::MasstockError;
pub use events::MasstockEvent;
pub use hooks::ProfileHooks;
pub use loader::Loaders;
pub use mutation::{MasstockMutation, MasstockRootMutation};
pub use query::{MasstockQuery, MasstockRootQuery};
pub use secret::KeyRing;
pub use subscription::MasstockSubscription;

/// The domain's roots, as the binary's schema merges them.
pub mod roots {
    pub type Query = crate::MasstockRootQuery;
    pub type Mutation = crate::MasstockRootMutation;
    pub type Subscription = crate::MasstockSubscription;
}

/// The domain's name, which is also its event topic and the `platform_roles.domain` of its
/// platform administrators.
pub const DOMAIN: &str = "masstock";
const TOPIC: &str = DOMAIN;

/// The MasStock domain, with what it takes from configuration.
pub struct Masstock {
    files: Arc<FileStore>,
    keys: Arc<KeyRing>,
    /// How long a runner's claim holds without a heartbeat.
    lease: Duration,
    /// How often expired leases are swept.
    sweep_every: Duration,
    /// Whether this start loaded the demo (so the banner's account is let in).
    demo_loaded: AtomicBool,
}

impl Masstock {
    pub fn new(
        files: Arc<FileStore>,
        keys: KeyRing,
        lease: Duration,
        sweep_every: Duration,
    ) -> Self {
        Self {
            files,
            keys: Arc::new(keys),
            lease: lease.max(Duration::from_secs(1)),
            sweep_every: sweep_every.max(Duration::from_secs(1)),
            demo_loaded: AtomicBool::new(false),
        }
    }

    fn topic(platform: &Platform) -> Topic {
        // The server declares every domain's topics before any domain runs.
        platform
            .events
            .topic(TOPIC)
            .expect("the masstock topic is declared by Masstock::topics")
    }
}

#[async_trait::async_trait]
impl Domain for Masstock {
    fn name(&self) -> &'static str {
        DOMAIN
    }

    fn migrations(&self) -> Migrations {
        migration::masstock::migrations
    }

    fn policies(&self) -> PolicyRegistry {
        policies::policies()
    }

    /// The viewer's context (memberships read at most once) and its dataloaders, built on first
    /// use.
    fn request_data(&self, platform: &Platform, request: &RequestInfo<'_>, data: &mut Data) {
        let ctx = Arc::new(MasstockCtx::new(
            platform.db.clone(),
            request.viewer.clone(),
            self.files.clone(),
            self.keys.clone(),
            Self::topic(platform),
            self.lease,
        ));
        data.insert(loader::request_loaders(&ctx));
        data.insert(subscription::SharedEvents::default());
        data.insert(ctx);
    }

    fn account_hooks(&self) -> Option<Arc<dyn AccountHooks>> {
        Some(Arc::new(ProfileHooks))
    }

    /// The lease sweeper: executions whose runner stopped heartbeating go back to pending.
    fn jobs(&self, platform: &Platform) -> Vec<Job> {
        vec![Box::pin(services::runner::sweep(
            platform.background.clone(),
            Self::topic(platform),
            self.sweep_every,
        ))]
    }

    fn routes(&self, platform: &Platform) -> axum::Router {
        routes::routes(platform.db.clone(), self.files.clone())
    }

    /// The active clients the account is an active member of.
    async fn tenants_of(&self, db: &DatabaseConnection, account: Uuid) -> Result<Vec<Uuid>, DbErr> {
        scope::memberships_of(account)
            .select_only()
            .column(members::Column::ClientId)
            .into_tuple::<Uuid>()
            .all(db)
            .await
    }

    fn topics(&self) -> &'static [&'static str] {
        &[TOPIC]
    }

    async fn seed(
        &self,
        db: &DatabaseConnection,
        scale: usize,
    ) -> Result<Option<serde_json::Value>, SeedError> {
        let summary = seed::load(db, scale).await?;
        Ok(Some(serde_json::json!({ "masstock": summary })))
    }

    async fn demo(&self, db: &DatabaseConnection) -> Result<Option<DemoAccount>, SeedError> {
        if seed::demo(db).await? {
            self.demo_loaded.store(true, Ordering::SeqCst);
            tracing::info!("loaded the masstock demo dataset");
        }
        // The banner's account is the first domain's; `demo_account` opens ours to it.
        Ok(None)
    }

    /// The banner's demo account becomes an owner of the first demo client, when the demo
    /// was loaded by this start.
    async fn demo_account(
        &self,
        db: &DatabaseConnection,
        account: &DemoAccount,
    ) -> Result<(), SeedError> {
        if self.demo_loaded.load(Ordering::SeqCst) {
            seed::open_demo_to(db, account.id).await?;
        }
        Ok(())
    }
}
