//! Memberships: only platform admins add, change and remove members (the stricter reading of
//! the spec; see the README). A client that has an owner keeps one.

use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, PaginatorTrait, QueryFilter, Set};
use studiogate_entities_masstock::{masstock_client_members as members, ClientScope};
use studiogate_graph::GraphError;
use studiogate_graph::{loader::visible_row, BeginWrite};
use uuid::Uuid;

use super::{admin_scope, by_id, now, updated_one};
use crate::context::MasstockCtx;
use crate::enums::MemberRole;
use crate::error::MasstockError;

pub async fn add(
    ctx: &MasstockCtx,
    client_id: Uuid,
    user_id: Uuid,
    role: MemberRole,
) -> Result<members::Model, MasstockError> {
    let scope = admin_scope(ctx)?;
    visible_row::<studiogate_entities_masstock::masstock_clients::Entity, _>(
        ctx,
        client_id,
        "MasstockClient",
    )
    .await
    .map_err(|e| e.with_field("clientId"))?;
    let profile = scope
        .profiles()
        .filter(studiogate_entities_masstock::masstock_profiles::Column::Id.eq(user_id))
        .one(&ctx.db)
        .await?;
    if profile.is_none() {
        return Err(GraphError::not_found("MasstockProfile")
            .with_field("userId")
            .into());
    }
    let at = now();
    let row = members::ActiveModel {
        id: Set(Uuid::new_v4()),
        client_id: Set(client_id),
        user_id: Set(user_id),
        role: Set(role.as_db().to_owned()),
        created_at: Set(at),
        updated_at: Set(at),
    };
    row.insert(&ctx.db)
        .await
        .map_err(MasstockError::unique(MasstockError::AlreadyMember))
}

/// Owners of `client_id` other than the membership `except`.
async fn other_owners<C: sea_orm::ConnectionTrait>(
    db: &C,
    scope: &ClientScope,
    client_id: Uuid,
    except: Uuid,
) -> Result<u64, MasstockError> {
    Ok(scope
        .members()
        .filter(members::Column::ClientId.eq(client_id))
        .filter(members::Column::Role.eq(MemberRole::Owner.as_db()))
        .filter(members::Column::Id.ne(except))
        .count(db)
        .await?)
}

/// Changes a member's role; the last owner cannot become a collaborator.
pub async fn change_role(
    ctx: &MasstockCtx,
    id: Uuid,
    role: MemberRole,
) -> Result<members::Model, MasstockError> {
    let scope = admin_scope(ctx)?;
    let txn = ctx.db.begin_write().await?;
    let row = visible_row::<members::Entity, _>(ctx, id, "MasstockClientMember").await?;
    if row.role == MemberRole::Owner.as_db()
        && role == MemberRole::Collaborator
        && other_owners(&txn, &scope, row.client_id, row.id).await? == 0
    {
        return Err(MasstockError::LastOwner);
    }
    let update = by_id(scope.update_members(), members::Column::Id, id)
        .col_expr(members::Column::Role, Expr::value(role.as_db()))
        .col_expr(members::Column::UpdatedAt, Expr::value(now()));
    let row = updated_one(&txn, update, "MasstockClientMember").await?;
    txn.commit().await?;
    Ok(row)
}

/// Removes a membership; the last owner stays.
pub async fn remove(ctx: &MasstockCtx, id: Uuid) -> Result<members::Model, MasstockError> {
    let scope = admin_scope(ctx)?;
    let txn = ctx.db.begin_write().await?;
    let row = visible_row::<members::Entity, _>(ctx, id, "MasstockClientMember").await?;
    if row.role == MemberRole::Owner.as_db()
        && other_owners(&txn, &scope, row.client_id, row.id).await? == 0
    {
        return Err(MasstockError::LastOwner);
    }
    scope
        .delete_members()
        .filter(members::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(row)
}
