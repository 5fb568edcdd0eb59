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
    pub session_key_jwe: String,
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

impl PrtResponse {
    /// `200` with the JSON body and the token endpoint's no-caching headers.
    pub(crate) fn into_http(self) -> Response {
        let body = serde_json::to_string(&self).unwrap_or_default();
        let mut http = (StatusCode::OK, body).into_response();
        let headers = http.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
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
            session_key_jwe: "jwe-secret".into(),
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
