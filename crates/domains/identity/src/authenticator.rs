//! Turns an `Authorization` header into a [`Viewer`]: HS256 tokens with the shared secret (ours,
//! or Supabase's), RS256/ES256 tokens with keys from a JWKS document. The first request of an
//! unknown subject that carries an e-mail creates its account and profile.

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use sea_orm::{ActiveModelTrait, DatabaseConnection, Set, SqlErr};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use studiogate_entities_identity::{accounts, scope};
use studiogate_graph::{bearer, AuthError, BeginWrite, Claims, JwtKeys, Viewer};
use tokio::sync::RwLock;
use uuid::Uuid;

use crate::service::normalize_email;
use crate::sessions::SessionCache;
use studiogate_graph::{AccountHooks, Authenticate};

/// Where an external issuer publishes its keys, and what its tokens must say.
#[derive(Clone, Debug)]
pub struct JwksConfig {
    /// `https://...` (or `http://`) URL, or a file path.
    pub source: String,
    /// Required `iss`, when set.
    pub issuer: Option<String>,
    /// Required `aud`, when set.
    pub audience: Option<String>,
}

/// Keys are cached this long, then fetched again on the next request.
const JWKS_TTL: Duration = Duration::from_secs(600);
/// An unknown `kid` triggers a refresh at most this often, so forged kids cannot make us hammer
/// the issuer.
const MIN_REFRESH_INTERVAL: Duration = Duration::from_secs(1);

struct Jwks {
    config: JwksConfig,
    http: reqwest::Client,
    cache: RwLock<Option<(JwkSet, Instant)>>,
}

impl Jwks {
    async fn fetch(&self) -> Result<JwkSet, AuthError> {
        let source = &self.config.source;
        let body = if source.starts_with("http://") || source.starts_with("https://") {
            let resp = self.http.get(source).send().await.map_err(|e| {
                tracing::error!(error = %e, "fetching JWKS");
                AuthError::Invalid
            })?;
            resp.text().await.map_err(|_| AuthError::Invalid)?
        } else {
            tokio::fs::read_to_string(source).await.map_err(|e| {
                tracing::error!(error = %e, path = %source, "reading JWKS");
                AuthError::Invalid
            })?
        };
        serde_json::from_str(&body).map_err(|e| {
            tracing::error!(error = %e, "JWKS is not a JWK set");
            AuthError::Invalid
        })
    }

    /// The key for `kid`: from the cache, or after one refresh if the cache is stale or does
    /// not know the kid.
    async fn key(&self, kid: &str) -> Result<DecodingKey, AuthError> {
        {
            let cache = self.cache.read().await;
            if let Some((set, at)) = cache.as_ref() {
                let fresh = at.elapsed() < JWKS_TTL;
                if let (true, Some(jwk)) = (fresh, set.find(kid)) {
                    return DecodingKey::from_jwk(jwk).map_err(|_| AuthError::Invalid);
                }
                if fresh && at.elapsed() < MIN_REFRESH_INTERVAL {
                    return Err(AuthError::Invalid);
                }
            }
        }
        let mut cache = self.cache.write().await;
        let set = self.fetch().await?;
        let key = set.find(kid).map(DecodingKey::from_jwk);
        *cache = Some((set, Instant::now()));
        key.ok_or(AuthError::Invalid)?
            .map_err(|_| AuthError::Invalid)
    }

    async fn verify(
        &self,
        token: &str,
        alg: Algorithm,
        kid: Option<&str>,
    ) -> Result<Claims, AuthError> {
        let key = self.key(kid.ok_or(AuthError::Invalid)?).await?;
        let mut validation = Validation::new(alg);
        validation.leeway = 0;
        validation.validate_nbf = true;
        let mut required = vec!["exp", "sub"];
        match &self.config.audience {
            Some(aud) => {
                validation.set_audience(&[aud]);
                required.push("aud");
            }
            None => validation.validate_aud = false,
        }
        if let Some(iss) = &self.config.issuer {
            validation.set_issuer(&[iss]);
            required.push("iss");
        }
        validation.set_required_spec_claims(&required);
        decode::<Claims>(token, &key, &validation)
            .map(|data| data.claims)
            .map_err(|e| AuthError::from_jwt(&e))
    }
}

/// How long an account's platform roles are reused before they are read again: a grant or a
/// revocation takes effect within this time.
const ROLES_TTL: Duration = Duration::from_secs(10);
/// Accounts whose roles are kept at most; the cache starts over when full.
const ROLES_CACHE: usize = 50_000;

type RoleCache = HashMap<Uuid, (Instant, Arc<[String]>)>;

pub struct Authenticator {
    keys: JwtKeys,
    jwks: Option<Jwks>,
    db: DatabaseConnection,
    /// A pool of its own for the platform-role lookups, so they neither count among a
    /// request's statements nor wait behind requests.
    background: DatabaseConnection,
    roles: Mutex<RoleCache>,
    hooks: Arc<dyn AccountHooks>,
    /// Subjects known to have an account, so provisioning costs one lookup per process.
    known: Mutex<HashSet<Uuid>>,
    /// Whether the sessions our own tokens name are still open.
    sessions: Arc<SessionCache>,
}

impl Authenticator {
    pub fn new(
        keys: JwtKeys,
        jwks: Option<JwksConfig>,
        db: DatabaseConnection,
        background: DatabaseConnection,
        hooks: Arc<dyn AccountHooks>,
        sessions: Arc<SessionCache>,
    ) -> Self {
        Self {
            keys,
            jwks: jwks.map(|config| Jwks {
                config,
                http: reqwest::Client::builder()
                    .timeout(Duration::from_secs(5))
                    .build()
                    .unwrap_or_default(),
                cache: RwLock::new(None),
            }),
            db,
            background,
            roles: Mutex::new(HashMap::new()),
            hooks,
            known: Mutex::new(HashSet::new()),
            sessions,
        }
    }

    pub async fn viewer(&self, header: Option<&str>) -> Result<Viewer, AuthError> {
        Authenticate::viewer(self, header).await
    }
}

#[async_trait::async_trait]
impl Authenticate for Authenticator {
    async fn viewer(&self, header: Option<&str>) -> Result<Viewer, AuthError> {
        let Some(token) = bearer(header)? else {
            return Ok(Viewer::anonymous());
        };
        let head = decode_header(token).map_err(|_| AuthError::Invalid)?;
        let claims = match (head.alg, &self.jwks) {
            (Algorithm::HS256, _) => self.keys.verify_claims(token)?,
            (alg @ (Algorithm::RS256 | Algorithm::ES256), Some(jwks)) => {
                jwks.verify(token, alg, head.kid.as_deref()).await?
            }
            _ => return Err(AuthError::Invalid),
        };
        if claims.email.is_some() {
            self.provision(&claims).await?;
        }
        // Our own tokens die with their session; others' sessions are their issuer's.
        if let (Some(crate::tokens::ISSUER), Some(session)) = (claims.iss.as_deref(), claims.sid) {
            let open = self
                .sessions
                .is_open(&self.background, claims.sub, session)
                .await
                .map_err(|err| {
                    tracing::error!(error = %err, "reading a session");
                    AuthError::Internal
                })?;
            if !open {
                return Err(AuthError::SessionEnded);
            }
        }
        let admin_of = self.admin_of(claims.sub).await?;
        Ok(Viewer::from_claims(&claims, admin_of))
    }
}

impl Authenticator {
    /// The domains the account administers, from `platform_roles` (cached for [`ROLES_TTL`]).
    async fn admin_of(&self, account: Uuid) -> Result<Arc<[String]>, AuthError> {
        let cached = self.roles.lock().ok().and_then(|cache| {
            cache
                .get(&account)
                .filter(|(at, _)| at.elapsed() < ROLES_TTL)
                .map(|(_, domains)| domains.clone())
        });
        if let Some(domains) = cached {
            return Ok(domains);
        }
        let domains: Arc<[String]> = crate::roles::admin_of(&self.background, account)
            .await
            .map_err(|err| {
                tracing::error!(error = %err, "reading platform roles");
                AuthError::Internal
            })?
            .into();
        if let Ok(mut cache) = self.roles.lock() {
            if cache.len() >= ROLES_CACHE {
                cache.clear();
            }
            cache.insert(account, (Instant::now(), domains.clone()));
        }
        Ok(domains)
    }

    /// Creates the account and profile of a subject seen for the first time, as Supabase's
    /// `auth.users` trigger creates a profile.
    async fn provision(&self, claims: &Claims) -> Result<(), AuthError> {
        if self
            .known
            .lock()
            .map(|k| k.contains(&claims.sub))
            .unwrap_or(false)
        {
            return Ok(());
        }
        let internal = |e: sea_orm::DbErr| {
            tracing::error!(error = %e, "provisioning an account");
            AuthError::Internal
        };
        let exists = scope::account(claims.sub)
            .one(&self.db)
            .await
            .map_err(internal)?
            .is_some();
        if !exists {
            let email = claims
                .email
                .as_deref()
                .and_then(|e| normalize_email(e).ok())
                .ok_or(AuthError::Invalid)?;
            let full_name = claims
                .user_metadata
                .as_ref()
                .and_then(|m| m["full_name"].as_str())
                .map(str::to_owned)
                .filter(|n| (2..=100).contains(&n.chars().count()))
                .unwrap_or_else(|| email.clone().chars().take(100).collect());
            let now = chrono::Utc::now().fixed_offset();
            let txn = self.db.begin_write().await.map_err(internal)?;
            let inserted = accounts::ActiveModel {
                id: Set(claims.sub),
                email: Set(email),
                created_at: Set(now),
                password_hash: Set(None),
                email_verified: Set(true),
                last_login_at: Set(Some(now)),
                login_count: Set(1),
                failed_login_attempts: Set(0),
                locked_until: Set(None),
                deleted_at: Set(None),
                status: Set(crate::status::AccountStatus::Active.as_db().into()),
            }
            .insert(&txn)
            .await;
            match inserted {
                Ok(_) => {
                    self.hooks
                        .account_created(&txn, claims.sub, &full_name)
                        .await
                        .map_err(internal)?;
                    txn.commit().await.map_err(internal)?;
                }
                // Another request provisioned it first, or the e-mail belongs to another
                // account: only the first is fine.
                Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                    let _ = txn.rollback().await;
                    let mine = scope::account(claims.sub)
                        .one(&self.db)
                        .await
                        .map_err(internal)?;
                    if mine.is_none() {
                        tracing::warn!(sub = %claims.sub, "external token's email belongs to another account");
                        return Err(AuthError::Invalid);
                    }
                }
                Err(err) => return Err(internal(err)),
            }
        }
        if let Ok(mut known) = self.known.lock() {
            if known.len() > 100_000 {
                known.clear();
            }
            known.insert(claims.sub);
        }
        Ok(())
    }
}
