//! Identity mutations. Each takes one `input` object and returns a payload.

use async_graphql::{Context, InputObject, Object, SimpleObject};
use std::sync::Arc;
use studiogate_graph::error::GraphResult;
use studiogate_graph::GraphError;
use uuid::Uuid;

use crate::service::{self, Issued};
use crate::status::{self, AccountStatus};
use crate::IdentityCtx;

#[derive(Default)]
pub struct IdentityMutation;

/// A new account.
#[derive(InputObject)]
pub struct SignUpInput {
    /// Sign-in e-mail; stored trimmed and lower-cased, unique.
    pub email: String,
    /// At least 10 characters and not one of the 1000 most common passwords.
    pub password: String,
    /// Display name, 2-100 characters.
    pub full_name: String,
}

/// Credentials of an existing account.
#[derive(InputObject)]
pub struct SignInInput {
    pub email: String,
    pub password: String,
}

/// A refresh token from `signIn`, `signUp` or a previous `refreshSession`.
#[derive(InputObject)]
pub struct RefreshSessionInput {
    pub refresh_token: String,
}

/// Which sessions to end.
#[derive(InputObject, Default)]
pub struct SignOutInput {
    /// End every session of the account, not only the current one.
    #[graphql(default)]
    pub all_sessions: bool,
}

/// A password change.
#[derive(InputObject)]
pub struct ChangePasswordInput {
    pub current_password: String,
    /// The same rules as at sign-up.
    pub new_password: String,
}

/// An account's new status.
#[derive(InputObject)]
pub struct SetAccountStatusInput {
    pub account_id: Uuid,
    pub status: AccountStatus,
}

/// The account's status as it now is.
#[derive(SimpleObject)]
pub struct SetAccountStatusPayload {
    pub account_id: Uuid,
    pub status: AccountStatus,
}

/// Credentials of a signed-in session.
#[derive(SimpleObject)]
pub struct AuthPayload {
    /// Short-lived bearer token for the `Authorization` header.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// Single-use token for `refreshSession`; a new one comes back each time.
    pub refresh_token: String,
    /// The signed-in account.
    pub account_id: Uuid,
    /// The session these tokens belong to.
    pub session_id: Uuid,
}

/// Sessions ended by `signOut`.
#[derive(SimpleObject)]
pub struct SignOutPayload {
    /// How many sessions were revoked.
    pub revoked_sessions: u64,
}

/// The result of `changePassword`.
#[derive(SimpleObject)]
pub struct ChangePasswordPayload {
    /// Other sessions of the account, revoked because the password changed.
    pub revoked_sessions: u64,
}

fn identity<'a>(ctx: &Context<'a>) -> &'a Arc<IdentityCtx> {
    ctx.data_unchecked::<Arc<IdentityCtx>>()
}

fn payload(ctx: &IdentityCtx, issued: Issued) -> AuthPayload {
    AuthPayload {
        access_token: issued.access_token,
        token_type: "Bearer",
        expires_in: ctx.config.access_ttl.as_secs() as i64,
        refresh_token: issued.refresh_token,
        account_id: issued.account_id,
        session_id: issued.session_id,
    }
}

#[Object]
impl IdentityMutation {
    /// Creates an account (and its profile) and signs it in.
    async fn sign_up(&self, ctx: &Context<'_>, input: SignUpInput) -> GraphResult<AuthPayload> {
        let id = identity(ctx);
        let issued = service::sign_up(id, &input.email, &input.password, &input.full_name)
            .await
            .map_err(GraphError::from)?;
        Ok(payload(id, issued))
    }

    /// Signs in. A wrong password, an unknown e-mail and an inactive account get the same
    /// answer. Five failures in a row for one e-mail from one address hold that pair off
    /// (RATE_LIMITED, reason SIGN_IN_THROTTLED, with `retryAfter`), doubling per further
    /// failure; other addresses are not held.
    async fn sign_in(&self, ctx: &Context<'_>, input: SignInInput) -> GraphResult<AuthPayload> {
        let id = identity(ctx);
        let issued = service::sign_in(id, &input.email, &input.password)
            .await
            .map_err(GraphError::from)?;
        Ok(payload(id, issued))
    }

    /// Trades a refresh token for new tokens. Each refresh token works once; using one again
    /// revokes the whole session. An inactive account's refresh is refused (its current
    /// access token keeps working until it expires).
    async fn refresh_session(
        &self,
        ctx: &Context<'_>,
        input: RefreshSessionInput,
    ) -> GraphResult<AuthPayload> {
        let id = identity(ctx);
        let issued = service::refresh(id, &input.refresh_token)
            .await
            .map_err(GraphError::from)?;
        Ok(payload(id, issued))
    }

    /// Ends the current session (or all of them). Their access tokens stop working with them:
    /// at once on this server, within 10 s on other replicas.
    async fn sign_out(
        &self,
        ctx: &Context<'_>,
        #[graphql(default)] input: SignOutInput,
    ) -> GraphResult<SignOutPayload> {
        let revoked_sessions = service::sign_out(identity(ctx), input.all_sessions)
            .await
            .map_err(GraphError::from)?;
        Ok(SignOutPayload { revoked_sessions })
    }

    /// Makes an account active or inactive (platform admins of Studios only; FORBIDDEN for
    /// everyone else). An inactive account cannot sign in and its refresh tokens are refused;
    /// an access token it already holds works until it expires (`expiresIn`, 15 minutes by
    /// default). An admin cannot deactivate their own account (BAD_USER_INPUT).
    async fn set_account_status(
        &self,
        ctx: &Context<'_>,
        input: SetAccountStatusInput,
    ) -> GraphResult<SetAccountStatusPayload> {
        let status = status::set(identity(ctx), input.account_id, input.status)
            .await
            .map_err(GraphError::from)?;
        Ok(SetAccountStatusPayload {
            account_id: input.account_id,
            status,
        })
    }

    /// Changes the password; every other session of the account ends.
    async fn change_password(
        &self,
        ctx: &Context<'_>,
        input: ChangePasswordInput,
    ) -> GraphResult<ChangePasswordPayload> {
        let revoked_sessions =
            service::change_password(identity(ctx), &input.current_password, &input.new_password)
                .await
                .map_err(GraphError::from)?;
        Ok(ChangePasswordPayload { revoked_sessions })
    }
}
