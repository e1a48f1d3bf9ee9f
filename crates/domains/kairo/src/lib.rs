//! KAIRO STUDIO (specs/kairo.md): public case-study projects and services, anonymous leads,
//! client companies with their automations (run on the shared job engine) and assets (in the
//! shared file store). Tenant: the company; roles ADMIN / TEAM (the studio's staff, who see
//! every company) and CLIENT (one company). See README.md for the choices made.

mod context;
mod enums;
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
pub mod seed;
mod services;
mod subscription;

use async_graphql::Data;
use sea_orm::{DatabaseConnection, PaginatorTrait};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use studiogate_entities_kairo::kairo_companies;
use studiogate_graph::{
    AccountHooks, DemoAccount, Domain, Job, Migrations, Platform, PolicyRegistry, RequestInfo,
    SeedError, Topic,
};
use studiogate_platform::FileStore;

pub use context::KairoCtx;
pub use enums::*;
pub use error::KairoError;
pub use events::KairoEvent;
pub use hooks::ProfileHooks;
pub use loader::Loaders;
pub use mutation::{KairoMutation, KairoMutationRoot};
pub use query::{KairoQuery, KairoQueryRoot};
pub use subscription::KairoSubscription;

/// The domain's roots, as the binary's schema merges them.
pub mod roots {
    pub type Query = crate::KairoQueryRoot;
    pub type Mutation = crate::KairoMutationRoot;
    pub type Subscription = crate::KairoSubscription;
}

/// The domain's name: its event topic, the `platform_roles.domain` that makes an ADMIN, and
/// the prefix of its tables and types.
pub const DOMAIN: &str = "kairo";
const TOPIC: &str = DOMAIN;

/// The KAIRO domain, with what it shares with the platform.
pub struct Kairo {
    files: Arc<FileStore>,
    /// Anonymous lead submissions, per client address.
    leads: Arc<services::lead::LeadLimiter>,
    /// How long a run holds without a heartbeat before the sweeper fails it.
    lease: Duration,
    sweep_every: Duration,
    /// Whether this start loaded the demo, which is then opened to the banner's account.
    demo_loaded: AtomicBool,
}

impl Kairo {
    pub fn new(files: Arc<FileStore>, lease: Duration, sweep_every: Duration) -> Self {
        Self {
            files,
            leads: Arc::new(services::lead::LeadLimiter::default()),
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
            .expect("the kairo topic is declared by Kairo::topics")
    }
}

#[async_trait::async_trait]
impl Domain for Kairo {
    fn name(&self) -> &'static str {
        DOMAIN
    }

    fn migrations(&self) -> Migrations {
        migration::kairo::migrations
    }

    fn policies(&self) -> PolicyRegistry {
        policies::policies()
    }

    /// The viewer's context (profile read at most once) and its dataloaders, built on first
    /// use.
    fn request_data(&self, platform: &Platform, request: &RequestInfo<'_>, data: &mut Data) {
        let ctx = Arc::new(KairoCtx::new(
            platform.db.clone(),
            request.viewer.clone(),
            Self::topic(platform),
            self.files.clone(),
            context::Client {
                ip: request.client.ip.clone(),
                leads: self.leads.clone(),
                lease: self.lease,
            },
        ));
        data.insert(loader::request_loaders(&ctx));
        data.insert(subscription::SharedEvents::default());
        data.insert(ctx);
    }

    fn account_hooks(&self) -> Option<Arc<dyn AccountHooks>> {
        Some(Arc::new(ProfileHooks))
    }

    /// The run sweeper: runs whose lease ran out without a heartbeat fail.
    fn jobs(&self, platform: &Platform) -> Vec<Job> {
        vec![Box::pin(services::run::sweep(
            platform.background.clone(),
            Self::topic(platform),
            self.sweep_every,
        ))]
    }

    /// `/kairo/assets/{id}`: an asset's bytes behind a signed link.
    fn routes(&self, platform: &Platform) -> axum::Router {
        routes::routes(platform.db.clone(), self.files.clone())
    }

    fn topics(&self) -> &'static [&'static str] {
        &[TOPIC]
    }

    async fn seed(
        &self,
        db: &DatabaseConnection,
        scale: usize,
    ) -> Result<Option<serde_json::Value>, SeedError> {
        let summary = seed::load(db, &seed::Shape::scale(scale)).await?;
        Ok(Some(serde_json::json!({ "kairo": summary })))
    }

    async fn demo(&self, db: &DatabaseConnection) -> Result<Option<DemoAccount>, SeedError> {
        #[expect(
            clippy::disallowed_methods,
            reason = "the demo loads at start-up, for no viewer: it counts every company only \
                      to see whether KAIRO's tables are empty"
        )]
        let empty = {
            use sea_orm::EntityTrait;
            kairo_companies::Entity::find().count(db).await? == 0
        };
        if empty {
            let summary = seed::load(db, &seed::Shape::demo()).await?;
            self.demo_loaded.store(true, Ordering::SeqCst);
            tracing::info!(
                companies = summary.companies.len(),
                "loaded the kairo demo dataset"
            );
        }
        Ok(None)
    }

    /// The banner's account (the Studios demo admin) is KAIRO's ADMIN in the demo, so the one
    /// demo token reads every part of KAIRO.
    async fn demo_account(
        &self,
        db: &DatabaseConnection,
        account: &DemoAccount,
    ) -> Result<(), SeedError> {
        if self.demo_loaded.load(Ordering::SeqCst) {
            seed::make_demo_admin(db, account.id).await?;
        }
        Ok(())
    }
}
