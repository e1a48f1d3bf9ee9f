//! Who is asking: the bearer token's claims, verified, become a [`Viewer`].

use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use uuid::Uuid;

/// What kind of client the token says is calling, from its `role` claim. Platform
/// administration is not a token claim: it is stored per domain in the database (see
/// [`Viewer::admin_of`]); tenant roles live in each domain's memberships.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlatformRole {
    /// Supabase's `authenticated`, and any role we do not know, grant nothing extra.
    Authenticated,
    /// A machine client, such as a workflow runner.
    Service,
}

impl PlatformRole {
    fn from_claim(role: Option<&str>) -> Self {
        match role {
            Some("service") => Self::Service,
            _ => Self::Authenticated,
        }
    }
}

/// The caller of one request. `account_id` is `None` for anonymous requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Viewer {
    pub account_id: Option<Uuid>,
    pub role: PlatformRole,
    /// The session a token issued by our own sign-in belongs to.
    pub session_id: Option<Uuid>,
    /// The domains whose platform administrator this account is (from the database).
    pub admin_of: Arc<[String]>,
}

impl Viewer {
    pub fn anonymous() -> Self {
        Self {
            account_id: None,
            role: PlatformRole::Authenticated,
            session_id: None,
            admin_of: Arc::from([]),
        }
    }

    /// The viewer of verified claims, with the platform roles the database grants it.
    pub fn from_claims(claims: &Claims, admin_of: Arc<[String]>) -> Self {
        Self {
            account_id: Some(claims.sub),
            role: PlatformRole::from_claim(claims.role.as_deref()),
            session_id: claims.sid,
            admin_of,
        }
    }

    pub fn is_authenticated(&self) -> bool {
        self.account_id.is_some()
    }

    /// Whether this signed-in caller administers `domain` (a platform admin of one domain is
    /// nobody special in another). Service tokens never do.
    pub fn is_platform_admin(&self, domain: &str) -> bool {
        self.is_authenticated()
            && self.role != PlatformRole::Service
            && self.admin_of.iter().any(|d| d == domain)
    }
}

/// Claims as Supabase Auth issues them (`sub`, `exp`, `role`, `aud`, `email`), plus `sid` on
/// tokens of our own sign-in.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Claims {
    pub sub: Uuid,
    pub exp: i64,
    #[serde(default)]
    pub iat: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Supabase puts the sign-up form's fields (such as `full_name`) here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_metadata: Option<serde_json::Value>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AuthError {
    #[error("Authorization header must be `Bearer <token>`")]
    MalformedHeader,
    #[error("Token is expired")]
    Expired,
    #[error("Token is invalid")]
    Invalid,
    #[error("The token's session has ended; sign in again")]
    SessionEnded,
    #[error("Internal server error")]
    Internal,
}

/// HS256 keys shared with the issuer (`STUDIOGATE_JWT_SECRET`).
#[derive(Clone)]
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    audience: Option<String>,
}

impl JwtKeys {
    pub fn new(secret: &[u8], audience: Option<String>) -> Self {
        // Only HS256: a token that names another algorithm (or `none`) is refused by
        // jsonwebtoken before its signature is even looked at.
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 0;
        // A token that is not valid yet is refused, as for the issuers of `JwksConfig`.
        validation.validate_nbf = true;
        match &audience {
            Some(aud) => {
                // Without `aud` among the required claims a token lacking it would pass.
                validation.set_required_spec_claims(&["exp", "sub", "aud"]);
                validation.set_audience(&[aud]);
            }
            None => {
                validation.set_required_spec_claims(&["exp", "sub"]);
                validation.validate_aud = false;
            }
        }
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            audience,
        }
    }

    pub fn verify_claims(&self, token: &str) -> Result<Claims, AuthError> {
        decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|err| AuthError::from_jwt(&err))
    }

    /// The viewer a token alone describes: no platform roles (those are in the database).
    pub fn verify(&self, token: &str) -> Result<Viewer, AuthError> {
        self.verify_claims(token)
            .map(|c| Viewer::from_claims(&c, Arc::from([])))
    }

    /// Reads an `Authorization` header value; no header means an anonymous viewer.
    pub fn viewer_from_header(&self, header: Option<&str>) -> Result<Viewer, AuthError> {
        match bearer(header)? {
            Some(token) => self.verify(token),
            None => Ok(Viewer::anonymous()),
        }
    }

    /// Signs a token the way Supabase would, for `studiogate token` and for tests.
    pub fn sign(&self, sub: Uuid, ttl_secs: i64, role: Option<&str>) -> String {
        let now = chrono::Utc::now().timestamp();
        self.sign_claims(&Claims {
            sub,
            exp: now + ttl_secs,
            iat: now,
            role: Some(role.unwrap_or("authenticated").to_owned()),
            ..Claims::default()
        })
    }

    /// Signs `claims` with the shared secret; the configured audience is filled in.
    pub fn sign_claims(&self, claims: &Claims) -> String {
        let claims = Claims {
            aud: claims.aud.clone().or_else(|| self.audience.clone()),
            ..claims.clone()
        };
        // HS256 signing of a serialisable struct cannot fail.
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding).unwrap_or_default()
    }
}

impl AuthError {
    pub fn from_jwt(err: &jsonwebtoken::errors::Error) -> Self {
        match err.kind() {
            jsonwebtoken::errors::ErrorKind::ExpiredSignature => Self::Expired,
            _ => Self::Invalid,
        }
    }
}

/// The token of an `Authorization: Bearer <token>` header value, `None` without a header.
pub fn bearer(header: Option<&str>) -> Result<Option<&str>, AuthError> {
    let Some(value) = header else {
        return Ok(None);
    };
    value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(Some)
        .ok_or(AuthError::MalformedHeader)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    fn keys() -> JwtKeys {
        JwtKeys::new(b"test-secret", None)
    }

    #[test]
    fn a_signed_token_verifies_with_its_subject_and_role() {
        let sub = Uuid::new_v4();
        let viewer = keys()
            .verify(&keys().sign(sub, 60, Some("service")))
            .expect("valid");
        assert_eq!(viewer.account_id, Some(sub));
        assert_eq!(viewer.role, PlatformRole::Service);
    }

    /// Platform administration is not a token claim: a token saying so is a plain viewer.
    #[test]
    fn a_platform_admin_claim_grants_nothing() {
        let viewer = keys()
            .verify(&keys().sign(Uuid::new_v4(), 60, Some("platform_admin")))
            .expect("valid");
        assert_eq!(viewer.role, PlatformRole::Authenticated);
        assert!(!viewer.is_platform_admin("studios"));
    }

    #[test]
    fn expired_tokens_are_refused() {
        let token = keys().sign(Uuid::new_v4(), -10, None);
        assert_eq!(keys().verify(&token), Err(AuthError::Expired));
    }

    #[test]
    fn tokens_not_valid_yet_are_refused() {
        let header = jsonwebtoken::Header::new(Algorithm::HS256);
        let now = chrono::Utc::now().timestamp();
        let claims =
            |nbf: i64| serde_json::json!({ "sub": Uuid::new_v4(), "exp": now + 600, "nbf": nbf });
        let key = EncodingKey::from_secret(b"test-secret");
        let later = encode(&header, &claims(now + 300), &key).expect("token");
        assert_eq!(keys().verify(&later), Err(AuthError::Invalid));
        let earlier = encode(&header, &claims(now - 10), &key).expect("token");
        assert!(keys().verify(&earlier).is_ok());
    }

    #[test]
    fn tokens_signed_with_another_secret_are_refused() {
        let other = JwtKeys::new(b"another-secret", None);
        let token = other.sign(Uuid::new_v4(), 60, None);
        assert_eq!(keys().verify(&token), Err(AuthError::Invalid));
    }

    #[test]
    fn alg_none_is_refused() {
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let header = b64.encode(r#"{"alg":"none","typ":"JWT"}"#);
        let claims = b64.encode(format!(
            r#"{{"sub":"{}","exp":{}}}"#,
            Uuid::new_v4(),
            chrono::Utc::now().timestamp() + 60
        ));
        assert_eq!(
            keys().verify(&format!("{header}.{claims}.")),
            Err(AuthError::Invalid)
        );
    }

    #[test]
    fn audience_is_checked_when_configured() {
        let strict = JwtKeys::new(b"test-secret", Some("authenticated".into()));
        let token = keys().sign(Uuid::new_v4(), 60, None);
        assert_eq!(strict.verify(&token), Err(AuthError::Invalid));
        assert!(strict
            .verify(&strict.sign(Uuid::new_v4(), 60, None))
            .is_ok());
    }

    #[test]
    fn missing_header_is_anonymous_and_bad_scheme_is_refused() {
        assert_eq!(keys().viewer_from_header(None), Ok(Viewer::anonymous()));
        assert_eq!(
            keys().viewer_from_header(Some("Basic abc")),
            Err(AuthError::MalformedHeader)
        );
    }
}
