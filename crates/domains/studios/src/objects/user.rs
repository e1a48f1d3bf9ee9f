use async_graphql::{Context, Object};
use chrono::{DateTime, Utc};
use studiogate_entities_studios::{accounts, user_profiles};
use studiogate_graph::error::GraphResult;
use uuid::Uuid;

use super::{utc, Membership};
use crate::context::{loaders, studios_ctx};

/// A person's profile, visible to the people they share a company with.
pub struct User(pub user_profiles::Model);

/// A person's profile, visible to the people they share a company with.
#[Object]
impl User {
    /// Account id.
    async fn id(&self) -> Uuid {
        self.0.id
    }

    /// Display name.
    async fn full_name(&self) -> &str {
        &self.0.full_name
    }

    /// When the profile was created.
    async fn created_at(&self) -> DateTime<Utc> {
        utc(self.0.created_at)
    }

    /// Last sign-in time.
    async fn last_login_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_login_at.map(utc)
    }
}

/// The signed-in caller.
pub struct Viewer(pub accounts::Model);

/// The signed-in caller.
#[Object]
impl Viewer {
    /// Account id (the token's `sub`).
    async fn id(&self) -> Uuid {
        self.0.id
    }

    /// Sign-in e-mail, normalised.
    async fn email(&self) -> &str {
        &self.0.email
    }

    /// The viewer's profile.
    async fn profile(&self, ctx: &Context<'_>) -> GraphResult<Option<User>> {
        Ok(loaders(ctx).profile.load_one(self.0.id).await?.map(User))
    }

    /// The viewer's memberships of every status: requests, approvals, rejections, revocations.
    async fn memberships(&self, ctx: &Context<'_>) -> GraphResult<Vec<Membership>> {
        let rows = studios_ctx(ctx).memberships().await?;
        Ok(rows.iter().cloned().map(Membership).collect())
    }
}
