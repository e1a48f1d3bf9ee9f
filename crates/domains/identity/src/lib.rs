//! Identity: studiogate as its own identity provider (sign-up, sign-in with lockout, rotating
//! refresh sessions, password changes), and as a relying party for external issuers whose keys
//! come from a JWKS document (Supabase Auth and the like).

mod authenticator;
mod mutation;
mod objects;
pub mod password;
pub mod roles;
mod service;
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
    pub lockout_threshold: i32,
    pub lockout_window: Duration,
}

/// Everything identity mutations need per request.
pub struct IdentityCtx {
    pub db: DatabaseConnection,
    pub viewer: Viewer,
    pub client: ClientInfo,
    pub config: Arc<IdentityConfig>,
    pub hooks: Arc<dyn AccountHooks>,
}

/// The identity domain: accounts, sessions and the viewer's authentication.
pub struct Identity {
    config: Arc<IdentityConfig>,
    jwks: Option<JwksConfig>,
}

impl Identity {
    pub fn new(config: IdentityConfig, jwks: Option<JwksConfig>) -> Self {
        Self {
            config: Arc::new(config),
            jwks,
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
        }));
    }

    fn authenticator(&self, platform: &Platform) -> Option<Arc<dyn Authenticate>> {
        Some(Arc::new(Authenticator::new(
            self.config.keys.clone(),
            self.jwks.clone(),
            platform.db.clone(),
            platform.background.clone(),
            Arc::new(platform.account_hooks.clone()),
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
