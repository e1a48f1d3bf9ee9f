//! Creating and changing companies and their branch lists.

use sea_orm::{ActiveModelTrait, ColumnTrait, IntoActiveModel, QueryFilter, Set};
use studiogate_entities_studios::{companies, user_companies};
use studiogate_graph::{BeginWrite, GraphError};
use uuid::Uuid;

use super::{fresh, now, require_admin, visible_company};
use crate::context::StudiosCtx;
use crate::enums::{IndustryType, MembershipRole, MembershipStatus};
use crate::error::{Named, StudiosError};
use crate::rules::company::{self as rules, Branch};
use crate::rules::text;

pub struct CompanyFields {
    pub name: String,
    pub industry_type: IndustryType,
    pub contact_email: String,
    pub contact_phone: Option<String>,
    pub headquarters_address: String,
}

fn validated(f: &CompanyFields) -> Result<CompanyFields, GraphError> {
    Ok(CompanyFields {
        name: text::length("name", &f.name, 3, 100)?,
        industry_type: f.industry_type,
        contact_email: text::email("contactEmail", &f.contact_email)?,
        contact_phone: f
            .contact_phone
            .as_deref()
            .map(|p| text::phone("contactPhone", p))
            .transpose()?,
        headquarters_address: text::length(
            "headquartersAddress",
            &f.headquarters_address,
            10,
            500,
        )?,
    })
}

/// Creates a company; its creator becomes its first approved admin.
pub async fn create(
    ctx: &StudiosCtx,
    fields: CompanyFields,
) -> Result<companies::Model, StudiosError> {
    let me = ctx.account_id()?;
    let f = validated(&fields)?;
    let txn = ctx.db.begin_write().await?;
    let company = companies::ActiveModel {
        id: Set(Uuid::new_v4()),
        name: Set(f.name),
        industry_type: Set(f.industry_type.as_db().into()),
        contact_email: Set(f.contact_email),
        contact_phone: Set(f.contact_phone),
        headquarters_address: Set(f.headquarters_address),
        branches: Set(serde_json::json!([])),
        created_by: Set(me),
        created_at: Set(now()),
        updated_at: Set(now()),
    }
    .insert(&txn)
    .await
    .map_err(StudiosError::taken(Named::Company))?;
    user_companies::ActiveModel {
        id: Set(Uuid::new_v4()),
        user_id: Set(me),
        company_id: Set(company.id),
        role: Set(MembershipRole::Admin.as_db().into()),
        status: Set(MembershipStatus::Approved.as_db().into()),
        joined_at: Set(Some(now())),
        created_at: Set(now()),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    ctx.forget_memberships().await;
    Ok(company)
}

/// Writes `change` to the company if nobody changed it since `seen` (and since we read it).
async fn save(
    ctx: &StudiosCtx,
    current: companies::Model,
    change: impl FnOnce(&mut companies::ActiveModel),
) -> Result<companies::Model, StudiosError> {
    let mut row = current.clone().into_active_model();
    change(&mut row);
    row.updated_at = Set(now());
    let result = ctx
        .scope()
        .await?
        .update_companies()
        .set(row)
        .filter(companies::Column::Id.eq(current.id))
        .filter(companies::Column::UpdatedAt.eq(current.updated_at))
        .exec(&ctx.db)
        .await
        .map_err(StudiosError::taken(Named::Company))?;
    if result.rows_affected != 1 {
        return Err(StudiosError::Stale { entity: "Company" });
    }
    Ok(visible_company(ctx, current.id).await?)
}

/// Admins change the company's fields.
pub async fn update(
    ctx: &StudiosCtx,
    id: Uuid,
    seen: Option<chrono::DateTime<chrono::Utc>>,
    fields: CompanyFields,
) -> Result<companies::Model, StudiosError> {
    let current = visible_company(ctx, id).await?;
    require_admin(ctx, id).await?;
    fresh(seen, current.updated_at, "Company")?;
    let f = validated(&fields)?;
    save(ctx, current, |row| {
        row.name = Set(f.name);
        row.industry_type = Set(f.industry_type.as_db().into());
        row.contact_email = Set(f.contact_email);
        row.contact_phone = Set(f.contact_phone);
        row.headquarters_address = Set(f.headquarters_address);
    })
    .await
}

/// What to do to the branch list.
pub enum BranchChange {
    Add(Branch),
    Update { name: String, branch: Branch },
    Remove { name: String },
}

pub async fn change_branches(
    ctx: &StudiosCtx,
    company_id: Uuid,
    seen: Option<chrono::DateTime<chrono::Utc>>,
    change: BranchChange,
) -> Result<companies::Model, StudiosError> {
    let current = visible_company(ctx, company_id).await?;
    require_admin(ctx, company_id).await?;
    fresh(seen, current.updated_at, "Company")?;
    let branches: Vec<Branch> =
        serde_json::from_value(current.branches.clone()).unwrap_or_default();
    let next = match change {
        BranchChange::Add(b) => rules::add_branch(&branches, rules::branch("branch", &b)?)?,
        BranchChange::Update { name, branch } => {
            rules::update_branch(&branches, &name, rules::branch("branch", &branch)?)?
        }
        BranchChange::Remove { name } => rules::remove_branch(&branches, &name)?,
    };
    let json = serde_json::to_value(next).map_err(|e| GraphError::internal(&e))?;
    save(ctx, current, |row| row.branches = Set(json)).await
}
