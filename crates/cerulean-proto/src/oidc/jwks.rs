//! `/common/discovery/keys`, `/common/discovery/v2.0/keys` (RFC 7517 JWK Set).

use crate::wire::de_opt_string_list;
use serde::{Deserialize, Serialize};

/// A JWK Set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Jwks {
    /// The keys.
    pub keys: Vec<Jwk>,
}

/// A public signing key as Entra publishes it (RSA: `n`, `e`; EC: `crv`, `x`, `y`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jwk {
    /// `RSA` or `EC`.
    pub kty: String,
    /// `sig`.
    #[serde(rename = "use", default, skip_serializing_if = "Option::is_none")]
    pub use_: Option<String>,
    /// Key id (referenced by the token header's `kid`).
    pub kid: String,
    /// SHA-1 thumbprint of the certificate, base64url.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x5t: Option<String>,
    /// Algorithm (`RS256`); Entra omits it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alg: Option<String>,
    /// RSA modulus, base64url.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<String>,
    /// RSA exponent, base64url.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e: Option<String>,
    /// EC curve.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crv: Option<String>,
    /// EC x, base64url.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<String>,
    /// EC y, base64url.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y: Option<String>,
    /// Certificate chain, standard base64 DER. Emitted as an array; a bare string parses.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "de_opt_string_list"
    )]
    pub x5c: Option<Vec<String>>,
    /// Entra v2 adds the issuer the key signs for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
}

impl Jwk {
    /// An RSA signing key in Entra's shape (`use: sig`, no `alg`).
    pub fn rsa(kid: impl Into<String>, n: impl Into<String>, e: impl Into<String>) -> Self {
        Self {
            kty: String::from("RSA"),
            use_: Some(String::from("sig")),
            kid: kid.into(),
            x5t: None,
            alg: None,
            n: Some(n.into()),
            e: Some(e.into()),
            crv: None,
            x: None,
            y: None,
            x5c: None,
            issuer: None,
        }
    }
}
