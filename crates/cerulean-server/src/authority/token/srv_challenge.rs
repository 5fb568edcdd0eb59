//! `grant_type=srv_challenge` (PROTOCOLS.md §5.1, INTEROP.md §3.1): a PRT nonce.
//!
//! Any other form field (`windows_api_version`, `client_id`, `resource`, …) is ignored, and
//! so is the tenant segment beyond resolving it: nonces are deployment-wide and stateless
//! ([`crate::nonce`]), so one issued under `/common` is good under a tenant path too.
//! Answer: `200`, `Cache-Control: no-store`, `{"Nonce":"<base64url>"}` (capital N).

use axum::response::{IntoResponse, Response};
use cerulean_proto::aadsts;
use cerulean_proto::oauth2::OAuthError;
use http::{HeaderValue, StatusCode, header};
use serde_json::json;

use super::TokenCtx;

/// A fresh nonce from the node's nonce service.
pub(super) async fn grant(ctx: &TokenCtx<'_>) -> Result<String, OAuthError> {
    // The nonce service has logged the cause of any failure.
    ctx.state
        .nonces
        .issue()
        .await
        .map_err(|_| aadsts::temporarily_unavailable())
}

/// `200 {"Nonce": …}` with the token endpoint's no-caching headers.
pub(super) fn response(nonce: &str) -> Response {
    let mut http = (StatusCode::OK, json!({ "Nonce": nonce }).to_string()).into_response();
    let headers = http.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    http
}
