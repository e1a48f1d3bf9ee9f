//! Sessions as the viewer sees them.

use async_graphql::SimpleObject;
use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, DbErr, QueryOrder};
use studiogate_entities_identity::{scope, sessions};
use uuid::Uuid;

/// One sign-in of the account, on one device.
#[derive(SimpleObject)]
pub struct Session {
    /// Session id.
    pub id: Uuid,
    /// When the session was opened.
    pub created_at: DateTime<Utc>,
    /// When its refresh token was last used.
    pub last_used_at: DateTime<Utc>,
    /// When it ends unless refreshed before.
    pub expires_at: DateTime<Utc>,
    /// When it was revoked (sign-out, password change or token reuse).
    pub revoked_at: Option<DateTime<Utc>>,
    /// Client address at sign-in.
    pub ip: Option<String>,
    /// Client user agent at sign-in.
    pub user_agent: Option<String>,
    /// Whether the current request's token belongs to this session.
    pub current: bool,
}

/// The account's sessions, newest first.
pub async fn sessions_of(
    db: &DatabaseConnection,
    account_id: Uuid,
    current: Option<Uuid>,
) -> Result<Vec<Session>, DbErr> {
    let rows = scope::sessions_of(account_id)
        .order_by_desc(sessions::Column::CreatedAt)
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|s| Session {
            id: s.id,
            created_at: s.created_at.to_utc(),
            last_used_at: s.last_used_at.to_utc(),
            expires_at: s.expires_at.to_utc(),
            revoked_at: s.revoked_at.map(|t| t.to_utc()),
            ip: s.ip,
            user_agent: s.user_agent,
            current: Some(s.id) == current,
        })
        .collect())
}
