use async_graphql::{Context, InputObject, Json, Object, SimpleObject};
use studiogate_graph::error::GraphResult;
use studiogate_graph::GraphError;
use uuid::Uuid;

use crate::context::kairo_ctx;
use crate::objects::{KairoProject, KairoService};
use crate::services::project::{self, NewProject, ProjectChanges};
use crate::services::service::{self, NewService, ServiceChanges};

/// A new project.
#[derive(InputObject)]
pub struct CreateKairoProjectInput {
    /// The client company; none for the studio's own work.
    pub company_id: Option<Uuid>,
    /// Unique: lower-case letters and digits joined by hyphens.
    pub slug: String,
    /// Title.
    pub title: String,
    /// Short summary.
    pub summary: String,
    /// Address of the hero 3D model or image.
    pub hero_asset: Option<String>,
    /// Content blocks: a list of objects, each with a `type`.
    pub content: Json<serde_json::Value>,
    /// Results and metrics (an object).
    pub metrics: Option<Json<serde_json::Value>>,
    /// Tags.
    #[graphql(default)]
    pub tags: Vec<String>,
    /// Public at once (default false).
    #[graphql(default)]
    pub published: bool,
    /// Featured (default false).
    #[graphql(default)]
    pub featured: bool,
}

/// Changes to a project; fields left out stay as they are.
#[derive(InputObject)]
pub struct UpdateKairoProjectInput {
    /// The project.
    pub id: Uuid,
    /// New slug.
    pub slug: Option<String>,
    /// New title.
    pub title: Option<String>,
    /// New summary.
    pub summary: Option<String>,
    /// New hero asset address (empty to clear).
    pub hero_asset: Option<String>,
    /// New content blocks.
    pub content: Option<Json<serde_json::Value>>,
    /// New metrics.
    pub metrics: Option<Json<serde_json::Value>>,
    /// New tags.
    pub tags: Option<Vec<String>>,
    /// Publish or unpublish.
    pub published: Option<bool>,
    /// Feature or not.
    pub featured: Option<bool>,
}

/// A new service offering.
#[derive(InputObject)]
pub struct CreateKairoServiceInput {
    /// Unique: lower-case letters and digits joined by hyphens.
    pub slug: String,
    /// Title.
    pub title: String,
    /// Tagline.
    pub tagline: Option<String>,
    /// Description.
    pub description: String,
    /// Structured content (an object or a list of blocks).
    pub content: Json<serde_json::Value>,
    /// Icon address.
    pub icon_url: Option<String>,
    /// 3D planet model address.
    pub planet_model_url: Option<String>,
    /// Position among featured services.
    pub featured_order: Option<i32>,
    /// Public at once (default true).
    #[graphql(default = true)]
    pub published: bool,
}

/// Changes to a service; fields left out stay as they are (empty optional text clears).
#[derive(InputObject)]
pub struct UpdateKairoServiceInput {
    /// The service.
    pub id: Uuid,
    /// New slug (unique: lower-case letters and digits joined by hyphens).
    pub slug: Option<String>,
    /// New title.
    pub title: Option<String>,
    /// New tagline.
    pub tagline: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New content (an object or a list of blocks).
    pub content: Option<Json<serde_json::Value>>,
    /// New icon address.
    pub icon_url: Option<String>,
    /// New 3D planet model address.
    pub planet_model_url: Option<String>,
    /// New position among featured services.
    pub featured_order: Option<i32>,
    /// Public or not.
    pub published: Option<bool>,
}

/// The project as it is now.
#[derive(SimpleObject)]
pub struct KairoProjectPayload {
    /// The project.
    pub project: KairoProject,
}

/// The service as it is now.
#[derive(SimpleObject)]
pub struct KairoServicePayload {
    /// The service.
    pub service: KairoService,
}

/// What was deleted.
#[derive(SimpleObject)]
pub struct KairoDeletePayload {
    /// The deleted row's id.
    pub id: Uuid,
}

#[derive(Default)]
pub struct KairoProjectMutation;

#[Object]
impl KairoProjectMutation {
    /// Creates a project (ADMIN and TEAM). A slug in use is CONFLICT.
    async fn create_project(
        &self,
        ctx: &Context<'_>,
        input: CreateKairoProjectInput,
    ) -> GraphResult<KairoProjectPayload> {
        let new = NewProject {
            company_id: input.company_id,
            slug: input.slug,
            title: input.title,
            summary: input.summary,
            hero_asset: input.hero_asset,
            content: input.content.0,
            metrics: input.metrics.map(|m| m.0),
            tags: input.tags,
            published: input.published,
            featured: input.featured,
        };
        let project = project::create(kairo_ctx(ctx), new)
            .await
            .map_err(GraphError::from)?;
        Ok(KairoProjectPayload {
            project: KairoProject(project),
        })
    }

    /// Changes a project (ADMIN and TEAM), publishing or featuring it too.
    async fn update_project(
        &self,
        ctx: &Context<'_>,
        input: UpdateKairoProjectInput,
    ) -> GraphResult<KairoProjectPayload> {
        let changes = ProjectChanges {
            slug: input.slug,
            title: input.title,
            summary: input.summary,
            hero_asset: input.hero_asset,
            content: input.content.map(|c| c.0),
            metrics: input.metrics.map(|m| m.0),
            tags: input.tags,
            published: input.published,
            featured: input.featured,
        };
        let project = project::update(kairo_ctx(ctx), input.id, changes)
            .await
            .map_err(GraphError::from)?;
        Ok(KairoProjectPayload {
            project: KairoProject(project),
        })
    }

    /// Deletes a project (softly: it leaves every list; ADMIN and TEAM).
    async fn delete_project(&self, ctx: &Context<'_>, id: Uuid) -> GraphResult<KairoDeletePayload> {
        let id = project::delete(kairo_ctx(ctx), id)
            .await
            .map_err(GraphError::from)?;
        Ok(KairoDeletePayload { id })
    }

    /// Creates a service offering (ADMIN and TEAM). A slug in use is CONFLICT.
    async fn create_service(
        &self,
        ctx: &Context<'_>,
        input: CreateKairoServiceInput,
    ) -> GraphResult<KairoServicePayload> {
        let new = NewService {
            slug: input.slug,
            title: input.title,
            tagline: input.tagline,
            description: input.description,
            content: input.content.0,
            icon_url: input.icon_url,
            planet_model_url: input.planet_model_url,
            featured_order: input.featured_order,
            published: input.published,
        };
        let service = service::create(kairo_ctx(ctx), new)
            .await
            .map_err(GraphError::from)?;
        Ok(KairoServicePayload {
            service: KairoService(service),
        })
    }

    /// Changes a service (ADMIN and TEAM), as `createService` checks it. A slug in use is
    /// CONFLICT.
    async fn update_service(
        &self,
        ctx: &Context<'_>,
        input: UpdateKairoServiceInput,
    ) -> GraphResult<KairoServicePayload> {
        let changes = ServiceChanges {
            slug: input.slug,
            title: input.title,
            tagline: input.tagline,
            description: input.description,
            content: input.content.map(|c| c.0),
            icon_url: input.icon_url,
            planet_model_url: input.planet_model_url,
            featured_order: input.featured_order,
            published: input.published,
        };
        let service = service::update(kairo_ctx(ctx), input.id, changes)
            .await
            .map_err(GraphError::from)?;
        Ok(KairoServicePayload {
            service: KairoService(service),
        })
    }
}
