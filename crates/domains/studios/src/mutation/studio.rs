use async_graphql::{Context, InputObject, MaybeUndefined, Object, SimpleObject};
use chrono::{DateTime, Utc};
use studiogate_graph::error::GraphResult;
use studiogate_graph::GraphError;
use uuid::Uuid;

use crate::context::writer;
use crate::enums::BusinessArea;
use crate::objects::Studio;
use crate::services::studio::{self, StudioChanges};

#[derive(Default)]
pub struct StudioMutation;

/// A new studio in one of your companies.
#[derive(InputObject)]
pub struct CreateStudioInput {
    pub company_id: Uuid,
    /// 3-100 characters, unique within the company.
    pub name: String,
    pub description: Option<String>,
    pub business_area: BusinessArea,
}

/// Changes to a studio; fields left out stay as they are (`description: null` clears it).
#[derive(InputObject)]
pub struct UpdateStudioInput {
    pub id: Uuid,
    /// The `updatedAt` you last saw; if the studio changed since, CONFLICT (`STALE_OBJECT`).
    pub updated_at: Option<DateTime<Utc>>,
    pub name: Option<String>,
    pub description: MaybeUndefined<String>,
    pub business_area: Option<BusinessArea>,
}

/// A studio by id.
#[derive(InputObject)]
pub struct DeleteStudioInput {
    pub id: Uuid,
}

/// The studio as it now is.
#[derive(SimpleObject)]
pub struct StudioPayload {
    pub studio: Studio,
}

/// What was deleted.
#[derive(SimpleObject)]
pub struct DeleteStudioPayload {
    pub deleted_studio_id: Uuid,
}

#[Object]
impl StudioMutation {
    /// Creates a studio (approved members of the company).
    async fn create_studio(
        &self,
        ctx: &Context<'_>,
        input: CreateStudioInput,
    ) -> GraphResult<StudioPayload> {
        let studio = studio::create(
            writer(ctx),
            input.company_id,
            &input.name,
            input.description,
            input.business_area,
        )
        .await
        .map_err(GraphError::from)?;
        Ok(StudioPayload {
            studio: Studio(studio),
        })
    }

    /// Changes a studio (approved members of the company).
    async fn update_studio(
        &self,
        ctx: &Context<'_>,
        input: UpdateStudioInput,
    ) -> GraphResult<StudioPayload> {
        let description = match input.description {
            MaybeUndefined::Undefined => None,
            MaybeUndefined::Null => Some(None),
            MaybeUndefined::Value(d) => Some(Some(d)),
        };
        let changes = StudioChanges {
            name: input.name,
            description,
            business_area: input.business_area,
        };
        let studio = studio::update(writer(ctx), input.id, input.updated_at, changes)
            .await
            .map_err(GraphError::from)?;
        Ok(StudioPayload {
            studio: Studio(studio),
        })
    }

    /// Deletes a studio with its executions, files (their bytes included), boards and field
    /// definitions (company admins; other members FORBIDDEN).
    async fn delete_studio(
        &self,
        ctx: &Context<'_>,
        input: DeleteStudioInput,
    ) -> GraphResult<DeleteStudioPayload> {
        let id = studio::delete(writer(ctx), input.id)
            .await
            .map_err(GraphError::from)?;
        Ok(DeleteStudioPayload {
            deleted_studio_id: id,
        })
    }
}
