//! Containers for secret material.
//!
//! They exist so that a secret cannot end up in a log line by accident (`Debug` is
//! redacted, there is no `Display` and no `Serialize`), is wiped from memory when dropped,
//! and is compared in constant time.

use std::fmt;

use serde::{Deserialize, Deserializer};
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

/// A secret UTF-8 string (password, client secret, PEM private key).
#[derive(Clone, Default)]
pub struct SecretString(String);

impl SecretString {
    /// Takes ownership of `value`; the caller's copy is moved, not duplicated.
    pub fn new(value: String) -> Self {
        Self(value)
    }

    /// Borrows the secret. Keep the borrow short and never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Drop for SecretString {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretString(***)")
    }
}

impl From<String> for SecretString {
    fn from(value: String) -> Self {
        Self(value)
    }
}

impl From<&str> for SecretString {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

impl PartialEq for SecretString {
    fn eq(&self, other: &Self) -> bool {
        constant_time_eq(self.0.as_bytes(), other.0.as_bytes())
    }
}

impl Eq for SecretString {}

/// Secrets arrive in configuration files and request bodies, so they can be deserialised;
/// they deliberately cannot be serialised.
impl<'de> Deserialize<'de> for SecretString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self)
    }
}

/// Secret bytes (private key DER, symmetric keys, session keys).
#[derive(Clone, Default)]
pub struct SecretBytes(Vec<u8>);

impl SecretBytes {
    /// Takes ownership of `value`.
    pub fn new(value: Vec<u8>) -> Self {
        Self(value)
    }

    /// Borrows the secret. Keep the borrow short and never log it.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no bytes.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Drop for SecretBytes {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretBytes(***)")
    }
}

impl From<Vec<u8>> for SecretBytes {
    fn from(value: Vec<u8>) -> Self {
        Self(value)
    }
}

impl PartialEq for SecretBytes {
    fn eq(&self, other: &Self) -> bool {
        constant_time_eq(&self.0, &other.0)
    }
}

impl Eq for SecretBytes {}

/// Compares two byte strings without a data-dependent early exit.
///
/// The length is not secret (an attacker usually knows it), so slices of different length
/// return `false` at once; equal-length slices are compared in constant time.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let s = SecretString::new("hunter2".to_owned());
        let b = SecretBytes::new(b"hunter2".to_vec());
        assert_eq!(format!("{s:?}"), "SecretString(***)");
        assert_eq!(format!("{b:?}"), "SecretBytes(***)");
        assert_eq!(s.expose(), "hunter2");
        assert_eq!(b.expose(), b"hunter2");
    }

    #[test]
    fn constant_time_comparison() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert!(constant_time_eq(b"", b""));
        assert_eq!(SecretString::from("x"), SecretString::from("x".to_owned()));
        assert_ne!(SecretBytes::from(vec![1]), SecretBytes::from(vec![2]));
    }

    #[test]
    fn deserialises_from_json_string() -> Result<(), serde_json::Error> {
        let s: SecretString = serde_json::from_str("\"pw\"")?;
        assert_eq!(s.expose(), "pw");
        Ok(())
    }
}
