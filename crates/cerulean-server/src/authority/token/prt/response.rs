//! The PRT response (PROTOCOLS.md §5.3, INTEROP.md §8.3 item 4): plain JSON typed the
//! way libhimmelblau deserialises it strictly and roadtx accepts — `expires_in`,
//! `ext_expires_in` and `expires_on` as **strings**, `refresh_token_expires_in` as a
//! **number**.

use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use serde::Serialize;

/// A PRT response body. Its `Debug` leaves out the PRT and the sealed session key.
#[derive(Serialize)]
pub(crate) struct PrtResponse {
    pub token_type: &'static str,
    pub expires_in: String,
    pub ext_expires_in: String,
    pub expires_on: String,
    /// The PRT.
    pub refresh_token: String,
    pub refresh_token_expires_in: u64,
    /// A new session key sealed to the transport key; absent on renewal (the key stays).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_key_jwe: Option<String>,
    pub id_token: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_info: Option<String>,
    pub device_tenant_id: String,
}

impl std::fmt::Debug for PrtResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrtResponse")
            .field("expires_on", &self.expires_on)
            .field("refresh_token", &"***")
            .field("session_key_jwe", &"***")
            .field("device_tenant_id", &self.device_tenant_id)
            .finish_non_exhaustive()
    }
}

/// What a `jwt-bearer` PRT request answers.
#[derive(Debug)]
pub(crate) enum PrtAnswer {
    /// The device-signed request: the PRT response as plain JSON.
    Plain(PrtResponse),
    /// A session-key-signed request: the token response (a renewed PRT or access
    /// tokens) as the compact JWE of PROTOCOLS.md §5.5, encrypted under the session key.
    Encrypted(EncryptedBody),
    /// A device-only token (PROTOCOLS.md §5.7): the ordinary token response, plain JSON.
    Token(cerulean_proto::oauth2::TokenResponse),
}

/// A compact JWE response body. It is encrypted, but `Debug` still shows only its length.
pub(crate) struct EncryptedBody(pub String);

impl std::fmt::Debug for EncryptedBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "EncryptedBody({} bytes)", self.0.len())
    }
}

impl PrtAnswer {
    /// `200` with the body and the token endpoint's no-caching headers. The JWE goes out
    /// as `application/jose` (RFC 7516 §9.2.1's type for compact serialisation); clients
    /// read the body whatever the type (roadtx: a body starting `{"` is JSON, anything
    /// else a JWE).
    pub(crate) fn into_http(self) -> Response {
        let (body, content_type) = match self {
            Self::Plain(r) => (
                serde_json::to_string(&r).unwrap_or_default(),
                "application/json; charset=utf-8",
            ),
            Self::Encrypted(EncryptedBody(jwe)) => (jwe, "application/jose"),
            Self::Token(r) => (r.to_json(), "application/json; charset=utf-8"),
        };
        let mut http = (StatusCode::OK, body).into_response();
        let headers = http.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        http
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_the_strict_ones() {
        let r = PrtResponse {
            token_type: "Bearer",
            expires_in: "1209599".into(),
            ext_expires_in: "1209599".into(),
            expires_on: "1760000000".into(),
            refresh_token: "prt-secret".into(),
            refresh_token_expires_in: 1_209_599,
            session_key_jwe: Some("jwe-secret".into()),
            id_token: "a.b.c".into(),
            client_info: None,
            device_tenant_id: "t".into(),
        };
        let debug = format!("{r:?}");
        assert!(!debug.contains("prt-secret") && !debug.contains("jwe-secret"));
        let v: serde_json::Value = serde_json::to_value(&r).unwrap();
        assert!(v["expires_in"].is_string());
        assert!(v["ext_expires_in"].is_string());
        assert!(v["expires_on"].is_string());
        assert!(v["refresh_token_expires_in"].is_u64());
        assert!(v.get("client_info").is_none());
    }
}
