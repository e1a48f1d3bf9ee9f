//! Identity: studiogate as its own identity provider (sign-up, sign-in with backoff per
//! address and source, rotating refresh sessions whose access tokens die with them, password
//! changes, account status set by platform admins), and as a relying party for external
//! issuers whose keys come from a JWKS document (Supabase Auth and the like).

mod authenticator;
mod mutation;
mod objects;
pub mod password;
pub mod roles;
mod service;
mod sessions;
pub mod status;
mod throttle;
mod tokens;

use async_graphql::Data;
use sea_orm::DatabaseConnection;
use std::sync::Arc;
use std::time::Duration;
use studiogate_graph::{
    AccountHooks, Authenticate, ClientInfo, Domain, JwtKeys, Migrations, Platform, Policy,
    PolicyRegistry, RequestInfo, Viewer,
};

pub use authenticator::{Authenticator, JwksConfig};
pub use sessions::SessionCache;
pub use throttle::SignInThrottle;

/// The domain's roots, as the binary's schema merges them: mutations only.
pub mod roots {
    pub type Query = async_graphql::MergedObjectTail;
    pub type Mutation = crate::IdentityMutation;
    pub type Subscription = studiogate_graph::NoSubscription;
}
pub use mutation::IdentityMutation;
pub use objects::{sessions_of, Session};

/// What the identity provider needs to know, from the app's configuration.
#[derive(Clone)]
pub struct IdentityConfig {
    pub keys: JwtKeys,
    pub access_ttl: Duration,
    pub refresh_ttl: Duration,
    /// Failed sign-ins in a row, for one e-mail address from one source, before the pair is
    /// held off.
    pub lockout_threshold: i32,
    /// The first hold; each further failure doubles it (see [`throttle`]).
    pub lockout_window: Duration,
}

/// Everything identity mutations need per request.
pub struct IdentityCtx {
    pub db: DatabaseConnection,
    pub viewer: Viewer,
    pub client: ClientInfo,
    pub config: Arc<IdentityConfig>,
    pub hooks: Arc<dyn AccountHooks>,
    pub throttle: Arc<SignInThrottle>,
    pub sessions: Arc<SessionCache>,
}

/// The identity domain: accounts, sessions and the viewer's authentication.
pub struct Identity {
    config: Arc<IdentityConfig>,
    jwks: Option<JwksConfig>,
    throttle: Arc<SignInThrottle>,
    /// Shared by the authenticator (which asks) and the mutations (which revoke).
    sessions: Arc<SessionCache>,
}

impl Identity {
    pub fn new(config: IdentityConfig, jwks: Option<JwksConfig>) -> Self {
        let threshold = u32::try_from(config.lockout_threshold).unwrap_or(1);
        Self {
            throttle: Arc::new(SignInThrottle::new(threshold, config.lockout_window)),
            config: Arc::new(config),
            jwks,
            sessions: Arc::default(),
        }
    }
}

#[async_trait::async_trait]
impl Domain for Identity {
    fn name(&self) -> &'static str {
        "identity"
    }

    fn migrations(&self) -> Migrations {
        migration::identity::migrations
    }

    fn policies(&self) -> PolicyRegistry {
        policies()
    }

    fn request_data(&self, platform: &Platform, request: &RequestInfo<'_>, data: &mut Data) {
        data.insert(Arc::new(IdentityCtx {
            db: platform.db.clone(),
            viewer: request.viewer.clone(),
            client: request.client.clone(),
            config: self.config.clone(),
            hooks: Arc::new(platform.account_hooks.clone()),
            throttle: self.throttle.clone(),
            sessions: self.sessions.clone(),
        }));
    }

    fn authenticator(&self, platform: &Platform) -> Option<Arc<dyn Authenticate>> {
        Some(Arc::new(Authenticator::new(
            self.config.keys.clone(),
            self.jwks.clone(),
            platform.db.clone(),
            platform.background.clone(),
            Arc::new(platform.account_hooks.clone()),
            self.sessions.clone(),
        )))
    }
}

fn policies() -> PolicyRegistry {
    let mut p = PolicyRegistry::default();
    p.fields(
        "Mutation",
        &["signUp", "signIn", "refreshSession"],
        Policy::Public,
    )
    .fields(
        "Mutation",
        &["signOut", "changePassword"],
        Policy::Authenticated,
    )
    // Checked again by the service, which also refuses an admin's own deactivation.
    .field(
        "Mutation",
        "setAccountStatus",
        Policy::PlatformAdmin(status::ADMIN_DOMAIN),
    )
    .fields(
        "SetAccountStatusPayload",
        &["accountId", "status"],
        Policy::Inherit,
    )
    .fields(
        "AuthPayload",
        &[
            "accessToken",
            "tokenType",
            "expiresIn",
            "refreshToken",
            "accountId",
            "sessionId",
        ],
        Policy::Inherit,
    )
    .fields("SignOutPayload", &["revokedSessions"], Policy::Inherit)
    .fields(
        "ChangePasswordPayload",
        &["revokedSessions"],
        Policy::Inherit,
    )
    // Sessions are reached only through the viewer's own account.
    .fields(
        "Session",
        &[
            "id",
            "createdAt",
            "lastUsedAt",
            "expiresAt",
            "revokedAt",
            "ip",
            "userAgent",
            "current",
        ],
        Policy::Authenticated,
    );
    p
}
