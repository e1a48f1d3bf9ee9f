//! Whether the session an access token was issued for is still open, so a token dies with its
//! session (sign-out, a password change, a reused refresh token) instead of living out its
//! 15 minutes.
//!
//! The answer is cached per session for [`SESSION_TTL`]. In the process that revoked the
//! session the token stops working at once (the revocation forgets the cached answer); in
//! other replicas it stops within [`SESSION_TTL`]. The lookup runs on the background pool, so
//! it is not one of a request's statements, and costs one indexed read per session per
//! [`SESSION_TTL`].

use chrono::Utc;
use sea_orm::DatabaseConnection;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use studiogate_entities_identity::scope;
use uuid::Uuid;

/// How long a session's state is reused before it is read again.
pub const SESSION_TTL: Duration = Duration::from_secs(10);
/// Sessions remembered at most; the cache starts over when full.
const CAPACITY: usize = 100_000;

struct Known {
    at: Instant,
    account: Uuid,
    open: bool,
}

#[derive(Default)]
pub struct SessionCache {
    known: Mutex<HashMap<Uuid, Known>>,
}

impl SessionCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, Known>> {
        self.known
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether `session` is open and belongs to `account`.
    pub async fn is_open(
        &self,
        db: &DatabaseConnection,
        account: Uuid,
        session: Uuid,
    ) -> Result<bool, sea_orm::DbErr> {
        let cached = self
            .lock()
            .get(&session)
            .filter(|k| k.at.elapsed() < SESSION_TTL)
            .map(|k| k.open && k.account == account);
        if let Some(open) = cached {
            return Ok(open);
        }
        let row = scope::session(session).one(db).await?;
        let now = Utc::now();
        let (owner, open) = match &row {
            Some(s) => (s.account_id, s.revoked_at.is_none() && s.expires_at > now),
            None => (Uuid::nil(), false),
        };
        let mut known = self.lock();
        if known.len() >= CAPACITY {
            known.clear();
        }
        known.insert(
            session,
            Known {
                at: Instant::now(),
                account: owner,
                open,
            },
        );
        Ok(open && owner == account)
    }

    /// Forgets one session: the next token of it is checked against the database.
    pub fn forget(&self, session: Uuid) {
        self.lock().remove(&session);
    }

    /// Forgets every session of an account.
    pub fn forget_account(&self, account: Uuid) {
        self.lock().retain(|_, k| k.account != account);
    }
}
