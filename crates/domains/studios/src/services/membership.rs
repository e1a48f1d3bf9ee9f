//! Join requests and their decisions (specs/studios.md, UserCompany): pending -> approved |
//! rejected; approved -> inactive (revocation or leaving). A company always keeps an admin.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseTransaction, IntoActiveModel, QueryFilter, QuerySelect,
    Set,
};
use studiogate_entities_studios::{scope, user_companies as uc, TenantScope};
use studiogate_graph::{BeginWrite, GraphError};
use uuid::Uuid;

use super::{now, require_admin};
use crate::context::StudiosCtx;
use crate::enums::{MembershipRole, MembershipStatus};
use crate::error::StudiosError;
use crate::rules::company::keeps_an_admin;

fn transition_error(from: &str, action: &'static str) -> StudiosError {
    StudiosError::MembershipTransition {
        from: from.to_owned(),
        action,
    }
}

/// Asks to join a company. A rejected or revoked person may ask again.
pub async fn request(ctx: &StudiosCtx, company_id: Uuid) -> Result<uc::Model, StudiosError> {
    let me = ctx.account_id()?;
    scope::joinable_company(company_id)
        .one(&ctx.db)
        .await?
        .ok_or_else(|| GraphError::not_found("Company"))?;
    let existing = scope::memberships_of(me)
        .filter(uc::Column::CompanyId.eq(company_id))
        .one(&ctx.db)
        .await?;
    let row = match existing {
        Some(m)
            if m.status == MembershipStatus::Pending.as_db()
                || m.status == MembershipStatus::Approved.as_db() =>
        {
            return Err(StudiosError::AlreadyMember);
        }
        Some(m) => {
            let mut row = m.into_active_model();
            row.status = Set(MembershipStatus::Pending.as_db().into());
            row.role = Set(MembershipRole::Member.as_db().into());
            row.joined_at = Set(None);
            row.created_at = Set(now());
            row.update(&ctx.db).await?
        }
        None => {
            uc::ActiveModel {
                id: Set(Uuid::new_v4()),
                user_id: Set(me),
                company_id: Set(company_id),
                role: Set(MembershipRole::Member.as_db().into()),
                status: Set(MembershipStatus::Pending.as_db().into()),
                joined_at: Set(None),
                created_at: Set(now()),
            }
            .insert(&ctx.db)
            .await?
        }
    };
    ctx.forget_memberships().await;
    Ok(row)
}

/// An admin's decision about one membership.
#[derive(Clone, Copy)]
pub enum Decision {
    Approve,
    Reject,
    Revoke,
    ChangeRole(MembershipRole),
}

/// Approved admins left after `target` stops being one, counted under a lock so that two admins
/// demoting each other at once cannot leave the company without one. `scope` opens the company.
async fn admins_besides(
    txn: &DatabaseTransaction,
    scope: &TenantScope,
    company_id: Uuid,
    target: Uuid,
) -> Result<usize, GraphError> {
    let admins = scope
        .memberships()
        .filter(uc::Column::CompanyId.eq(company_id))
        .filter(uc::Column::Role.eq(MembershipRole::Admin.as_db()))
        .filter(uc::Column::Status.eq(MembershipStatus::Approved.as_db()))
        .lock_exclusive()
        .all(txn)
        .await?;
    Ok(admins.iter().filter(|m| m.id != target).count())
}

pub async fn decide(
    ctx: &StudiosCtx,
    membership_id: Uuid,
    decision: Decision,
) -> Result<uc::Model, StudiosError> {
    let scope = ctx.scope().await?;
    let current = scope
        .memberships()
        .filter(uc::Column::Id.eq(membership_id))
        .one(&ctx.db)
        .await?
        .ok_or_else(|| GraphError::not_found("Membership"))?;
    require_admin(ctx, current.company_id).await?;
    let status = current.status.as_str();
    let is_admin = current.role == MembershipRole::Admin.as_db();
    let (from, to_status, to_role, drops_admin) = match decision {
        Decision::Approve if status == "pending" => ("pending", "approved", None, false),
        Decision::Reject if status == "pending" => ("pending", "rejected", None, false),
        Decision::Revoke if status == "approved" => ("approved", "inactive", None, is_admin),
        Decision::ChangeRole(role) if status == "approved" => (
            "approved",
            "approved",
            Some(role),
            is_admin && role != MembershipRole::Admin,
        ),
        Decision::Approve => return Err(transition_error(status, "approved")),
        Decision::Reject => return Err(transition_error(status, "rejected")),
        Decision::Revoke => return Err(transition_error(status, "revoked")),
        Decision::ChangeRole(_) => return Err(transition_error(status, "given another role")),
    };
    let txn = ctx.db.begin_write().await?;
    if drops_admin {
        keeps_an_admin(admins_besides(&txn, &scope, current.company_id, current.id).await?)?;
    }
    let mut update = scope
        .update_memberships()
        .col_expr(uc::Column::Status, Expr::value(to_status))
        .filter(uc::Column::Id.eq(current.id))
        .filter(uc::Column::Status.eq(from));
    if let Some(role) = to_role {
        update = update.col_expr(uc::Column::Role, Expr::value(role.as_db()));
    }
    if matches!(decision, Decision::Approve) {
        update = update.col_expr(uc::Column::JoinedAt, Expr::value(now()));
    }
    if update.exec(&txn).await?.rows_affected != 1 {
        return Err(StudiosError::MembershipChangedMeanwhile {
            from: status.to_owned(),
        });
    }
    txn.commit().await?;
    ctx.forget_memberships().await;
    // Through the scope read before the change: reading the memberships again would cost a
    // statement, and the decided membership is in the admin's company either way.
    let decided = scope
        .memberships()
        .filter(uc::Column::Id.eq(current.id))
        .one(&ctx.db)
        .await?;
    Ok(decided.ok_or_else(|| GraphError::not_found("Membership"))?)
}

/// The viewer leaves a company (their membership becomes inactive).
pub async fn leave(ctx: &StudiosCtx, company_id: Uuid) -> Result<uc::Model, StudiosError> {
    let me = ctx.account_id()?;
    let current = scope::memberships_of(me)
        .filter(uc::Column::CompanyId.eq(company_id))
        .filter(uc::Column::Status.eq(MembershipStatus::Approved.as_db()))
        .one(&ctx.db)
        .await?
        .ok_or_else(|| GraphError::not_found("Company"))?;
    let txn = ctx.db.begin_write().await?;
    if current.role == MembershipRole::Admin.as_db() {
        // The leaver's approved membership opens the company; no other membership is needed.
        let scope = TenantScope::of_membership(&current);
        keeps_an_admin(admins_besides(&txn, &scope, company_id, current.id).await?)?;
    }
    let mut row = current.into_active_model();
    row.status = Set(MembershipStatus::Inactive.as_db().into());
    let row = row.update(&txn).await?;
    txn.commit().await?;
    ctx.forget_memberships().await;
    Ok(row)
}
