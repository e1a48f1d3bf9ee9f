//! Identity: studiogate as its own identity provider (sign-up, sign-in with lockout, rotating
//! refresh sessions, password changes), and as a relying party for external issuers whose keys
//! come from a JWKS document (Supabase Auth and the like).

mod authenticator;
mod mutation;
mod objects;
pub mod password;
mod service;
mod tokens;

use async_graphql::Request;
use sea_orm::{DatabaseConnection, DatabaseTransaction, DbErr};
use std::sync::Arc;
use std::time::Duration;
use studiogate_graph::{JwtKeys, Policy, PolicyRegistry, Viewer};
use uuid::Uuid;

pub use authenticator::{Authenticator, JwksConfig};
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

/// What other domains do when accounts come and go, inside the same transaction.
#[async_trait::async_trait]
pub trait AccountHooks: Send + Sync + 'static {
    /// A new account: the Studios domain creates its profile here.
    async fn account_created(
        &self,
        txn: &DatabaseTransaction,
        account_id: Uuid,
        full_name: &str,
    ) -> Result<(), DbErr>;

    /// A successful sign-in.
    async fn signed_in(&self, txn: &DatabaseTransaction, account_id: Uuid) -> Result<(), DbErr>;
}

/// The calling client, as the HTTP layer saw it (recorded on sessions).
#[derive(Clone, Debug, Default)]
pub struct ClientInfo {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// Everything identity mutations need per request.
pub struct IdentityCtx {
    pub db: DatabaseConnection,
    pub viewer: Viewer,
    pub client: ClientInfo,
    pub config: Arc<IdentityConfig>,
    pub hooks: Arc<dyn AccountHooks>,
}

pub fn request_data(request: Request, ctx: IdentityCtx) -> Request {
    request.data(Arc::new(ctx))
}

pub fn policies() -> PolicyRegistry {
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
    .field("AuthPayload", "*", Policy::Inherit)
    .field("SignOutPayload", "*", Policy::Inherit)
    .field("ChangePasswordPayload", "*", Policy::Inherit)
    .field("Session", "*", Policy::Authenticated);
    p
}
