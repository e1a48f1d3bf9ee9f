//! The identity rules, callable without GraphQL: sign-up, sign-in with backoff (see
//! [`crate::throttle`]), refresh-token rotation with reuse detection, sign-out and password
//! changes. Account status is [`crate::status`].

use chrono::{DateTime, FixedOffset, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, QueryFilter, Set, SqlErr};
use studiogate_entities_identity::{accounts, refresh_tokens, scope, sessions};
use studiogate_graph::{BeginWrite, ErrorCode, GraphError};
use uuid::Uuid;

use crate::status::AccountStatus;
use crate::{password, tokens, IdentityCtx};

/// What went wrong, as the identity rules see it; mapped to a client code in one place.
#[derive(Debug)]
pub enum IdentityError {
    /// Unknown e-mail, wrong password and locked account all look the same from outside.
    InvalidCredentials,
    /// Too many failed sign-ins for this e-mail address from this source; try again after.
    Throttled(std::time::Duration),
    /// The refresh token is unknown, rotated, expired or its session revoked.
    InvalidSession,
    EmailTaken,
    Input(GraphError),
    Db(DbErr),
}

impl From<DbErr> for IdentityError {
    fn from(err: DbErr) -> Self {
        Self::Db(err)
    }
}

impl From<GraphError> for IdentityError {
    fn from(err: GraphError) -> Self {
        Self::Input(err)
    }
}

impl From<IdentityError> for GraphError {
    fn from(err: IdentityError) -> Self {
        match err {
            IdentityError::InvalidCredentials => {
                GraphError::new(ErrorCode::Unauthenticated, "Invalid email or password")
            }
            IdentityError::Throttled(wait) => {
                let secs = wait.as_secs_f64().ceil() as u64;
                GraphError::new(
                    ErrorCode::RateLimited,
                    format!(
                        "Too many failed sign-ins for this email from your address; retry in \
                         {secs} s"
                    ),
                )
                .with_reason("SIGN_IN_THROTTLED")
                .with_retry_after(secs)
            }
            IdentityError::InvalidSession => GraphError::new(
                ErrorCode::Unauthenticated,
                "Session expired or revoked; sign in again",
            ),
            IdentityError::EmailTaken => {
                GraphError::conflict("email", "An account with this email already exists")
            }
            IdentityError::Input(err) => err,
            IdentityError::Db(err) => GraphError::internal(&err),
        }
    }
}

type Result<T> = std::result::Result<T, IdentityError>;

/// A signed-in session's credentials.
pub struct Issued {
    pub account_id: Uuid,
    pub session_id: Uuid,
    pub access_token: String,
    pub refresh_token: String,
}

fn now() -> DateTime<FixedOffset> {
    Utc::now().fixed_offset()
}

/// Trimmed and lower-cased, so the UNIQUE index holds across case and spacing.
pub fn normalize_email(email: &str) -> std::result::Result<String, GraphError> {
    let email = email.trim().to_lowercase();
    let valid = email.len() <= 255
        && !email.chars().any(char::is_whitespace)
        && matches!(email.split_once('@'), Some((local, domain))
            if !local.is_empty() && !domain.contains('@') && domain.contains('.')
                && !domain.starts_with('.') && !domain.ends_with('.'));
    if valid {
        Ok(email)
    } else {
        Err(GraphError::bad_input("email", "Not a valid email address"))
    }
}

/// Password hashes computed at once, at most. Each argon2 computation holds 19 MiB for its
/// duration; without a bound, 100 concurrent sign-ins took the process to 1.7 GB. Callers
/// beyond it wait their turn (and the request timeout bounds the wait).
fn hashing_slots() -> &'static tokio::sync::Semaphore {
    static SLOTS: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    SLOTS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
        tokio::sync::Semaphore::new(cores)
    })
}

/// Runs one argon2 computation off the async workers, in one of the [`hashing_slots`].
async fn hashing<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    let _slot = hashing_slots().acquire().await.ok()?;
    tokio::task::spawn_blocking(work).await.ok()
}

async fn hash(password: String) -> Result<String> {
    hashing(move || password::hash(&password))
        .await
        .ok_or_else(|| IdentityError::Input(GraphError::internal(&"password hashing stopped")))?
        .map_err(IdentityError::Input)
}

async fn verify(password: String, stored: Option<String>) -> bool {
    hashing(move || password::verify(&password, stored.as_deref()))
        .await
        .unwrap_or(false)
}

pub async fn sign_up(
    ctx: &IdentityCtx,
    email: &str,
    pass: &str,
    full_name: &str,
) -> Result<Issued> {
    let email = normalize_email(email)?;
    password::check(pass, "password")?;
    let full_name = full_name.trim();
    if !(2..=100).contains(&full_name.chars().count()) {
        return Err(GraphError::bad_input("fullName", "Full name must be 2-100 characters").into());
    }
    let hashed = hash(pass.to_owned()).await?;
    let account_id = Uuid::new_v4();
    let txn = ctx.db.begin_write().await?;
    let inserted = accounts::ActiveModel {
        id: Set(account_id),
        email: Set(email),
        created_at: Set(now()),
        password_hash: Set(Some(hashed)),
        email_verified: Set(false),
        last_login_at: Set(Some(now())),
        login_count: Set(1),
        failed_login_attempts: Set(0),
        locked_until: Set(None),
        deleted_at: Set(None),
        status: Set(AccountStatus::Active.as_db().into()),
    }
    .insert(&txn)
    .await;
    if let Err(err) = inserted {
        return Err(match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => IdentityError::EmailTaken,
            _ => err.into(),
        });
    }
    ctx.hooks
        .account_created(&txn, account_id, full_name)
        .await?;
    let issued = open_session(ctx, &txn, account_id).await?;
    txn.commit().await?;
    Ok(issued)
}

/// Signs in. A failure writes nothing, whether the address is known or not: it is counted in
/// the throttle (per address and source), and both cost one lookup and one hash verification.
pub async fn sign_in(ctx: &IdentityCtx, email: &str, pass: &str) -> Result<Issued> {
    let normalized = normalize_email(email).ok();
    // What the throttle counts: the address as given when it is not one.
    let key = normalized
        .clone()
        .unwrap_or_else(|| email.chars().take(255).collect());
    let source = ctx.client.ip.as_deref().unwrap_or("unknown");
    if let Some(wait) = ctx.throttle.held(&key, source) {
        return Err(IdentityError::Throttled(wait));
    }
    let account = match normalized {
        Some(email) => {
            scope::account_by_email(email)
                .filter(accounts::Column::DeletedAt.is_null())
                .one(&ctx.db)
                .await?
        }
        None => None,
    };
    // Always pay for one hash verification, whatever the outcome will be.
    let stored = account.as_ref().and_then(|a| a.password_hash.clone());
    let matches = verify(pass.to_owned(), stored).await;
    // An operator's lock (`locked_until`) holds for every source; an inactive account is
    // refused alike, with the answer of a wrong password.
    let account = account.filter(|a| {
        a.locked_until.is_none_or(|until| until <= now())
            && a.status == AccountStatus::Active.as_db()
    });
    let Some(account) = account.filter(|_| matches) else {
        ctx.throttle.failed(&key, source);
        return Err(IdentityError::InvalidCredentials);
    };
    let txn = ctx.db.begin_write().await?;
    scope::update_account(account.id)
        .col_expr(accounts::Column::LastLoginAt, Expr::value(now()))
        .col_expr(
            accounts::Column::LoginCount,
            Expr::col(accounts::Column::LoginCount).add(1),
        )
        .exec(&txn)
        .await?;
    ctx.hooks.signed_in(&txn, account.id).await?;
    let issued = open_session(ctx, &txn, account.id).await?;
    txn.commit().await?;
    ctx.throttle.succeeded(&key, source);
    Ok(issued)
}

async fn open_session<C: ConnectionTrait>(
    ctx: &IdentityCtx,
    txn: &C,
    account_id: Uuid,
) -> Result<Issued> {
    let session_id = Uuid::new_v4();
    sessions::ActiveModel {
        id: Set(session_id),
        account_id: Set(account_id),
        ip: Set(ctx.client.ip.clone()),
        user_agent: Set(ctx
            .client
            .user_agent
            .clone()
            .map(|ua| ua.chars().take(512).collect())),
        created_at: Set(now()),
        last_used_at: Set(now()),
        expires_at: Set(now() + ctx.config.refresh_ttl),
        revoked_at: Set(None),
    }
    .insert(txn)
    .await?;
    let refresh_token = issue_refresh_token(txn, session_id).await?;
    Ok(Issued {
        account_id,
        session_id,
        access_token: tokens::access_token(&ctx.config, account_id, session_id),
        refresh_token,
    })
}

async fn issue_refresh_token<C: ConnectionTrait>(txn: &C, session_id: Uuid) -> Result<String> {
    let token = tokens::new_refresh_token();
    refresh_tokens::ActiveModel {
        id: Set(Uuid::new_v4()),
        session_id: Set(session_id),
        token_hash: Set(tokens::hash_refresh_token(&token)),
        created_at: Set(now()),
        used_at: Set(None),
    }
    .insert(txn)
    .await?;
    Ok(token)
}

/// Rotates a refresh token. Presenting one that was already rotated means it was copied: the
/// whole session (every token of the family) is revoked.
pub async fn refresh(ctx: &IdentityCtx, token: &str) -> Result<Issued> {
    let Some(row) = scope::refresh_token(tokens::hash_refresh_token(token))
        .one(&ctx.db)
        .await?
    else {
        return Err(IdentityError::InvalidSession);
    };
    let session = scope::session(row.session_id)
        .one(&ctx.db)
        .await?
        .ok_or(IdentityError::InvalidSession)?;
    if session.revoked_at.is_some() || session.expires_at <= now() {
        return Err(IdentityError::InvalidSession);
    }
    if row.used_at.is_some() {
        revoke_family(ctx, session.id).await?;
        return Err(IdentityError::InvalidSession);
    }
    // An inactive account's sessions refresh no more (its access token lives until it expires).
    let account = scope::account(session.account_id)
        .filter(accounts::Column::DeletedAt.is_null())
        .filter(accounts::Column::Status.eq(AccountStatus::Active.as_db()))
        .one(&ctx.db)
        .await?
        .ok_or(IdentityError::InvalidSession)?;
    let txn = ctx.db.begin_write().await?;
    // Only one of two concurrent refreshes with the same token can mark it used.
    let marked = scope::update_refresh_token(row.id)
        .col_expr(refresh_tokens::Column::UsedAt, Expr::value(now()))
        .filter(refresh_tokens::Column::UsedAt.is_null())
        .exec(&txn)
        .await?;
    if marked.rows_affected != 1 {
        txn.rollback().await?;
        revoke_family(ctx, session.id).await?;
        return Err(IdentityError::InvalidSession);
    }
    scope::update_session(session.id)
        .col_expr(sessions::Column::LastUsedAt, Expr::value(now()))
        .exec(&txn)
        .await?;
    let refresh_token = issue_refresh_token(&txn, session.id).await?;
    txn.commit().await?;
    Ok(Issued {
        account_id: account.id,
        session_id: session.id,
        access_token: tokens::access_token(&ctx.config, account.id, session.id),
        refresh_token,
    })
}

async fn revoke_family(ctx: &IdentityCtx, session_id: Uuid) -> Result<()> {
    tracing::warn!(%session_id, "refresh token reused; session revoked");
    scope::update_session(session_id)
        .col_expr(sessions::Column::RevokedAt, Expr::value(now()))
        .filter(sessions::Column::RevokedAt.is_null())
        .exec(&ctx.db)
        .await?;
    ctx.sessions.forget(session_id);
    Ok(())
}

/// Revokes the caller's current session, or all of the account's sessions. Their access
/// tokens stop working with them (see [`crate::sessions`] for the window across replicas).
pub async fn sign_out(ctx: &IdentityCtx, all: bool) -> Result<u64> {
    let account_id = ctx.viewer.account_id.ok_or(IdentityError::InvalidSession)?;
    let mut update = scope::update_sessions_of(account_id)
        .col_expr(sessions::Column::RevokedAt, Expr::value(now()))
        .filter(sessions::Column::RevokedAt.is_null());
    if !all {
        let Some(current) = ctx.viewer.session_id else {
            return Ok(0);
        };
        update = update.filter(sessions::Column::Id.eq(current));
    }
    let revoked = update.exec(&ctx.db).await?.rows_affected;
    ctx.sessions.forget_account(account_id);
    Ok(revoked)
}

/// Changes the password and revokes every other session of the account.
pub async fn change_password(ctx: &IdentityCtx, current: &str, new: &str) -> Result<u64> {
    let account_id = ctx.viewer.account_id.ok_or(IdentityError::InvalidSession)?;
    let account = scope::account(account_id)
        .filter(accounts::Column::DeletedAt.is_null())
        .one(&ctx.db)
        .await?
        .ok_or(IdentityError::InvalidSession)?;
    if !verify(current.to_owned(), account.password_hash.clone()).await {
        return Err(
            GraphError::bad_input("currentPassword", "Current password is incorrect").into(),
        );
    }
    password::check(new, "newPassword")?;
    if new == current {
        return Err(GraphError::bad_input(
            "newPassword",
            "New password must differ from the current one",
        )
        .into());
    }
    let hashed = hash(new.to_owned()).await?;
    let txn = ctx.db.begin_write().await?;
    scope::update_account(account_id)
        .col_expr(accounts::Column::PasswordHash, Expr::value(hashed))
        .exec(&txn)
        .await?;
    let mut others = scope::update_sessions_of(account_id)
        .col_expr(sessions::Column::RevokedAt, Expr::value(now()))
        .filter(sessions::Column::RevokedAt.is_null());
    if let Some(current) = ctx.viewer.session_id {
        others = others.filter(sessions::Column::Id.ne(current));
    }
    let revoked = others.exec(&txn).await?.rows_affected;
    txn.commit().await?;
    ctx.sessions.forget_account(account_id);
    Ok(revoked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn no_more_hashes_run_at_once_than_there_are_slots() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::Arc;
        let (now, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let runs = (0..24).map(|_| {
            let (now, most) = (now.clone(), most.clone());
            tokio::spawn(hashing(move || {
                let running = now.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(running, Ordering::SeqCst);
                std::thread::sleep(std::time::Duration::from_millis(5));
                now.fetch_sub(1, Ordering::SeqCst);
            }))
        });
        for run in runs.collect::<Vec<_>>() {
            run.await.expect("joined").expect("ran");
        }
        let slots = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
        let most = most.load(Ordering::SeqCst);
        assert!(
            most >= 1 && most <= slots,
            "{most} at once with {slots} slots"
        );
    }

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            normalize_email("  Ada.Lovelace@Example.COM ").expect("valid"),
            "ada.lovelace@example.com"
        );
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a b@example.com",
            "a@b@c.com",
        ] {
            assert!(normalize_email(bad).is_err(), "{bad}");
        }
    }
}
