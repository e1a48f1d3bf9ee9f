//! Access tokens (short-lived JWTs) and refresh tokens (random, stored only as a hash).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use studiogate_graph::Claims;
use uuid::Uuid;

use crate::IdentityConfig;

pub const ISSUER: &str = "studiogate";

pub fn access_token(config: &IdentityConfig, account_id: Uuid, session_id: Uuid) -> String {
    let now = chrono::Utc::now().timestamp();
    config.keys.sign_claims(&Claims {
        sub: account_id,
        exp: now + config.access_ttl.as_secs() as i64,
        iat: now,
        role: Some("authenticated".into()),
        iss: Some(ISSUER.into()),
        sid: Some(session_id),
        ..Claims::default()
    })
}

/// 256 random bits, URL-safe.
pub fn new_refresh_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A refresh token has 256 bits of entropy, so a fast hash is enough to make a database leak
/// useless without making lookups slow.
pub fn hash_refresh_token(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_tokens_are_unique_and_hash_to_hex() {
        let (a, b) = (new_refresh_token(), new_refresh_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        let h = hash_refresh_token(&a);
        assert_eq!(h.len(), 64);
        assert_eq!(h, hash_refresh_token(&a));
        assert_ne!(h, hash_refresh_token(&b));
    }
}
