//! The viewer's own profile.

use async_graphql::{Context, InputObject, Object, SimpleObject};
use studiogate_graph::error::GraphResult;
use studiogate_graph::GraphError;

use crate::context::writer;
use crate::objects::User;
use crate::services::profile;

#[derive(Default)]
pub struct ProfileMutation;

/// Changes to the viewer's own profile.
#[derive(InputObject)]
pub struct UpdateProfileInput {
    /// Display name, 2-100 characters (stored trimmed).
    pub full_name: String,
}

/// The viewer's profile as it now is.
#[derive(SimpleObject)]
pub struct UpdateProfilePayload {
    pub user: User,
}

#[Object]
impl ProfileMutation {
    /// Changes the viewer's own profile; nobody changes another person's.
    async fn update_profile(
        &self,
        ctx: &Context<'_>,
        input: UpdateProfileInput,
    ) -> GraphResult<UpdateProfilePayload> {
        let row = profile::update(writer(ctx), &input.full_name)
            .await
            .map_err(GraphError::from)?;
        Ok(UpdateProfilePayload { user: User(row) })
    }
}
