use async_graphql::{Context, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use studiogate_graph::error::GraphResult;
use studiogate_graph::GraphError;
use uuid::Uuid;

use crate::context::writer;
use crate::enums::{IndustryType, MembershipRole};
use crate::objects::{Company, Membership};
use crate::rules::company::Branch;
use crate::services::company::{self, BranchChange, CompanyFields};
use crate::services::membership::{self, Decision};

#[derive(Default)]
pub struct CompanyMutation;

/// A company's own fields.
#[derive(InputObject)]
pub struct CompanyInput {
    /// 3-100 characters, unique among the companies you created.
    pub name: String,
    pub industry_type: IndustryType,
    pub contact_email: String,
    pub contact_phone: Option<String>,
    /// At least 10 characters.
    pub headquarters_address: String,
}

impl From<CompanyInput> for CompanyFields {
    fn from(i: CompanyInput) -> Self {
        Self {
            name: i.name,
            industry_type: i.industry_type,
            contact_email: i.contact_email,
            contact_phone: i.contact_phone,
            headquarters_address: i.headquarters_address,
        }
    }
}

/// Changes to a company (admins only).
#[derive(InputObject)]
pub struct UpdateCompanyInput {
    pub id: Uuid,
    /// The `updatedAt` you last saw; if the company changed since, CONFLICT (`STALE_OBJECT`).
    pub updated_at: Option<DateTime<Utc>>,
    pub company: CompanyInput,
}

/// A branch office.
#[derive(InputObject)]
pub struct BranchInput {
    /// Unique within the company, ignoring case.
    pub name: String,
    /// At least 10 characters.
    pub address: String,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
}

impl From<BranchInput> for Branch {
    fn from(b: BranchInput) -> Self {
        Self {
            name: b.name,
            address: b.address,
            contact_email: b.contact_email,
            contact_phone: b.contact_phone,
        }
    }
}

/// Adds, replaces or removes one branch (admins only). Give `branch` to add; `name` and
/// `branch` to replace the branch called `name`; `name` alone to remove it.
#[derive(InputObject)]
pub struct ChangeCompanyBranchInput {
    pub company_id: Uuid,
    pub updated_at: Option<DateTime<Utc>>,
    pub name: Option<String>,
    pub branch: Option<BranchInput>,
}

/// The company as it now is.
#[derive(SimpleObject)]
pub struct CompanyPayload {
    pub company: Company,
}

/// A membership by id.
#[derive(InputObject)]
pub struct MembershipInput {
    pub membership_id: Uuid,
}

/// A new role for an approved member.
#[derive(InputObject)]
pub struct ChangeMemberRoleInput {
    pub membership_id: Uuid,
    pub role: MembershipRole,
}

/// A company by id.
#[derive(InputObject)]
pub struct CompanyIdInput {
    pub company_id: Uuid,
}

/// The membership as it now is.
#[derive(SimpleObject)]
pub struct MembershipPayload {
    pub membership: Membership,
}

async fn decide(ctx: &Context<'_>, id: Uuid, decision: Decision) -> GraphResult<MembershipPayload> {
    let row = membership::decide(writer(ctx), id, decision)
        .await
        .map_err(GraphError::from)?;
    Ok(MembershipPayload {
        membership: Membership(row),
    })
}

#[Object]
impl CompanyMutation {
    /// Creates a company; you become its first admin.
    async fn create_company(
        &self,
        ctx: &Context<'_>,
        input: CompanyInput,
    ) -> GraphResult<CompanyPayload> {
        let company = company::create(writer(ctx), input.into())
            .await
            .map_err(GraphError::from)?;
        Ok(CompanyPayload {
            company: Company(company),
        })
    }

    /// Changes a company's fields (admins only).
    async fn update_company(
        &self,
        ctx: &Context<'_>,
        input: UpdateCompanyInput,
    ) -> GraphResult<CompanyPayload> {
        let company = company::update(
            writer(ctx),
            input.id,
            input.updated_at,
            input.company.into(),
        )
        .await
        .map_err(GraphError::from)?;
        Ok(CompanyPayload {
            company: Company(company),
        })
    }

    /// Adds, replaces or removes a branch (admins only).
    async fn change_company_branch(
        &self,
        ctx: &Context<'_>,
        input: ChangeCompanyBranchInput,
    ) -> GraphResult<CompanyPayload> {
        let change = match (input.name, input.branch) {
            (None, Some(branch)) => BranchChange::Add(branch.into()),
            (Some(name), Some(branch)) => BranchChange::Update {
                name,
                branch: branch.into(),
            },
            (Some(name), None) => BranchChange::Remove { name },
            (None, None) => {
                return Err(studiogate_graph::GraphError::bad_input(
                    "branch",
                    "Give `branch`, `name`, or both",
                )
                .into())
            }
        };
        let company =
            company::change_branches(writer(ctx), input.company_id, input.updated_at, change)
                .await
                .map_err(GraphError::from)?;
        Ok(CompanyPayload {
            company: Company(company),
        })
    }

    /// Asks to join a company; an admin approves or rejects the request.
    async fn request_company_membership(
        &self,
        ctx: &Context<'_>,
        input: CompanyIdInput,
    ) -> GraphResult<MembershipPayload> {
        let row = membership::request(writer(ctx), input.company_id)
            .await
            .map_err(GraphError::from)?;
        Ok(MembershipPayload {
            membership: Membership(row),
        })
    }

    /// Approves a pending request (admins only).
    async fn approve_membership(
        &self,
        ctx: &Context<'_>,
        input: MembershipInput,
    ) -> GraphResult<MembershipPayload> {
        decide(ctx, input.membership_id, Decision::Approve).await
    }

    /// Rejects a pending request (admins only).
    async fn reject_membership(
        &self,
        ctx: &Context<'_>,
        input: MembershipInput,
    ) -> GraphResult<MembershipPayload> {
        decide(ctx, input.membership_id, Decision::Reject).await
    }

    /// Revokes an approved member's access (admins only); the last admin cannot be revoked.
    async fn revoke_membership(
        &self,
        ctx: &Context<'_>,
        input: MembershipInput,
    ) -> GraphResult<MembershipPayload> {
        decide(ctx, input.membership_id, Decision::Revoke).await
    }

    /// Makes an approved member an admin or a member (admins only); the last admin stays.
    async fn change_member_role(
        &self,
        ctx: &Context<'_>,
        input: ChangeMemberRoleInput,
    ) -> GraphResult<MembershipPayload> {
        decide(ctx, input.membership_id, Decision::ChangeRole(input.role)).await
    }

    /// Leaves a company; the last admin cannot leave.
    async fn leave_company(
        &self,
        ctx: &Context<'_>,
        input: CompanyIdInput,
    ) -> GraphResult<MembershipPayload> {
        let row = membership::leave(writer(ctx), input.company_id)
            .await
            .map_err(GraphError::from)?;
        Ok(MembershipPayload {
            membership: Membership(row),
        })
    }
}
