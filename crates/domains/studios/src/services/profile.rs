//! The viewer's own profile (the spec's `user_profiles`: "Users can manage own profile").

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, QueryFilter};
use studiogate_entities_studios::{scope, user_profiles};
use studiogate_graph::GraphError;

use crate::context::StudiosCtx;
use crate::error::StudiosError;
use crate::rules::text;

/// Renames the viewer: a full name of 2-100 characters, stored trimmed. An account without a
/// profile (such as a runner's) is NOT_FOUND.
pub async fn update(
    ctx: &StudiosCtx,
    full_name: &str,
) -> Result<user_profiles::Model, StudiosError> {
    let account_id = ctx.account_id()?;
    let full_name = text::length("fullName", full_name, 2, 100)?;
    let updated = scope::update_own_profile(account_id)
        .col_expr(user_profiles::Column::FullName, Expr::value(full_name))
        .exec(&ctx.db)
        .await?;
    if updated.rows_affected != 1 {
        return Err(GraphError::not_found("User").into());
    }
    let profile = ctx
        .scope()
        .await?
        .profiles()
        .filter(user_profiles::Column::Id.eq(account_id))
        .one(&ctx.db)
        .await?
        .ok_or_else(|| GraphError::not_found("User"))?;
    Ok(profile)
}
