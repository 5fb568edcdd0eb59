//! OAuth 2.0 errors as HTTP responses, in Entra's shape, with the request's correlation
//! id and a timestamp filled in.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use cerulean_proto::oauth2::OAuthError;

/// An `OAuthError` ready to send: `400 {error, error_description, error_codes, …}`.
#[derive(Debug)]
pub struct OAuthResponse(pub OAuthError);

impl OAuthResponse {
    /// Stamps trace details (time, trace id, correlation id) onto the error.
    pub fn traced(error: OAuthError, correlation_id: &str) -> Self {
        let now = time::OffsetDateTime::now_utc();
        // Entra's correlation ids are GUIDs; a client's non-GUID id is still echoed in the
        // `client-request-id` header by the middleware.
        let correlation =
            uuid::Uuid::parse_str(correlation_id).unwrap_or_else(|_| uuid::Uuid::nil());
        Self(error.with_trace(now, uuid::Uuid::new_v4(), correlation))
    }
}

impl IntoResponse for OAuthResponse {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.0.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
        let mut response = (status, Json(&self.0)).into_response();
        // RFC 6749 §5.1/§5.2: token responses and errors must not be cached.
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        response
    }
}

impl From<OAuthError> for OAuthResponse {
    fn from(error: OAuthError) -> Self {
        Self(error)
    }
}
