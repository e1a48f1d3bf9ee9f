//! Leads: anonymous submissions (rate-limited per address, honeypot, e-mail checked) and
//! the staff's pipeline moves.

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, QueryFilter, Set};
use std::num::NonZeroU32;
use studiogate_entities_kairo::kairo_leads as leads;
use studiogate_graph::{BeginWrite, GraphError};
use uuid::Uuid;

use super::now;
use crate::context::KairoCtx;
use crate::enums::{KairoLeadSource, KairoLeadStatus};
use crate::error::KairoError;
use crate::events::{publish, KairoEvent};
use crate::rules::{lead as rules, text};

/// Submissions one address may make at once, and how fast that allowance refills.
const BURST: u32 = 5;
const PER_MINUTE: u32 = 2;

/// Lead submissions per client address (GCRA buckets; addresses idle long enough are
/// forgotten). Per replica: behind a load balancer each replica allows its own burst.
pub struct LeadLimiter(DefaultKeyedRateLimiter<String>);

impl Default for LeadLimiter {
    fn default() -> Self {
        let rate = NonZeroU32::new(PER_MINUTE).unwrap_or(NonZeroU32::MIN);
        let burst = NonZeroU32::new(BURST).unwrap_or(NonZeroU32::MIN);
        Self(RateLimiter::keyed(
            Quota::per_minute(rate).allow_burst(burst),
        ))
    }
}

impl LeadLimiter {
    /// Takes one submission of `ip`'s allowance, or says how long to wait.
    pub fn check(&self, ip: Option<&str>) -> Result<(), KairoError> {
        if self.0.len() > 10_000 {
            self.0.retain_recent();
        }
        let key = ip.unwrap_or("unknown").to_owned();
        self.0.check_key(&key).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            KairoError::RateLimited {
                retry_after: wait.as_secs().max(1),
            }
        })
    }
}

/// A submission as the contact form sends it.
pub struct NewLead {
    pub name: String,
    pub email: String,
    pub message: String,
    pub phone: Option<String>,
    pub company: Option<String>,
    pub source: Option<KairoLeadSource>,
    pub utm_source: Option<String>,
    pub utm_medium: Option<String>,
    pub utm_campaign: Option<String>,
    pub metadata: Option<serde_json::Value>,
    /// The honeypot field.
    pub website: Option<String>,
}

pub async fn create(k: &KairoCtx, input: NewLead) -> Result<leads::Model, KairoError> {
    // The honeypot before the allowance: a bot's submissions cost real visitors nothing.
    rules::honeypot(input.website.as_deref())?;
    let email = rules::email(&input.email)?;
    let name = text::required("name", &input.name, 200)?;
    let message = text::required("message", &input.message, 5000)?;
    let phone = text::optional("phone", input.phone.as_deref(), 40)?;
    let company = text::optional("company", input.company.as_deref(), 200)?;
    let utm = |field, value: Option<String>| text::optional(field, value.as_deref(), 200);
    let utm_source = utm("utmSource", input.utm_source)?;
    let utm_medium = utm("utmMedium", input.utm_medium)?;
    let utm_campaign = utm("utmCampaign", input.utm_campaign)?;
    if input.metadata.as_ref().is_some_and(|m| !m.is_object()) {
        return Err(KairoError::invalid(
            "metadata",
            "INVALID_METADATA",
            "Metadata is an object",
        ));
    }
    k.client.leads.check(k.client.ip.as_deref())?;
    let at = now();
    let lead = leads::ActiveModel {
        id: Set(Uuid::new_v4()),
        name: Set(name),
        email: Set(email),
        message: Set(message),
        phone: Set(phone),
        company: Set(company),
        source: Set(Some(
            input
                .source
                .unwrap_or(KairoLeadSource::ContactForm)
                .as_db()
                .to_owned(),
        )),
        utm_source: Set(utm_source),
        utm_medium: Set(utm_medium),
        utm_campaign: Set(utm_campaign),
        metadata: Set(input.metadata),
        status: Set(KairoLeadStatus::New.as_db().to_owned()),
        created_at: Set(at),
        updated_at: Set(at),
        deleted_at: Set(None),
    }
    .insert(&k.db)
    .await?;
    publish(&k.events, [KairoEvent::Lead { id: lead.id }]).await;
    Ok(lead)
}

/// Moves a lead along the pipeline (staff only). The UPDATE re-checks the status it read, so
/// two racing moves cannot both apply.
pub async fn set_status(
    k: &KairoCtx,
    id: Uuid,
    to: KairoLeadStatus,
) -> Result<leads::Model, KairoError> {
    let scope = k.staff_scope().await?;
    let txn = k.db.begin_write().await?;
    let lead = scope
        .leads()
        .filter(leads::Column::Id.eq(id))
        .one(&txn)
        .await?
        .ok_or_else(|| GraphError::not_found("KairoLead"))?;
    let from = KairoLeadStatus::from_db(&lead.status)?;
    rules::transition(from, to)?;
    let update = scope
        .update_leads()
        .col_expr(leads::Column::Status, Expr::value(to.as_db()))
        .col_expr(leads::Column::UpdatedAt, Expr::value(now()))
        .filter(leads::Column::Id.eq(id))
        .filter(leads::Column::Status.eq(from.as_db()));
    let mut rows = studiogate_platform::jobs::returning(&txn, update).await?;
    let Some(updated) = rows.pop() else {
        return Err(KairoError::ChangedMeanwhile { what: "The lead" });
    };
    txn.commit().await?;
    Ok(updated)
}

/// Soft delete (a person's data removed on request): the lead leaves every select.
pub async fn delete(k: &KairoCtx, id: Uuid) -> Result<Uuid, KairoError> {
    let scope = k.staff_scope().await?;
    let done = scope
        .update_leads()
        .col_expr(leads::Column::DeletedAt, Expr::value(now()))
        .filter(leads::Column::Id.eq(id))
        .exec(&k.db)
        .await?;
    if done.rows_affected == 0 {
        return Err(GraphError::not_found("KairoLead").into());
    }
    Ok(id)
}
