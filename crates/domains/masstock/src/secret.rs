//! API keys at rest: ChaCha20-Poly1305 under a key from configuration, bound to the execution
//! it belongs to (the execution id is the associated data, so a ciphertext copied to another
//! row does not open). A stored value names the key that sealed it, so a previous key keeps
//! opening what it sealed while a new key seals everything new (rotation: see the README).

use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use rand::RngCore;
use sha2::{Digest, Sha256};
use uuid::Uuid;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD_NO_PAD;
const VERSION: &str = "v1";

/// One key and the short id stored beside what it seals.
struct SealKey {
    id: String,
    cipher: ChaCha20Poly1305,
}

impl SealKey {
    fn new(bytes: [u8; 32]) -> Self {
        let digest = Sha256::digest(bytes);
        Self {
            id: hex::encode(&digest[..4]),
            cipher: ChaCha20Poly1305::new(Key::from_slice(&bytes)),
        }
    }
}

/// The current key (seals and opens) and, during a rotation, the previous one (opens only).
pub struct KeyRing {
    current: SealKey,
    previous: Option<SealKey>,
}

/// Why a stored value did not open: it names no key we hold, or it was altered.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OpenError {
    #[error("sealed by a key this server no longer holds ({0})")]
    UnknownKey(String),
    #[error("not a sealed value, or altered")]
    Corrupt,
}

/// 64 hex digits, or base64 of 32 bytes.
fn parse_key(name: &str, value: &str) -> Result<[u8; 32], String> {
    let value = value.trim();
    let bytes = hex::decode(value)
        .ok()
        .or_else(|| base64::engine::general_purpose::STANDARD.decode(value).ok())
        .ok_or_else(|| format!("{name}: expected 32 bytes as 64 hex digits or base64"))?;
    bytes
        .try_into()
        .map_err(|b: Vec<u8>| format!("{name}: expected 32 bytes, got {}", b.len()))
}

impl KeyRing {
    /// The keys of configuration. Without a current key the ring derives one from `fallback`
    /// (the JWT secret), so a development setup works without another setting.
    pub fn from_config(
        current: Option<&str>,
        previous: Option<&str>,
        fallback: &str,
    ) -> Result<Self, String> {
        let current = match current {
            Some(value) => parse_key("STUDIOGATE_MASSTOCK_SECRET_KEY", value)?,
            None => Sha256::digest(format!("masstock-api-keys:{fallback}")).into(),
        };
        let previous = previous
            .map(|value| parse_key("STUDIOGATE_MASSTOCK_PREVIOUS_SECRET_KEY", value))
            .transpose()?;
        Ok(Self {
            current: SealKey::new(current),
            previous: previous.map(SealKey::new),
        })
    }

    /// `v1:<key id>:<nonce and ciphertext, base64>`.
    pub fn seal(&self, plaintext: &str, owner: Uuid) -> String {
        let mut nonce = [0u8; 12];
        rand::thread_rng().fill_bytes(&mut nonce);
        let payload = Payload {
            msg: plaintext.as_bytes(),
            aad: owner.as_bytes(),
        };
        // Encryption fails only for messages of 256 GiB and more.
        let sealed = self
            .current
            .cipher
            .encrypt(Nonce::from_slice(&nonce), payload)
            .unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        format!("{VERSION}:{}:{}", self.current.id, B64.encode(out))
    }

    pub fn open(&self, stored: &str, owner: Uuid) -> Result<String, OpenError> {
        let mut parts = stored.splitn(3, ':');
        let (Some(VERSION), Some(id), Some(body)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(OpenError::Corrupt);
        };
        let key = [Some(&self.current), self.previous.as_ref()]
            .into_iter()
            .flatten()
            .find(|k| k.id == id)
            .ok_or_else(|| OpenError::UnknownKey(id.to_owned()))?;
        let bytes = B64.decode(body).map_err(|_| OpenError::Corrupt)?;
        if bytes.len() < 12 {
            return Err(OpenError::Corrupt);
        }
        let (nonce, sealed) = bytes.split_at(12);
        let payload = Payload {
            msg: sealed,
            aad: owner.as_bytes(),
        };
        let plain = key
            .cipher
            .decrypt(Nonce::from_slice(nonce), payload)
            .map_err(|_| OpenError::Corrupt)?;
        String::from_utf8(plain).map_err(|_| OpenError::Corrupt)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
    const B: &str = "1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100";

    #[test]
    fn a_sealed_key_opens_for_its_owner_only_and_hides_the_plaintext() {
        let ring = KeyRing::from_config(Some(A), None, "").expect("keys");
        let owner = Uuid::new_v4();
        let sealed = ring.seal("sk-secret-123", owner);
        assert!(!sealed.contains("sk-secret"));
        assert_eq!(ring.open(&sealed, owner).expect("opens"), "sk-secret-123");
        assert_eq!(ring.open(&sealed, Uuid::new_v4()), Err(OpenError::Corrupt));
        assert_ne!(
            ring.seal("sk-secret-123", owner),
            sealed,
            "a fresh nonce each time"
        );
    }

    #[test]
    fn rotation_opens_old_values_with_the_previous_key_and_seals_with_the_new() {
        let owner = Uuid::new_v4();
        let old = KeyRing::from_config(Some(A), None, "").expect("keys");
        let sealed = old.seal("k", owner);
        let rotated = KeyRing::from_config(Some(B), Some(A), "").expect("keys");
        assert_eq!(rotated.open(&sealed, owner).expect("previous key"), "k");
        let fresh = rotated.seal("k", owner);
        assert!(matches!(
            old.open(&fresh, owner),
            Err(OpenError::UnknownKey(_))
        ));
        let after = KeyRing::from_config(Some(B), None, "").expect("keys");
        assert!(matches!(
            after.open(&sealed, owner),
            Err(OpenError::UnknownKey(_))
        ));
    }

    #[test]
    fn malformed_keys_are_refused_with_their_setting_named() {
        let err = KeyRing::from_config(Some("abc"), None, "")
            .err()
            .expect("refused");
        assert!(err.starts_with("STUDIOGATE_MASSTOCK_SECRET_KEY"), "{err}");
        let err = KeyRing::from_config(Some(A), Some("00ff"), "")
            .err()
            .expect("refused");
        assert!(err.contains("expected 32 bytes, got 2"), "{err}");
    }
}
