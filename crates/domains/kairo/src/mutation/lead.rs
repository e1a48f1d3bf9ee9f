use async_graphql::{Context, InputObject, Json, Object, SimpleObject};
use chrono::{DateTime, Utc};
use studiogate_graph::error::GraphResult;
use studiogate_graph::GraphError;
use uuid::Uuid;

use super::project::KairoDeletePayload;
use crate::context::kairo_ctx;
use crate::enums::{KairoLeadSource, KairoLeadStatus};
use crate::objects::{utc, KairoLead};
use crate::services::lead::{self, NewLead};

/// A contact-form submission.
#[derive(InputObject)]
pub struct CreateKairoLeadInput {
    /// Contact name.
    pub name: String,
    /// Contact e-mail (checked for shape).
    pub email: String,
    /// The message.
    pub message: String,
    /// Contact phone.
    pub phone: Option<String>,
    /// The contact's company.
    pub company: Option<String>,
    /// Where the form is (CONTACT_FORM by default).
    pub source: Option<KairoLeadSource>,
    /// UTM source of the visit.
    pub utm_source: Option<String>,
    /// UTM medium of the visit.
    pub utm_medium: Option<String>,
    /// UTM campaign of the visit.
    pub utm_campaign: Option<String>,
    /// Any further context (an object).
    pub metadata: Option<Json<serde_json::Value>>,
    /// Leave empty: a hidden field only bots fill in.
    pub website: Option<String>,
}

/// What the submitter learns: that the lead was received (leads are read by staff only).
#[derive(SimpleObject)]
pub struct CreateKairoLeadPayload {
    /// The new lead's id.
    pub id: Uuid,
    /// When it was received.
    pub received_at: DateTime<Utc>,
}

/// Moves a lead along the pipeline.
#[derive(InputObject)]
pub struct ChangeKairoLeadStatusInput {
    /// The lead.
    pub id: Uuid,
    /// Its new status.
    pub status: KairoLeadStatus,
}

/// The lead as it is now.
#[derive(SimpleObject)]
pub struct KairoLeadPayload {
    /// The lead.
    pub lead: KairoLead,
}

#[derive(Default)]
pub struct KairoLeadMutation;

#[Object]
impl KairoLeadMutation {
    /// Sends the contact form, without signing in. Limited per address (RATE_LIMITED with
    /// `retryAfter`); the e-mail must look like one; a filled honeypot is refused.
    async fn create_lead(
        &self,
        ctx: &Context<'_>,
        input: CreateKairoLeadInput,
    ) -> GraphResult<CreateKairoLeadPayload> {
        let new = NewLead {
            name: input.name,
            email: input.email,
            message: input.message,
            phone: input.phone,
            company: input.company,
            source: input.source,
            utm_source: input.utm_source,
            utm_medium: input.utm_medium,
            utm_campaign: input.utm_campaign,
            metadata: input.metadata.map(|m| m.0),
            website: input.website,
        };
        let lead = lead::create(kairo_ctx(ctx), new)
            .await
            .map_err(GraphError::from)?;
        Ok(CreateKairoLeadPayload {
            id: lead.id,
            received_at: utc(lead.created_at),
        })
    }

    /// Moves a lead: NEW -> CONTACTED -> QUALIFIED -> CONVERTED, or LOST from any open
    /// stage (ADMIN and TEAM).
    async fn change_lead_status(
        &self,
        ctx: &Context<'_>,
        input: ChangeKairoLeadStatusInput,
    ) -> GraphResult<KairoLeadPayload> {
        let lead = lead::set_status(kairo_ctx(ctx), input.id, input.status)
            .await
            .map_err(GraphError::from)?;
        Ok(KairoLeadPayload {
            lead: KairoLead(lead),
        })
    }

    /// Deletes a lead (softly: it leaves every list; ADMIN and TEAM).
    async fn delete_lead(&self, ctx: &Context<'_>, id: Uuid) -> GraphResult<KairoDeletePayload> {
        let id = lead::delete(kairo_ctx(ctx), id)
            .await
            .map_err(GraphError::from)?;
        Ok(KairoDeletePayload { id })
    }
}
