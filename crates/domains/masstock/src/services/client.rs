//! Clients: platform admins create and change them; a status other than ACTIVE is the spec's
//! soft delete (the client's members then see and write nothing).

use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, Set};
use studiogate_entities_masstock::masstock_clients as clients;
use uuid::Uuid;

use super::{admin_scope, by_id, now, updated_one};
use crate::context::MasstockCtx;
use crate::enums::Status;
use crate::error::MasstockError;
use crate::rules::input;

pub struct NewClient {
    pub name: String,
    pub company_name: Option<String>,
    pub email: String,
}

pub async fn create(ctx: &MasstockCtx, new: NewClient) -> Result<clients::Model, MasstockError> {
    admin_scope(ctx)?;
    let at = now();
    let row = clients::ActiveModel {
        id: Set(Uuid::new_v4()),
        name: Set(input::text("name", &new.name, 200)?),
        company_name: Set(input::optional(
            "companyName",
            new.company_name.as_deref(),
            200,
        )?),
        email: Set(input::email("email", &new.email)?),
        status: Set(Status::Active.as_db().to_owned()),
        created_at: Set(at),
        updated_at: Set(at),
    };
    Ok(row.insert(&ctx.db).await?)
}

#[derive(Default)]
pub struct ClientChange {
    pub name: Option<String>,
    pub company_name: Option<String>,
    pub email: Option<String>,
    pub status: Option<Status>,
}

pub async fn update(
    ctx: &MasstockCtx,
    id: Uuid,
    change: ClientChange,
) -> Result<clients::Model, MasstockError> {
    use clients::Column as C;
    let scope = admin_scope(ctx)?;
    let mut update =
        by_id(scope.update_clients(), C::Id, id).col_expr(C::UpdatedAt, Expr::value(now()));
    if let Some(name) = &change.name {
        update = update.col_expr(C::Name, Expr::value(input::text("name", name, 200)?));
    }
    if let Some(company) = &change.company_name {
        let value = input::optional("companyName", Some(company), 200)?;
        update = update.col_expr(C::CompanyName, Expr::value(value));
    }
    if let Some(email) = &change.email {
        update = update.col_expr(C::Email, Expr::value(input::email("email", email)?));
    }
    if let Some(status) = change.status {
        update = update.col_expr(C::Status, Expr::value(status.as_db()));
    }
    updated_one(&ctx.db, update, "MasstockClient").await
}
