//! RSA JSON Web Keys (RFC 7517, RFC 7518 §6.3) as published in Entra-style JWKS documents.

use serde::{Deserialize, Deserializer, Serialize};
use sha2::{Digest, Sha256};

use crate::b64::{b64_std_decode, b64_std_encode, b64url_decode, b64url_encode};
use crate::error::{CryptoError, Result};
use crate::pki::sha1_digest;
use crate::rsa::RsaPublicKey;

/// One RSA JWK. Field order is the order Entra ID publishes them in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwk {
    /// Key type; always `RSA` for keys this crate produces.
    pub kty: String,
    /// Intended use; `sig` for signing keys.
    #[serde(rename = "use", default)]
    pub use_: String,
    /// Key id, matched against a token header's `kid`.
    #[serde(default)]
    pub kid: String,
    /// base64url SHA-1 of the certificate DER (RFC 7517 §4.8); v1 tokens carry it too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x5t: Option<String>,
    /// Modulus, base64url big-endian.
    pub n: String,
    /// Exponent, base64url big-endian.
    pub e: String,
    /// Certificate chain, standard base64 DER, leaf first.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "string_or_array"
    )]
    pub x5c: Option<Vec<String>>,
}

impl Jwk {
    /// A `use: sig` JWK for `pubkey`. With the certificate, `x5t` and `x5c` are filled in.
    pub fn from_rsa_public(pubkey: &RsaPublicKey, kid: &str, cert_der: Option<&[u8]>) -> Self {
        Self {
            kty: "RSA".to_owned(),
            use_: "sig".to_owned(),
            kid: kid.to_owned(),
            x5t: cert_der.map(|der| b64url_encode(&sha1_digest(der))),
            n: b64url_encode(pubkey.modulus()),
            e: b64url_encode(pubkey.exponent()),
            x5c: cert_der.map(|der| vec![b64_std_encode(der)]),
        }
    }

    /// The RSA public key this JWK describes. `n` and `e` are read as base64url, or as
    /// standard base64 when they contain `+` or `/` (Android and macOS clients send that).
    pub fn to_public_key(&self) -> Result<RsaPublicKey> {
        if self.kty != "RSA" {
            return Err(CryptoError::InvalidJwk("kty is not RSA"));
        }
        let n = decode_either(&self.n).map_err(|_| CryptoError::InvalidJwk("n is not base64"))?;
        let e = decode_either(&self.e).map_err(|_| CryptoError::InvalidJwk("e is not base64"))?;
        RsaPublicKey::from_components(&n, &e)
    }

    /// RFC 7638 JWK thumbprint (SHA-256, base64url) over the required RSA members.
    pub fn thumbprint_sha256(&self) -> Result<String> {
        let key = self.to_public_key()?;
        // Members in lexicographic order, no whitespace, canonical base64url values.
        let canonical = format!(
            r#"{{"e":"{}","kty":"RSA","n":"{}"}}"#,
            b64url_encode(key.exponent()),
            b64url_encode(key.modulus())
        );
        Ok(b64url_encode(&Sha256::digest(canonical.as_bytes())))
    }
}

/// A JWKS document (`{"keys": [...]}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwks {
    /// The keys.
    pub keys: Vec<Jwk>,
}

/// A stable key id for `pubkey`: base64url of the first 20 bytes of SHA-256 over its SPKI
/// DER, i.e. 27 characters, the same shape as Entra's SHA-1-based key ids.
pub fn key_id_for(pubkey: &RsaPublicKey) -> String {
    let digest = Sha256::digest(pubkey.spki_der());
    b64url_encode(&digest[..20])
}

fn decode_either(text: &str) -> Result<Vec<u8>> {
    if text.contains(['+', '/']) {
        b64_std_decode(text)
    } else {
        b64url_decode(text)
    }
}

/// `x5c` arrives as an array (RFC 7517) or, from some Microsoft clients, one bare string.
fn string_or_array<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match Option::<OneOrMany>::deserialize(d)? {
        None => None,
        Some(OneOrMany::One(s)) => Some(vec![s]),
        Some(OneOrMany::Many(v)) => Some(v),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rsa::tests::test_key;

    #[test]
    fn round_trip_to_a_verifying_key() -> Result<()> {
        let key = test_key();
        let jwk = Jwk::from_rsa_public(&key.public_key(), "kid-1", None);
        assert_eq!(jwk.e, "AQAB");
        let json = serde_json::to_string(&jwk)?;
        let back: Jwk = serde_json::from_str(&json)?;
        let pubkey = back.to_public_key()?;
        let sig = key.sign_rs256(b"msg")?;
        pubkey.verify_rs256(b"msg", &sig)?;
        assert_eq!(pubkey, key.public_key());
        Ok(())
    }

    #[test]
    fn serialises_in_jwks_field_order() -> Result<()> {
        let pubkey = test_key().public_key();
        let cert = b"not really a certificate";
        let jwk = Jwk::from_rsa_public(&pubkey, &key_id_for(&pubkey), Some(cert));
        let text = serde_json::to_string(&jwk)?;
        let order = [
            "\"kty\"", "\"use\"", "\"kid\"", "\"x5t\"", "\"n\"", "\"e\"", "\"x5c\"",
        ];
        let positions: Vec<usize> = order.iter().filter_map(|k| text.find(k)).collect();
        assert_eq!(positions.len(), order.len(), "{text}");
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{text}");
        assert_eq!(jwk.x5c, Some(vec![b64_std_encode(cert)]));
        assert_eq!(jwk.x5t.as_deref().map(str::len), Some(27));
        let no_cert = serde_json::to_value(Jwk::from_rsa_public(&pubkey, "k", None))?;
        assert!(no_cert.get("x5t").is_none() && no_cert.get("x5c").is_none());
        Ok(())
    }

    #[test]
    fn key_id_is_stable_and_short() {
        let pubkey = test_key().public_key();
        let kid = key_id_for(&pubkey);
        assert_eq!(kid.len(), 27);
        assert_eq!(kid, key_id_for(&pubkey.clone()));
    }

    #[test]
    fn accepts_x5c_string_and_standard_base64_components() -> Result<()> {
        let pubkey = test_key().public_key();
        let value = json!({
            "kty": "RSA",
            "n": b64_std_encode(pubkey.modulus()),
            "e": "AQAB",
            "alg": "RS256",
            "kid": "abc",
            "x5c": "MIIB"
        });
        let jwk: Jwk = serde_json::from_value(value)?;
        assert_eq!(jwk.x5c, Some(vec!["MIIB".to_owned()]));
        assert_eq!(jwk.to_public_key()?, pubkey);
        Ok(())
    }

    #[test]
    fn rejects_bad_jwks() {
        let mut jwk = Jwk::from_rsa_public(&test_key().public_key(), "k", None);
        jwk.kty = "EC".to_owned();
        assert!(jwk.to_public_key().is_err());
        jwk.kty = "RSA".to_owned();
        jwk.n = "!!".to_owned();
        assert!(jwk.to_public_key().is_err());
        jwk.n = "AQAB".to_owned();
        assert!(jwk.to_public_key().is_err());
    }

    #[test]
    fn rfc7638_thumbprint_example() -> Result<()> {
        // RFC 7638 §3.1.
        let jwk: Jwk = serde_json::from_value(json!({
            "kty": "RSA",
            "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
            "e": "AQAB",
            "alg": "RS256",
            "kid": "2011-04-29"
        }))?;
        assert_eq!(
            jwk.thumbprint_sha256()?,
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
        Ok(())
    }
}
