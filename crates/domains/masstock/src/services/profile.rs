//! People (the spec's `users`): only platform admins change a profile; a status other than
//! ACTIVE is the soft delete (the person then sees and writes nothing in MasStock).

use sea_orm::sea_query::Expr;
use studiogate_entities_masstock::masstock_profiles as profiles;
use uuid::Uuid;

use super::{admin_scope, by_id, now, updated_one};
use crate::context::MasstockCtx;
use crate::enums::Status;
use crate::error::MasstockError;
use crate::rules::input;

pub async fn update(
    ctx: &MasstockCtx,
    id: Uuid,
    name: Option<String>,
    status: Option<Status>,
) -> Result<profiles::Model, MasstockError> {
    use profiles::Column as P;
    let scope = admin_scope(ctx)?;
    let mut update =
        by_id(scope.update_profiles(), P::Id, id).col_expr(P::UpdatedAt, Expr::value(now()));
    if let Some(name) = &name {
        update = update.col_expr(P::Name, Expr::value(input::text("name", name, 200)?));
    }
    if let Some(status) = status {
        update = update.col_expr(P::Status, Expr::value(status.as_db()));
    }
    updated_one(&ctx.db, update, "MasstockProfile").await
}
