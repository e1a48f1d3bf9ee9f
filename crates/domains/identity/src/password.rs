//! Password rules and hashing (argon2id with the crate's recommended parameters).

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use std::collections::HashSet;
use std::sync::OnceLock;
use studiogate_graph::GraphError;

pub const MIN_LENGTH: usize = 10;
pub const MAX_LENGTH: usize = 256;

/// The 1000 most common passwords, from zxcvbn's ranked frequency list (MIT licence).
const COMMON: &str = include_str!("common_passwords.txt");

fn common() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        COMMON
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect()
    })
}

/// Checks a new password; `field` names the input for the error.
pub fn check(password: &str, field: &str) -> Result<(), GraphError> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err(GraphError::bad_input(
            field,
            format!("Password must be at least {MIN_LENGTH} characters"),
        ));
    }
    if length > MAX_LENGTH {
        return Err(GraphError::bad_input(
            field,
            format!("Password must be at most {MAX_LENGTH} characters"),
        ));
    }
    if common().contains(password.to_lowercase().as_str()) {
        return Err(GraphError::bad_input(
            field,
            "Password is one of the most common passwords",
        ));
    }
    Ok(())
}

pub fn hash(password: &str) -> Result<String, GraphError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| GraphError::internal(&e))
}

/// Verifies against `stored`, or against a fixed dummy hash when there is no account, so an
/// unknown e-mail costs the same time as a wrong password.
pub fn verify(password: &str, stored: Option<&str>) -> bool {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let dummy = DUMMY.get_or_init(|| hash("no-account-has-this-password").unwrap_or_default());
    let Ok(parsed) = PasswordHash::new(stored.unwrap_or(dummy)) else {
        return false;
    };
    let ok = Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok();
    ok && stored.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_common_passwords_are_refused() {
        assert!(check("short", "password").is_err());
        assert!(
            check("1234567890", "password").is_err(),
            "common and long enough"
        );
        assert!(check("correct horse battery staple", "password").is_ok());
        // The list is matched without regard to case, and the error names the field it was
        // given.
        let err = check("Password123", "newPassword").expect_err("common in any case");
        assert_eq!(err.code, studiogate_graph::ErrorCode::BadUserInput);
        assert_eq!(err.field.as_deref(), Some("newPassword"));
        assert_eq!(err.message, "Password is one of the most common passwords");
    }

    #[test]
    fn the_list_holds_a_thousand_passwords() {
        assert_eq!(common().len(), 1000);
        assert!(common().contains("password"));
    }

    #[test]
    fn hashes_verify_only_their_password() {
        let stored = hash("correct horse battery staple").expect("hash");
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify("correct horse battery staple", Some(&stored)));
        assert!(!verify("wrong horse battery staple", Some(&stored)));
        assert!(!verify("no-account-has-this-password", None));
    }
}
