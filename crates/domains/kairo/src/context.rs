//! Per-request state of the KAIRO domain: the viewer, their KAIRO profile (read at most once
//! per request) and the scope derived from it.

use async_graphql::Context;
use sea_orm::{DatabaseConnection, Select};
use std::sync::Arc;
use studiogate_entities_kairo::{
    kairo_assets, kairo_automation_runs, kairo_automations, kairo_companies, kairo_leads,
    kairo_profiles, kairo_projects, kairo_services, scope, Access, KairoScope,
};
use studiogate_graph::loader::Visible;
use studiogate_graph::{GraphError, MembershipCache, Topic, Viewer};
use uuid::Uuid;

use crate::enums::KairoRole;

pub struct KairoCtx {
    pub db: DatabaseConnection,
    pub viewer: Viewer,
    /// Where committed changes are announced to subscriptions.
    pub events: Topic,
    pub files: Arc<studiogate_platform::FileStore>,
    /// The caller's address and what the domain shares between requests.
    pub client: Client,
    /// The viewer's own profile (zero or one row), loaded on first use.
    profile: MembershipCache<kairo_profiles::Model>,
}

/// What a request brings besides its viewer.
#[derive(Clone)]
pub struct Client {
    /// The caller's address, as the HTTP layer saw it (the key of the lead rate limit).
    pub ip: Option<String>,
    /// The lead rate limiter every request shares.
    pub leads: Arc<crate::services::lead::LeadLimiter>,
    /// How long a run holds without a heartbeat.
    pub lease: std::time::Duration,
}

impl KairoCtx {
    pub fn new(
        db: DatabaseConnection,
        viewer: Viewer,
        events: Topic,
        files: Arc<studiogate_platform::FileStore>,
        client: Client,
    ) -> Self {
        Self {
            db,
            viewer,
            events,
            files,
            client,
            profile: MembershipCache::default(),
        }
    }

    /// The same viewer with nothing cached (for each subscription event).
    pub fn fresh(&self) -> Self {
        Self::new(
            self.db.clone(),
            self.viewer.clone(),
            self.events.clone(),
            self.files.clone(),
            self.client.clone(),
        )
    }

    pub fn account_id(&self) -> Result<Uuid, GraphError> {
        self.viewer
            .account_id
            .ok_or_else(GraphError::unauthenticated)
    }

    /// The viewer's profile; one statement, then cached for the request.
    pub async fn profile(&self) -> Result<Option<kairo_profiles::Model>, GraphError> {
        let account_id = self.account_id()?;
        let load = || async move {
            scope::own_profile(account_id)
                .one(&self.db)
                .await
                .map(|p| p.into_iter().collect::<Vec<_>>())
        };
        Ok(self.profile.get_or_load(load).await?.first().cloned())
    }

    /// After a mutation changed the viewer's own profile.
    pub async fn forget_profile(&self) {
        self.profile.forget().await;
    }

    /// The viewer's KAIRO role. An operator's `platform_roles` grant for `kairo` makes an
    /// ADMIN (how the first ADMIN is made); otherwise the profile's role; an account without a
    /// profile is a CLIENT of no company. Service tokens are nobody's staff.
    pub async fn role(&self) -> Result<Option<KairoRole>, GraphError> {
        if !self.viewer.is_authenticated() {
            return Ok(None);
        }
        if self.viewer.is_platform_admin(crate::DOMAIN) {
            return Ok(Some(KairoRole::Admin));
        }
        let role = match self.profile().await? {
            Some(p) => KairoRole::from_db(&p.role)?,
            None => KairoRole::Client,
        };
        let service = self.viewer.role == studiogate_graph::PlatformRole::Service;
        Ok(Some(if service { KairoRole::Client } else { role }))
    }

    /// What the viewer sees.
    pub async fn scope(&self) -> Result<KairoScope, GraphError> {
        let access = match self.role().await? {
            None => Access::Public,
            Some(KairoRole::Admin | KairoRole::Team) => Access::Staff,
            Some(KairoRole::Client) => Access::Client {
                company: self.profile().await?.and_then(|p| p.company_id),
            },
        };
        Ok(KairoScope {
            account_id: self.viewer.account_id,
            access,
        })
    }

    /// The scope of a signed-in viewer (writes need one).
    pub async fn signed_in_scope(&self) -> Result<KairoScope, GraphError> {
        self.account_id()?;
        self.scope().await
    }

    /// The scope of ADMIN or TEAM; anyone else is refused.
    pub async fn staff_scope(&self) -> Result<KairoScope, GraphError> {
        let scope = self.signed_in_scope().await?;
        if scope.is_staff() {
            Ok(scope)
        } else {
            Err(GraphError::forbidden())
        }
    }
}

/// The domain's per-request data, as resolvers reach it.
pub fn kairo_ctx<'a>(ctx: &Context<'a>) -> &'a Arc<KairoCtx> {
    ctx.data_unchecked::<Arc<KairoCtx>>()
}

/// Each entity's visible rows come from the matching [`KairoScope`] select.
macro_rules! visible {
    ($($entity:ident => $scope:ident),+ $(,)?) => {$(
        #[async_trait::async_trait]
        impl Visible<$entity::Entity> for KairoCtx {
            fn db(&self) -> &DatabaseConnection {
                &self.db
            }
            async fn visible(&self) -> Result<Select<$entity::Entity>, GraphError> {
                Ok(self.scope().await?.$scope())
            }
        }
    )+};
}

visible!(
    kairo_companies => companies,
    kairo_profiles => profiles,
    kairo_projects => projects,
    kairo_automations => automations,
    kairo_automation_runs => runs,
    kairo_assets => assets,
    kairo_leads => leads,
    kairo_services => services,
);
