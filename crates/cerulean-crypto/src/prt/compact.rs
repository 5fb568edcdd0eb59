//! Splitting RFC 7516 compact JWE (five dot-separated base64url segments) and reading its
//! protected header. Shared by the session-key JWE and the encrypted token response.

use serde_json::{Map, Value};

use crate::b64::b64url_decode;
use crate::error::{CryptoError, Result};

/// A compact JWE, decoded but not decrypted.
pub(crate) struct CompactJwe<'a> {
    /// The protected header segment as received (the GCM AAD).
    pub header_segment: &'a str,
    pub header: Map<String, Value>,
    pub encrypted_key: Vec<u8>,
    pub iv: Vec<u8>,
    pub ciphertext: Vec<u8>,
    pub tag: Vec<u8>,
}

impl<'a> CompactJwe<'a> {
    /// Refuses input longer than `max_len`, anything but five segments, a header that is
    /// not a JSON object and a `crit` header (no extensions are implemented).
    pub fn parse(text: &'a str, max_len: usize) -> Result<Self> {
        if text.len() > max_len {
            return Err(CryptoError::MalformedToken("JWE too large"));
        }
        let mut parts = text.split('.');
        let (Some(h), Some(k), Some(iv), Some(ct), Some(tag), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(CryptoError::MalformedToken(
                "expected five dot-separated segments",
            ));
        };
        let seg = |s: &str, what: &'static str| {
            b64url_decode(s).map_err(|_| CryptoError::MalformedToken(what))
        };
        let header = match serde_json::from_slice::<Value>(&seg(h, "JWE header is not base64url")?)
        {
            Ok(Value::Object(map)) => map,
            _ => {
                return Err(CryptoError::MalformedToken(
                    "JWE header is not a JSON object",
                ));
            }
        };
        if header.contains_key("crit") {
            return Err(CryptoError::MalformedToken("unsupported crit header"));
        }
        Ok(Self {
            header_segment: h,
            header,
            encrypted_key: seg(k, "JWE encrypted key is not base64url")?,
            iv: seg(iv, "JWE IV is not base64url")?,
            ciphertext: seg(ct, "JWE ciphertext is not base64url")?,
            tag: seg(tag, "JWE tag is not base64url")?,
        })
    }

    /// A string header parameter.
    pub fn header_str(&self, name: &str) -> Option<&str> {
        self.header.get(name).and_then(Value::as_str)
    }

    /// Requires `name` to be the string `expected`.
    pub fn require(&self, name: &'static str, expected: &str) -> Result<()> {
        match self.header_str(name) {
            Some(v) if v == expected => Ok(()),
            Some(v) => Err(CryptoError::UnsupportedAlgorithm(
                v.chars().take(32).collect(),
            )),
            None => Err(CryptoError::MalformedToken(match name {
                "alg" => "JWE header has no string alg",
                "enc" => "JWE header has no string enc",
                _ => "JWE header lacks a required parameter",
            })),
        }
    }
}
