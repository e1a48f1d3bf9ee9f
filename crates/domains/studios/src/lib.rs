//! The Studios platform (specs/studios.md): companies own studios, studios run workflow
//! executions, executions use files; kanban boards organise work inside a studio.

pub mod cleanup;
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
mod sweeper;

use async_graphql::Data;
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
};
use std::sync::Arc;
use std::time::Duration;
use studiogate_entities_studios::{accounts, scope, user_companies};
use studiogate_graph::{
    AccountHooks, DemoAccount, Domain, Job, Migrations, Platform, PolicyRegistry, RequestInfo,
    SeedError, Topic,
};
use studiogate_platform::FileStore;
use uuid::Uuid;

pub use context::StudiosCtx;
pub use enums::*;
pub use error::{Named, StudiosError};
pub use events::{KanbanChange, StudiosEvent};
pub use hooks::ProfileHooks;
pub use loader::Loaders;
pub use mutation::StudiosMutation;
pub use query::StudiosQuery;
pub use rules::file::{FileSettings, DEFAULT_QUOTA_BYTES};
pub use subscription::StudiosSubscription;

/// The domain's roots, as the binary's schema merges them.
pub mod roots {
    pub type Query = crate::StudiosQuery;
    pub type Mutation = crate::StudiosMutation;
    pub type Subscription = crate::StudiosSubscription;
}

/// The domain's name, which is also its event topic and the `platform_roles.domain` of its
/// platform administrators.
pub const DOMAIN: &str = "studios";
const TOPIC: &str = DOMAIN;

/// The Studios domain, with what it takes from configuration.
pub struct Studios {
    files: Arc<FileStore>,
    /// How long a runner's claim holds without a heartbeat.
    lease: Duration,
    /// How often expired leases are swept.
    sweep_every: Duration,
    /// The company quota and the cleanup of idle files.
    file_settings: FileSettings,
}

impl Studios {
    pub fn new(files: Arc<FileStore>, lease: Duration, sweep_every: Duration) -> Self {
        Self {
            files,
            lease: lease.max(Duration::from_secs(1)),
            sweep_every: sweep_every.max(Duration::from_secs(1)),
            file_settings: FileSettings::default(),
        }
    }

    /// With these file settings instead of the defaults.
    pub fn with_files(mut self, settings: FileSettings) -> Self {
        self.file_settings = settings;
        self
    }

    fn topic(platform: &Platform) -> Topic {
        // The server declares every domain's topics before any domain runs.
        platform
            .events
            .topic(TOPIC)
            .expect("the studios topic is declared by Studios::topics")
    }
}

#[async_trait::async_trait]
impl Domain for Studios {
    fn name(&self) -> &'static str {
        DOMAIN
    }

    fn migrations(&self) -> Migrations {
        migration::studios::migrations
    }

    fn policies(&self) -> PolicyRegistry {
        policies::policies()
    }

    /// The viewer's context (memberships read at most once) and its dataloaders, built on first
    /// use.
    fn request_data(&self, platform: &Platform, request: &RequestInfo<'_>, data: &mut Data) {
        let ctx = Arc::new(StudiosCtx::new(
            platform.db.clone(),
            request.viewer.clone(),
            self.files.clone(),
            Self::topic(platform),
            self.lease,
        ));
        data.insert(loader::request_loaders(&ctx));
        data.insert(self.file_settings);
        data.insert(subscription::SharedEvents::default());
        data.insert(context::Writer(Arc::new(ctx.writer())));
        data.insert(ctx);
    }

    fn account_hooks(&self) -> Option<Arc<dyn AccountHooks>> {
        Some(Arc::new(ProfileHooks))
    }

    /// The lease sweeper: executions whose runner stopped heartbeating go back to pending;
    /// and, when an idle time is set, the cleanup of idle files.
    fn jobs(&self, platform: &Platform) -> Vec<Job> {
        let mut jobs: Vec<Job> = vec![Box::pin(sweeper::sweep(
            platform.background.clone(),
            Self::topic(platform),
            self.sweep_every,
        ))];
        if let Some(idle) = self.file_settings.idle {
            jobs.push(Box::pin(cleanup::run(
                platform.background.clone(),
                self.files.clone(),
                idle,
                self.file_settings.cleanup_every.max(Duration::from_secs(1)),
            )));
        }
        jobs
    }

    fn routes(&self, platform: &Platform) -> axum::Router {
        routes::routes(platform.db.clone(), self.files.clone())
    }

    /// The companies the account is an approved member of.
    async fn tenants_of(&self, db: &DatabaseConnection, account: Uuid) -> Result<Vec<Uuid>, DbErr> {
        scope::memberships_of(account)
            .filter(user_companies::Column::Status.eq(MembershipStatus::Approved.as_db()))
            .select_only()
            .column(user_companies::Column::CompanyId)
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
        let summary = seed::load(db, &self.files, &seed::Shape::scale(scale)).await?;
        Ok(Some(serde_json::to_value(summary)?))
    }

    async fn demo(&self, db: &DatabaseConnection) -> Result<Option<DemoAccount>, SeedError> {
        #[expect(
            clippy::disallowed_methods,
            reason = "the demo loads at start-up, for no viewer: it counts every tenant's \
                      accounts only to see whether the database is empty"
        )]
        let empty = accounts::Entity::find().count(db).await? == 0;
        if empty {
            seed::load(db, &self.files, &seed::Shape::demo()).await?;
            tracing::info!("loaded the studios demo dataset");
        }
        let admin = seed::demo_admin();
        #[expect(
            clippy::disallowed_methods,
            reason = "the demo's own admin, by the fixed id the demo seeds it with, read at \
                      start-up for no viewer to name the account the banner prints a token for"
        )]
        let found = accounts::Entity::find_by_id(admin).one(db).await?;
        Ok(found.map(|account| DemoAccount {
            id: account.id,
            description: "admin of Company 000".to_owned(),
        }))
    }
}
