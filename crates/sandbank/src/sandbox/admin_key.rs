//! The admin key: the bearer token that opens the sandbox control API (`/sandbox`).
//!
//! `serve --admin-key` (or `SANDBANK_ADMIN_KEY`) sets it; otherwise each start makes a random
//! one. Either way the ready line prints it, so whoever started the bank can steer it and
//! nobody else on the machine can.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// Random bytes in a generated key: 256 bits.
const GENERATED_BYTES: usize = 32;

/// The bearer token of the sandbox control API. Its `Debug` output hides the key.
#[derive(Clone, PartialEq, Eq)]
pub struct AdminKey(String);

/// Why a key given on the command line was refused.
#[derive(Debug, thiserror::Error)]
pub enum AdminKeyError {
    /// Not usable as a bearer token.
    #[error(
        "the admin key must be 1 to 512 characters from A-Z a-z 0-9 - . _ ~ + / = (a bearer token)"
    )]
    Malformed,
    /// The system's random number generator failed.
    #[error("the system random number generator failed")]
    Random,
}

impl AdminKey {
    /// A fresh random key: 32 bytes from the system's generator, base64url without padding.
    pub fn generate() -> Result<AdminKey, AdminKeyError> {
        let mut bytes = [0u8; GENERATED_BYTES];
        aws_lc_rs::rand::fill(&mut bytes).map_err(|_| AdminKeyError::Random)?;
        Ok(AdminKey(URL_SAFE_NO_PAD.encode(bytes)))
    }

    /// A chosen key. It must fit the `b64token` syntax of an `Authorization: Bearer` header
    /// (RFC 6750 §2.1), so that clients can send it as it is.
    pub fn new(key: impl Into<String>) -> Result<AdminKey, AdminKeyError> {
        let key = key.into();
        let b64token = |c: char| c.is_ascii_alphanumeric() || "-._~+/=".contains(c);
        if key.is_empty() || key.len() > 512 || !key.chars().all(b64token) {
            return Err(AdminKeyError::Malformed);
        }
        Ok(AdminKey(key))
    }

    /// The key itself, for the ready line.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether `presented` is the key. The comparison takes the same time wherever the two
    /// differ, and whatever their lengths (it compares SHA-256 digests).
    pub fn matches(&self, presented: &str) -> bool {
        use aws_lc_rs::digest::{SHA256, digest};
        let want = digest(&SHA256, self.0.as_bytes());
        let have = digest(&SHA256, presented.as_bytes());
        aws_lc_rs::constant_time::verify_slices_are_equal(want.as_ref(), have.as_ref()).is_ok()
    }
}

impl fmt::Debug for AdminKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AdminKey(…)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_are_256_bit_base64url_and_differ() {
        let one = AdminKey::generate().unwrap();
        let two = AdminKey::generate().unwrap();
        assert_ne!(one, two);
        assert_eq!(URL_SAFE_NO_PAD.decode(one.expose()).unwrap().len(), 32);
        assert!(AdminKey::new(one.expose()).is_ok());
    }

    #[test]
    fn only_the_key_itself_matches() {
        let key = AdminKey::new("s3cret-key").unwrap();
        assert!(key.matches("s3cret-key"));
        for other in [
            "",
            "s3cret-ke",
            "s3cret-key ",
            "S3cret-key",
            "s3cret-key-and-more",
        ] {
            assert!(!key.matches(other), "{other:?}");
        }
    }

    #[test]
    fn chosen_keys_must_be_bearer_tokens() {
        for bad in ["", "has space", "quote\"", "é", &"x".repeat(513)] {
            assert!(AdminKey::new(bad).is_err(), "{bad:?}");
        }
        assert!(format!("{:?}", AdminKey::new("visible").unwrap()).contains('…'));
    }
}
