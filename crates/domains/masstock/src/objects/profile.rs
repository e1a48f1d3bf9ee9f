use async_graphql::Object;
use chrono::{DateTime, Utc};
use studiogate_entities_masstock::masstock_profiles as profiles;
use studiogate_graph::error::GraphResult;
use uuid::Uuid;

use super::utc;
use crate::enums::Status;

/// A person of MasStock (the spec's `users`): the profile of an account.
pub struct MasstockProfile(pub profiles::Model);

/// A person of MasStock (the spec's `users`): the profile of an account.
#[Object]
impl MasstockProfile {
    /// Account id.
    async fn id(&self) -> Uuid {
        self.0.id
    }

    /// Email address.
    async fn email(&self) -> &str {
        &self.0.email
    }

    /// Full name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// `ACTIVE`, or a soft delete: a suspended or deleted user sees and writes nothing.
    async fn status(&self) -> GraphResult<Status> {
        Ok(Status::from_db(&self.0.status)?)
    }

    /// When the profile was created.
    async fn created_at(&self) -> DateTime<Utc> {
        utc(self.0.created_at)
    }

    /// When the profile was last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        utc(self.0.updated_at)
    }

    /// The last sign-in.
    async fn last_login(&self) -> Option<DateTime<Utc>> {
        self.0.last_login.map(utc)
    }
}
