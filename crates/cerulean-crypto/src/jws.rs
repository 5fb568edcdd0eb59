//! Compact JWS (RFC 7515 §7.1) signed with RS256 (RFC 7518 §3.3).
//!
//! Parsing is separate from verification: callers often need the header (`kid`, `x5c`) to
//! find the verification key, so `UnverifiedJws::parse` exposes it, and the claims only
//! come out of `verify_rs256`. Parsing also accepts HS256 tokens (Microsoft's PRT
//! credentials); their verification lives with the session-key code.

use std::fmt;

use serde_json::{Map, Value};

use crate::b64::{b64_std_decode, b64url_decode, b64url_encode};
use crate::error::{CryptoError, Result};
use crate::rsa::{RsaPrivateKey, RsaPublicKey};

/// Largest compact token accepted, in bytes. Real tokens, even with a certificate chain
/// in `x5c`, stay well below this; anything bigger is refused before decoding.
pub const MAX_TOKEN_LEN: usize = 64 * 1024;

/// The `alg` value this module signs and verifies.
pub const RS256: &str = "RS256";

/// Signs a JWT: `header` is used as given except that `alg` is forced to `RS256`;
/// `claims` must be a JSON object.
pub fn sign_jwt(
    key: &RsaPrivateKey,
    header: &Map<String, Value>,
    claims: &Value,
) -> Result<String> {
    if !claims.is_object() {
        return Err(CryptoError::MalformedToken("claims must be a JSON object"));
    }
    sign_rs256_compact(key, header, &serde_json::to_vec(claims)?)
}

/// Signs an arbitrary payload as a compact RS256 JWS (`alg` forced to `RS256`).
pub fn sign_rs256_compact(
    key: &RsaPrivateKey,
    header: &Map<String, Value>,
    payload: &[u8],
) -> Result<String> {
    let mut header = header.clone();
    header.insert("alg".to_owned(), Value::String(RS256.to_owned()));
    let mut token = b64url_encode(&serde_json::to_vec(&header)?);
    token.push('.');
    token.push_str(&b64url_encode(payload));
    let signature = key.sign_rs256(token.as_bytes())?;
    token.push('.');
    token.push_str(&b64url_encode(&signature));
    Ok(token)
}

/// A compact JWS split into its parts, signature not yet checked.
#[derive(Clone)]
pub struct UnverifiedJws {
    /// The protected header; always a JSON object with a string `alg` other than `none`.
    pub header: Map<String, Value>,
    /// The decoded payload, untrusted until verified.
    pub payload_bytes: Vec<u8>,
    /// `BASE64URL(header) . BASE64URL(payload)` exactly as received: the signed bytes.
    pub signing_input: String,
    /// The decoded signature.
    pub signature: Vec<u8>,
}

/// Shows the header only: payloads can carry passwords and refresh tokens.
impl fmt::Debug for UnverifiedJws {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnverifiedJws")
            .field("header", &self.header)
            .field("payload_len", &self.payload_bytes.len())
            .finish_non_exhaustive()
    }
}

impl UnverifiedJws {
    /// Splits and decodes a compact JWS. Accepts base64url with or without padding.
    /// Refuses oversized input, anything but three segments, a header that is not a JSON
    /// object, a missing `alg`, `alg: none` and an empty signature.
    pub fn parse(token: &str) -> Result<Self> {
        if token.len() > MAX_TOKEN_LEN {
            return Err(CryptoError::MalformedToken("token too large"));
        }
        let mut parts = token.split('.');
        let (Some(h), Some(p), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(CryptoError::MalformedToken(
                "expected three dot-separated segments",
            ));
        };
        let header_bytes =
            b64url_decode(h).map_err(|_| CryptoError::MalformedToken("header is not base64url"))?;
        let header = match serde_json::from_slice::<Value>(&header_bytes) {
            Ok(Value::Object(map)) => map,
            _ => return Err(CryptoError::MalformedToken("header is not a JSON object")),
        };
        match header.get("alg") {
            Some(Value::String(alg)) if alg.eq_ignore_ascii_case("none") => {
                return Err(CryptoError::UnsupportedAlgorithm("none".to_owned()));
            }
            Some(Value::String(_)) => {}
            _ => return Err(CryptoError::MalformedToken("header has no string alg")),
        }
        let payload_bytes = b64url_decode(p)
            .map_err(|_| CryptoError::MalformedToken("payload is not base64url"))?;
        let signature = b64url_decode(s)
            .map_err(|_| CryptoError::MalformedToken("signature is not base64url"))?;
        if signature.is_empty() {
            return Err(CryptoError::MalformedToken("missing signature"));
        }
        Ok(Self {
            header,
            payload_bytes,
            signing_input: format!("{h}.{p}"),
            signature,
        })
    }

    /// The header's `alg` (always present after `parse`).
    pub fn alg(&self) -> Option<&str> {
        self.header_str("alg")
    }

    /// The header's `kid`, if it is a string.
    pub fn kid(&self) -> Option<&str> {
        self.header_str("kid")
    }

    /// The header's `typ`, if it is a string.
    pub fn typ(&self) -> Option<&str> {
        self.header_str("typ")
    }

    /// Any string-valued header parameter.
    pub fn header_str(&self, name: &str) -> Option<&str> {
        self.header.get(name).and_then(Value::as_str)
    }

    /// The DER certificates of the `x5c` header, leaf first; empty if absent.
    ///
    /// RFC 7515 §4.1.6 says an array of standard-base64 strings; some Microsoft clients
    /// send one bare string instead, so both are accepted.
    pub fn x5c_der(&self) -> Result<Vec<Vec<u8>>> {
        let bad = || CryptoError::MalformedToken("x5c is not base64 certificate data");
        match self.header.get("x5c") {
            None => Ok(Vec::new()),
            Some(Value::String(one)) => Ok(vec![b64_std_decode(one).map_err(|_| bad())?]),
            Some(Value::Array(many)) => many
                .iter()
                .map(|v| {
                    v.as_str()
                        .ok_or_else(bad)
                        .and_then(|s| b64_std_decode(s).map_err(|_| bad()))
                })
                .collect(),
            Some(_) => Err(bad()),
        }
    }

    /// The payload parsed as a JSON object **without** checking the signature. Only for
    /// choosing a key (e.g. by `iss`) before calling a `verify_*` method.
    pub fn unverified_claims(&self) -> Result<Value> {
        parse_claims(&self.payload_bytes)
    }

    /// Checks that `alg` is `RS256`, that no `crit` extensions are demanded (we implement
    /// none, RFC 7515 §4.1.11), and that the signature verifies under `key`; then returns
    /// the claims, which must be a JSON object.
    pub fn verify_rs256(&self, key: &RsaPublicKey) -> Result<Value> {
        match self.alg() {
            Some(RS256) => {}
            other => {
                return Err(CryptoError::UnsupportedAlgorithm(
                    other.unwrap_or_default().to_owned(),
                ));
            }
        }
        if self.header.contains_key("crit") {
            return Err(CryptoError::MalformedToken("unsupported crit header"));
        }
        key.verify_rs256(self.signing_input.as_bytes(), &self.signature)?;
        parse_claims(&self.payload_bytes)
    }
}

fn parse_claims(payload: &[u8]) -> Result<Value> {
    match serde_json::from_slice::<Value>(payload) {
        Ok(v @ Value::Object(_)) => Ok(v),
        _ => Err(CryptoError::MalformedToken("payload is not a JSON object")),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::b64::b64_std_encode;
    use crate::rsa::tests::{other_test_key, test_key};

    fn header(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    #[test]
    fn round_trip_forces_rs256() -> Result<()> {
        let key = test_key();
        let claims = json!({"sub": "alice", "n": 1});
        let token = sign_jwt(
            key,
            &header(json!({"alg": "HS256", "kid": "k1", "typ": "JWT"})),
            &claims,
        )?;
        let jws = UnverifiedJws::parse(&token)?;
        assert_eq!(jws.alg(), Some("RS256"));
        assert_eq!(jws.kid(), Some("k1"));
        assert_eq!(jws.typ(), Some("JWT"));
        assert_eq!(jws.verify_rs256(&key.public_key())?, claims);
        assert_eq!(jws.unverified_claims()?, claims);
        Ok(())
    }

    #[test]
    fn tampered_payload_fails() -> Result<()> {
        let key = test_key();
        let token = sign_jwt(key, &Map::new(), &json!({"admin": false}))?;
        let parts: Vec<&str> = token.split('.').collect();
        let forged = format!(
            "{}.{}.{}",
            parts[0],
            b64url_encode(br#"{"admin":true}"#),
            parts[2]
        );
        let jws = UnverifiedJws::parse(&forged)?;
        assert!(matches!(
            jws.verify_rs256(&key.public_key()),
            Err(CryptoError::BadSignature)
        ));
        Ok(())
    }

    #[test]
    fn wrong_key_fails() -> Result<()> {
        let token = sign_jwt(test_key(), &Map::new(), &json!({}))?;
        let jws = UnverifiedJws::parse(&token)?;
        assert!(jws.verify_rs256(&other_test_key().public_key()).is_err());
        Ok(())
    }

    #[test]
    fn alg_none_rejected() {
        let h = b64url_encode(br#"{"alg":"none"}"#);
        let p = b64url_encode(br#"{"sub":"x"}"#);
        for token in [format!("{h}.{p}."), format!("{h}.{p}.AAAA")] {
            assert!(matches!(
                UnverifiedJws::parse(&token),
                Err(CryptoError::UnsupportedAlgorithm(_))
            ));
        }
        let h = b64url_encode(br#"{"alg":"NoNe"}"#);
        assert!(UnverifiedJws::parse(&format!("{h}.{p}.AAAA")).is_err());
    }

    #[test]
    fn other_alg_parses_but_does_not_verify_as_rs256() -> Result<()> {
        let h = b64url_encode(br#"{"alg":"HS256","ctx":"abc"}"#);
        let p = b64url_encode(br#"{"sub":"x"}"#);
        let jws = UnverifiedJws::parse(&format!("{h}.{p}.AAAA"))?;
        assert_eq!(jws.alg(), Some("HS256"));
        assert!(matches!(
            jws.verify_rs256(&test_key().public_key()),
            Err(CryptoError::UnsupportedAlgorithm(_))
        ));
        Ok(())
    }

    #[test]
    fn crit_header_rejected() -> Result<()> {
        let key = test_key();
        let token = sign_jwt(key, &header(json!({"crit": ["exp"]})), &json!({}))?;
        assert!(
            UnverifiedJws::parse(&token)?
                .verify_rs256(&key.public_key())
                .is_err()
        );
        Ok(())
    }

    #[test]
    fn padded_segments_accepted() -> Result<()> {
        let key = test_key();
        // A one-byte-shorter payload makes unpadded base64 that needs padding.
        let claims = json!({"a": "bc"});
        let token = sign_jwt(key, &Map::new(), &claims)?;
        let parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        let pad = |s: &str| format!("{s}{}", "=".repeat((4 - s.len() % 4) % 4));
        // Re-sign over the padded signing input so the signature matches what we send.
        let input = format!("{}.{}", pad(&parts[0]), pad(&parts[1]));
        let sig = b64url_encode(&key.sign_rs256(input.as_bytes())?);
        let jws = UnverifiedJws::parse(&format!("{input}.{}", pad(&sig)))?;
        assert_eq!(jws.verify_rs256(&key.public_key())?, claims);
        Ok(())
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let big = "a".repeat(MAX_TOKEN_LEN + 1);
        let inputs = [
            "",
            ".",
            "..",
            "...",
            "a.b.c",
            "a.b.c.d.e",
            "e30.e30.",
            "e30.e30.AAAA",
            "W10.e30.AAAA",
            "bnVsbA.e30.AAAA",
            "eyJhbGciOjF9.e30.AAAA",
            "!!!.e30.AAAA",
            "\u{0}.\u{0}.\u{0}",
            "ü.ü.ü",
            big.as_str(),
        ];
        for input in inputs {
            assert!(UnverifiedJws::parse(input).is_err(), "{input:?} accepted");
        }
        // Parses, but the payload is not a JSON object.
        let h = b64url_encode(br#"{"alg":"RS256"}"#);
        let jws = UnverifiedJws::parse(&format!("{h}.bm90IGpzb24.AAAA"));
        assert!(jws.is_ok_and(|j| j.unverified_claims().is_err()));
    }

    #[test]
    fn non_object_claims_refused_when_signing() {
        assert!(sign_jwt(test_key(), &Map::new(), &json!([1, 2])).is_err());
    }

    #[test]
    fn x5c_string_or_array() -> Result<()> {
        let der = b"\x30\x03\x02\x01\x01".to_vec();
        let b64 = b64_std_encode(&der);
        let p = b64url_encode(b"{}");
        for hdr in [
            json!({"alg": "RS256", "x5c": b64}),
            json!({"alg": "RS256", "x5c": [b64]}),
        ] {
            let h = b64url_encode(&serde_json::to_vec(&hdr)?);
            let jws = UnverifiedJws::parse(&format!("{h}.{p}.AAAA"))?;
            assert_eq!(jws.x5c_der()?, vec![der.clone()]);
        }
        let h = b64url_encode(br#"{"alg":"RS256","x5c":[1]}"#);
        assert!(
            UnverifiedJws::parse(&format!("{h}.{p}.AAAA"))?
                .x5c_der()
                .is_err()
        );
        let h = b64url_encode(br#"{"alg":"RS256"}"#);
        assert!(
            UnverifiedJws::parse(&format!("{h}.{p}.AAAA"))?
                .x5c_der()?
                .is_empty()
        );
        Ok(())
    }

    #[test]
    fn debug_hides_payload() -> Result<()> {
        let token = sign_jwt(test_key(), &Map::new(), &json!({"password": "hunter2"}))?;
        let dbg = format!("{:?}", UnverifiedJws::parse(&token)?);
        assert!(!dbg.contains("hunter2"));
        Ok(())
    }
}
