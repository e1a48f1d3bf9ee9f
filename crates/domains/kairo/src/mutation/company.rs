use async_graphql::{Context, InputObject, Json, Object, SimpleObject};
use studiogate_graph::error::GraphResult;
use studiogate_graph::GraphError;
use uuid::Uuid;

use crate::context::kairo_ctx;
use crate::enums::KairoRole;
use crate::objects::{KairoCompany, KairoUser};
use crate::services::company::{self, NewCompany};

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
}
