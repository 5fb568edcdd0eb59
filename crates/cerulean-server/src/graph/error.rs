//! Graph's OData error body, in one place:
//!
//! ```json
//! {"error": {"code": "Request_ResourceNotFound", "message": "…",
//!            "innerError": {"date": "2025-01-31T12:00:00", "request-id": "…",
//!                           "client-request-id": "…"}}}
//! ```
//!
//! `request-id` and `client-request-id` are the request's correlation id (the client's
//! `client-request-id` when it sent a sane one, else a fresh GUID; the middleware returns
//! it in the `client-request-id` and `x-ms-request-id` headers too). Directory errors map
//! to Graph's codes in [`GraphError::from_directory`]; a 5xx says only that something
//! failed, its cause is logged here once.

use axum::Json;
use axum::response::{IntoResponse, Response};
use cerulean_directory::DirectoryError;
use cerulean_directory::well_known::GRAPH_APP;
use http::{HeaderValue, StatusCode, header};
use serde_json::json;
use time::OffsetDateTime;
use time::macros::format_description;

use crate::public_url::PublicBase;

/// Graph's message for every authorization refusal.
pub const INSUFFICIENT_PRIVILEGES: &str = "Insufficient privileges to complete the operation.";

/// Longest client-supplied text quoted back in a message.
const MAX_QUOTED: usize = 120;

/// A Graph error before it meets its request (see [`GraphError::respond`]).
#[derive(Debug)]
pub struct GraphError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Adds Graph's `WWW-Authenticate: Bearer …` challenge (401s).
    challenge: bool,
}

impl GraphError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            challenge: false,
        }
    }

    /// 400 `Request_BadRequest`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "Request_BadRequest", message)
    }

    /// 400 `Request_UnsupportedQuery`: a query option Cerulean (or Graph) cannot answer.
    pub fn unsupported_query(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "Request_UnsupportedQuery", message)
    }

    /// 401 `InvalidAuthenticationToken` with the bearer challenge.
    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Self {
            challenge: true,
            ..Self::new(
                StatusCode::UNAUTHORIZED,
                "InvalidAuthenticationToken",
                message,
            )
        }
    }

    /// 403 `Authorization_RequestDenied`.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "Authorization_RequestDenied",
            message,
        )
    }

    /// 404 `Request_ResourceNotFound` for an object id, in Graph's words.
    pub fn not_found(id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "Request_ResourceNotFound",
            format!(
                "Resource '{}' does not exist or one of its queried reference-property \
                 objects are not present.",
                quoted(id)
            ),
        )
    }

    /// 400 for a path segment Graph does not know (`/v1.0/frobs`), as Graph answers.
    pub fn unknown_segment(segment: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            format!("Resource not found for the segment '{}'.", quoted(segment)),
        )
    }

    /// 503: a dependency is down. The cause is logged, never sent.
    pub fn unavailable(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "graph request failed: dependency unavailable");
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "serviceNotAvailable",
            "The service is temporarily unavailable. Try again later.",
        )
    }

    /// 500: a failure of ours. The cause is logged, never sent.
    pub fn internal(cause: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "graph request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "generalException",
            "An internal server error occurred.",
        )
    }

    /// The Graph form of a directory error.
    pub fn from_directory(error: DirectoryError) -> Self {
        use cerulean_directory::StoreError;
        match error {
            DirectoryError::Invalid { field, reason } => Self::bad_request(format!(
                "Invalid value specified for property '{field}': {reason}."
            )),
            DirectoryError::NotFound { key, .. } => Self::not_found(&key),
            DirectoryError::AlreadyExists { what, key } => Self::new(
                StatusCode::CONFLICT,
                "Request_MultipleObjectsWithSameKeyValue",
                format!("Another {what} with the value '{}' exists.", quoted(&key)),
            ),
            DirectoryError::Forbidden(reason) => Self::forbidden(reason),
            DirectoryError::WeakPassword(reason) => Self::bad_request(reason),
            DirectoryError::Store(StoreError::Unavailable(cause)) => Self::unavailable(&cause),
            other => Self::internal(&other),
        }
    }

    /// The response for a request with correlation id `request_id`; `base` builds the
    /// challenge's `authorization_uri`.
    pub fn respond(self, request_id: &str, base: &PublicBase) -> Response {
        let date = OffsetDateTime::now_utc()
            .format(format_description!(
                "[year]-[month]-[day]T[hour]:[minute]:[second]"
            ))
            .unwrap_or_default();
        let body = json!({
            "error": {
                "code": self.code,
                "message": self.message,
                "innerError": {
                    "date": date,
                    "request-id": request_id,
                    "client-request-id": request_id,
                }
            }
        });
        let mut response = (self.status, Json(body)).into_response();
        if self.challenge {
            let challenge = format!(
                "Bearer realm=\"\", authorization_uri=\"{base}/common/oauth2/authorize\", \
                 client_id=\"{GRAPH_APP}\""
            );
            if let Ok(value) = HeaderValue::from_str(&challenge) {
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, value);
            }
        }
        response
    }
}

impl From<DirectoryError> for GraphError {
    fn from(error: DirectoryError) -> Self {
        Self::from_directory(error)
    }
}

/// Client text for a message: at most [`MAX_QUOTED`] characters, no control characters.
pub fn quoted(text: &str) -> String {
    let mut out: String = text
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_QUOTED)
        .collect();
    if text.chars().count() > MAX_QUOTED {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt as _;

    fn base() -> PublicBase {
        crate::public_url::public_base(&crate::Config::default(), Some("127.0.0.1:8443"), None)
    }

    #[tokio::test]
    async fn odata_shape_with_request_ids() {
        let response = GraphError::not_found("abc").respond("req-1", &base());
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let body: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(body["error"]["code"], "Request_ResourceNotFound");
        assert_eq!(body["error"]["innerError"]["request-id"], "req-1");
        assert_eq!(body["error"]["innerError"]["client-request-id"], "req-1");
        let date = body["error"]["innerError"]["date"].as_str().unwrap();
        assert_eq!(date.len(), "2025-01-31T12:00:00".len(), "{date}");
    }

    #[tokio::test]
    async fn unauthenticated_carries_the_challenge() {
        let response = GraphError::unauthenticated("Access token is empty.").respond("r", &base());
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let challenge = response.headers()[header::WWW_AUTHENTICATE]
            .to_str()
            .unwrap();
        assert!(challenge.starts_with("Bearer realm=\"\""), "{challenge}");
        assert!(challenge.contains("https://127.0.0.1:8443/common/oauth2/authorize"));
    }

    #[test]
    fn quoted_text_is_bounded_and_clean() {
        assert_eq!(quoted("a\nb"), "ab");
        let long = "x".repeat(500);
        assert_eq!(quoted(&long).chars().count(), MAX_QUOTED + 1);
    }

    #[test]
    fn internal_errors_leak_nothing() {
        let e = GraphError::from_directory(DirectoryError::Internal("disk /secret".into()));
        assert_eq!(e.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!e.message.contains("secret"));
    }
}
