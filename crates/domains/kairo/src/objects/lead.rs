use async_graphql::{Json, Object};
use chrono::{DateTime, Utc};
use studiogate_entities_kairo::kairo_leads as leads;
use studiogate_graph::error::GraphResult;
use uuid::Uuid;

use super::utc;
use crate::enums::{KairoLeadSource, KairoLeadStatus};

/// A contact-form submission or other captured lead; only ADMIN and TEAM read them.
pub struct KairoLead(pub leads::Model);

/// A contact-form submission or other captured lead; only ADMIN and TEAM read them.
#[Object]
impl KairoLead {
    /// Lead id.
    async fn id(&self) -> Uuid {
        self.0.id
    }

    /// Contact name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Contact e-mail.
    async fn email(&self) -> &str {
        &self.0.email
    }

    /// The message sent.
    async fn message(&self) -> &str {
        &self.0.message
    }

    /// Contact phone.
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }

    /// The contact's company, as typed.
    async fn company(&self) -> Option<&str> {
        self.0.company.as_deref()
    }

    /// Where the lead came from.
    async fn source(&self) -> GraphResult<Option<KairoLeadSource>> {
        Ok(self
            .0
            .source
            .as_deref()
            .map(KairoLeadSource::from_db)
            .transpose()?)
    }

    /// UTM source.
    async fn utm_source(&self) -> Option<&str> {
        self.0.utm_source.as_deref()
    }

    /// UTM medium.
    async fn utm_medium(&self) -> Option<&str> {
        self.0.utm_medium.as_deref()
    }

    /// UTM campaign.
    async fn utm_campaign(&self) -> Option<&str> {
        self.0.utm_campaign.as_deref()
    }

    /// Any further context.
    async fn metadata(&self) -> Option<Json<serde_json::Value>> {
        self.0.metadata.clone().map(Json)
    }

    /// NEW, CONTACTED, QUALIFIED, CONVERTED or LOST.
    async fn status(&self) -> GraphResult<KairoLeadStatus> {
        Ok(KairoLeadStatus::from_db(&self.0.status)?)
    }

    /// When it came in.
    async fn created_at(&self) -> DateTime<Utc> {
        utc(self.0.created_at)
    }

    /// When it was last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        utc(self.0.updated_at)
    }
}
