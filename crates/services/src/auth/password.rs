//! Password hashing with argon2id (OWASP's recommended parameters: 19 MiB, 2 passes, 1 lane)
//! and the password policy.

use std::sync::OnceLock;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use super::AuthError;

fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password into a PHC string (`$argon2id$v=19$...`).
pub fn hash_password(password: &str) -> Result<String, AuthError> {
    let salt = SaltString::generate(&mut OsRng);
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|_| AuthError::Invalid {
            field: "password",
            message: "this password cannot be used".into(),
        })
}

/// Checks a password against a stored PHC string; a malformed stored hash never matches.
pub fn verify_password(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|parsed| {
            hasher()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Verifies against a fixed hash so a sign-in with an unknown username takes as long as one
/// with a known username.
pub(super) fn burn_time(password: &str) {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let dummy =
        DUMMY.get_or_init(|| hash_password("dealerdesk-timing-equaliser").unwrap_or_default());
    let _ = verify_password(password, dummy);
}

/// The password policy (NIST SP 800-63B style): length over composition rules.
pub fn check_policy(password: &str, username: &str) -> Result<(), String> {
    let n = password.chars().count();
    if n < 12 {
        return Err("use at least 12 characters".into());
    }
    if n > 128 {
        return Err("use at most 128 characters".into());
    }
    if password.to_lowercase().contains(username) {
        return Err("the password must not contain the username".into());
    }
    if password
        .chars()
        .all(|c| c == password.chars().next().unwrap_or(' '))
    {
        return Err("the password must not be one repeated character".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hashed_password_verifies_and_a_wrong_one_does_not() {
        let hash = hash_password("correct horse battery").expect("hash");
        assert!(hash.starts_with("$argon2id$"), "argon2id PHC string");
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse batterY", &hash));
        assert!(
            !verify_password("anything", "not a hash"),
            "malformed hash never matches"
        );
    }

    #[test]
    fn the_policy_names_what_is_wrong() {
        assert!(check_policy("short", "amy").is_err());
        assert!(check_policy("aaaaaaaaaaaaaa", "amy").is_err());
        assert!(check_policy("my name is amy!!", "amy").is_err());
        assert!(check_policy("a long enough passphrase", "amy").is_ok());
    }
}
