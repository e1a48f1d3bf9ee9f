use async_graphql::{Context, InputObject, Json, Object, SimpleObject};
use studiogate_graph::error::GraphResult;
use studiogate_graph::GraphError;
use uuid::Uuid;

use super::project::KairoDeletePayload;
use crate::context::kairo_ctx;
use crate::enums::KairoRole;
use crate::objects::{KairoCompany, KairoUser};
use crate::services::company::{self, CompanyChanges, NewCompany};

/// A new client company.
#[derive(InputObject)]
pub struct CreateKairoCompanyInput {
    /// Name.
    pub name: String,
    /// Website address.
    pub website: Option<String>,
    /// Industry.
    pub industry: Option<String>,
    /// Logo address.
    pub logo_url: Option<String>,
    /// Further details (an object).
    pub metadata: Option<Json<serde_json::Value>>,
}

/// A person's KAIRO role and company.
#[derive(InputObject)]
pub struct AssignKairoUserInput {
    /// The person's account id.
    pub user_id: Uuid,
    /// Their role.
    pub role: KairoRole,
    /// Their company: required for a CLIENT, refused for ADMIN and TEAM.
    pub company_id: Option<Uuid>,
}

/// Changes to a company; fields left out stay as they are (empty text clears).
#[derive(InputObject)]
pub struct UpdateKairoCompanyInput {
    /// The company.
    pub id: Uuid,
    /// New name.
    pub name: Option<String>,
    /// New website.
    pub website: Option<String>,
    /// New industry.
    pub industry: Option<String>,
    /// New logo address.
    pub logo_url: Option<String>,
    /// New details (an object).
    pub metadata: Option<Json<serde_json::Value>>,
}

/// Changes to the caller's own profile.
#[derive(InputObject)]
pub struct UpdateKairoProfileInput {
    /// Display name (empty clears).
    pub name: Option<String>,
    /// Avatar address (empty clears).
    pub avatar_url: Option<String>,
}

/// The company as it is now.
#[derive(SimpleObject)]
pub struct KairoCompanyPayload {
    /// The company.
    pub company: KairoCompany,
}

/// The person as they are now.
#[derive(SimpleObject)]
pub struct KairoUserPayload {
    /// The person's profile.
    pub user: KairoUser,
}

#[derive(Default)]
pub struct KairoCompanyMutation;

#[Object]
impl KairoCompanyMutation {
    /// Creates a client company (ADMIN and TEAM).
    async fn create_company(
        &self,
        ctx: &Context<'_>,
        input: CreateKairoCompanyInput,
    ) -> GraphResult<KairoCompanyPayload> {
        let new = NewCompany {
            name: input.name,
            website: input.website,
            industry: input.industry,
            logo_url: input.logo_url,
            metadata: input.metadata.map(|m| m.0),
        };
        let company = company::create(kairo_ctx(ctx), new)
            .await
            .map_err(GraphError::from)?;
        Ok(KairoCompanyPayload {
            company: KairoCompany(company),
        })
    }

    /// Gives a person their role and company (ADMIN only).
    async fn assign_user(
        &self,
        ctx: &Context<'_>,
        input: AssignKairoUserInput,
    ) -> GraphResult<KairoUserPayload> {
        let k = kairo_ctx(ctx);
        let user = company::assign(k, input.user_id, input.role, input.company_id)
            .await
            .map_err(GraphError::from)?;
        Ok(KairoUserPayload {
            user: KairoUser(user),
        })
    }

    /// Changes a company (ADMIN and TEAM).
    async fn update_company(
        &self,
        ctx: &Context<'_>,
        input: UpdateKairoCompanyInput,
    ) -> GraphResult<KairoCompanyPayload> {
        let changes = CompanyChanges {
            name: input.name,
            website: input.website,
            industry: input.industry,
            logo_url: input.logo_url,
            metadata: input.metadata.map(|m| m.0),
        };
        let company = company::update(kairo_ctx(ctx), input.id, changes)
            .await
            .map_err(GraphError::from)?;
        Ok(KairoCompanyPayload {
            company: KairoCompany(company),
        })
    }

    /// Deletes a company (softly; ADMIN and TEAM): it and its projects, automations, runs and
    /// assets leave every select, its clients' included.
    async fn delete_company(&self, ctx: &Context<'_>, id: Uuid) -> GraphResult<KairoDeletePayload> {
        let id = company::delete(kairo_ctx(ctx), id)
            .await
            .map_err(GraphError::from)?;
        Ok(KairoDeletePayload { id })
    }

    /// Changes the caller's own name and avatar.
    async fn update_profile(
        &self,
        ctx: &Context<'_>,
        input: UpdateKairoProfileInput,
    ) -> GraphResult<KairoUserPayload> {
        let k = kairo_ctx(ctx);
        let user = company::update_own_profile(k, input.name, input.avatar_url)
            .await
            .map_err(GraphError::from)?;
        Ok(KairoUserPayload {
            user: KairoUser(user),
        })
    }
}
