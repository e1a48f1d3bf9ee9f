use async_graphql::{Context, Object, SimpleObject};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use studiogate_entities_studios::{companies, studios, user_companies};
use studiogate_graph::error::GraphResult;
use studiogate_graph::loader::paged_connection;
use studiogate_graph::pagination::ListConnection;
use studiogate_graph::{ListOrder, PageArgs};
use uuid::Uuid;

use super::{cursor, utc, Studio, User};
use crate::context::studios_ctx;
use crate::enums::{IndustryType, MembershipRole, MembershipStatus};
use crate::loader::loaders;
use crate::loader::{MembershipStatuses, StudioFilter};

/// A business organisation: the tenant. Its data is visible to its approved members only.
pub struct Company(pub companies::Model);

/// A branch office, kept in the company's `branches` list.
#[derive(SimpleObject, Deserialize, Clone)]
pub struct CompanyBranch {
    /// Branch name, unique within the company.
    pub name: String,
    /// Postal address.
    pub address: String,
    /// Contact e-mail, if any.
    #[serde(default)]
    pub contact_email: Option<String>,
    /// Contact phone, if any.
    #[serde(default)]
    pub contact_phone: Option<String>,
}

/// A business organisation: the tenant. Its data is visible to its approved members only.
#[Object]
impl Company {
    /// Company id.
    async fn id(&self) -> Uuid {
        self.0.id
    }

    /// Company name, 3-100 characters.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Industry classification.
    async fn industry_type(&self) -> GraphResult<IndustryType> {
        Ok(IndustryType::from_db(&self.0.industry_type)?)
    }

    /// Primary contact e-mail.
    async fn contact_email(&self) -> &str {
        &self.0.contact_email
    }

    /// Contact phone, if any.
    async fn contact_phone(&self) -> Option<&str> {
        self.0.contact_phone.as_deref()
    }

    /// Headquarters address.
    async fn headquarters_address(&self) -> &str {
        &self.0.headquarters_address
    }

    /// Branch offices.
    async fn branches(&self) -> Vec<CompanyBranch> {
        serde_json::from_value(self.0.branches.clone()).unwrap_or_default()
    }

    /// When the company was created.
    async fn created_at(&self) -> DateTime<Utc> {
        utc(self.0.created_at)
    }

    /// When the company was last changed.
    async fn updated_at(&self) -> DateTime<Utc> {
        utc(self.0.updated_at)
    }

    /// The viewer's role here (null when the viewer is not an approved member).
    async fn viewer_role(&self, ctx: &Context<'_>) -> GraphResult<Option<MembershipRole>> {
        let role = studios_ctx(ctx).role_in(self.0.id).await?;
        Ok(role.map(|r| MembershipRole::from_db(&r)).transpose()?)
    }

    /// Execution and storage figures over all the company's studios.
    async fn analytics(&self, ctx: &Context<'_>) -> GraphResult<crate::loader::Analytics> {
        let figures = loaders(ctx).company_analytics.load_one(self.0.id).await?;
        Ok(figures.unwrap_or_default())
    }

    /// The same figures per UTC day from `from` to `to` (both included, at most 366 days),
    /// over all the company's studios: executions count on the day they were created, files
    /// on the day they were uploaded, and a day without either is all zeros.
    async fn daily_analytics(
        &self,
        ctx: &Context<'_>,
        from: studiogate_graph::Date,
        to: studiogate_graph::Date,
    ) -> GraphResult<Vec<crate::loader::DailyAnalytics>> {
        let range = crate::loader::DayRange::new(from, to)?;
        let days = loaders(ctx)
            .company_daily
            .load_one((self.0.id, range))
            .await?;
        Ok(days.unwrap_or_default())
    }

    /// The company's studios, newest first by default.
    #[graphql(
        complexity = "studiogate_graph::pagination::page_complexity(first, child_complexity)"
    )]
    async fn studios(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
        order: Option<ListOrder>,
        filter: Option<StudioFilter>,
    ) -> GraphResult<ListConnection<Studio>> {
        let l = loaders(ctx);
        paged_connection(
            ctx,
            &l.studios_by_company,
            &l.studio_count_by_company,
            self.0.id,
            PageArgs::parse(first, after, order)?,
            filter.unwrap_or_default(),
            |m: &studios::Model| cursor(m.created_at, m.id),
            Studio,
        )
        .await
    }

    /// Memberships of this company. Admins see every status (pending requests included);
    /// other members see approved members only.
    #[graphql(
        complexity = "studiogate_graph::pagination::page_complexity(first, child_complexity)"
    )]
    async fn members(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 1-100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Cursor of the last item of the previous page.")] after: Option<String>,
        order: Option<ListOrder>,
        #[graphql(desc = "Only these statuses (admins only; others always get APPROVED).")]
        status: Option<Vec<MembershipStatus>>,
    ) -> GraphResult<ListConnection<Membership>> {
        let is_admin = studios_ctx(ctx).role_in(self.0.id).await?.as_deref()
            == Some(MembershipRole::Admin.as_db());
        let statuses = match (is_admin, status) {
            (true, Some(statuses)) => statuses,
            (true, None) => vec![
                MembershipStatus::Pending,
                MembershipStatus::Approved,
                MembershipStatus::Rejected,
                MembershipStatus::Inactive,
            ],
            (false, _) => vec![MembershipStatus::Approved],
        };
        let l = loaders(ctx);
        paged_connection(
            ctx,
            &l.members_by_company,
            &l.member_count_by_company,
            self.0.id,
            PageArgs::parse(first, after, order)?,
            MembershipStatuses(statuses),
            |m: &user_companies::Model| cursor(m.created_at, m.id),
            Membership,
        )
        .await
    }
}

/// A person's membership of a company: a join request until an admin approves it.
pub struct Membership(pub user_companies::Model);

/// A person's membership of a company: a join request until an admin approves it.
#[Object]
impl Membership {
    /// Membership id.
    async fn id(&self) -> Uuid {
        self.0.id
    }

    /// Role within the company.
    async fn role(&self) -> GraphResult<MembershipRole> {
        Ok(MembershipRole::from_db(&self.0.role)?)
    }

    /// Where the request stands; only APPROVED grants access.
    async fn status(&self) -> GraphResult<MembershipStatus> {
        Ok(MembershipStatus::from_db(&self.0.status)?)
    }

    /// When the request was approved.
    async fn joined_at(&self) -> Option<DateTime<Utc>> {
        self.0.joined_at.map(utc)
    }

    /// When the request was made.
    async fn created_at(&self) -> DateTime<Utc> {
        utc(self.0.created_at)
    }

    /// The member.
    async fn user(&self, ctx: &Context<'_>) -> GraphResult<Option<User>> {
        Ok(loaders(ctx)
            .profile
            .load_one(self.0.user_id)
            .await?
            .map(User))
    }

    /// The company (null while the membership is not approved).
    async fn company(&self, ctx: &Context<'_>) -> GraphResult<Option<Company>> {
        Ok(loaders(ctx)
            .company
            .load_one(self.0.company_id)
            .await?
            .map(Company))
    }
}
