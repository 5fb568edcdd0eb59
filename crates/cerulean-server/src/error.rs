//! The JSON error body of Cerulean's own (non-protocol) endpoints:
//! `{"error": {"code": "...", "message": "..."}}`.
//!
//! Protocol services map their errors to their own wire formats (OAuth2, DRS, SOAP,
//! OData); this type is for health, metrics, admin and fallbacks. A 5xx response says
//! only that something failed: the cause is logged here, once, inside the request's span
//! (which carries the correlation id), and never sent to the client.

use std::error::Error as StdError;
use std::fmt;

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use serde::Serialize;

type BoxError = Box<dyn StdError + Send + Sync + 'static>;

pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    /// The cause of a 5xx, for the log only.
    source: Option<BoxError>,
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiError")
            .field("status", &self.status)
            .field("code", &self.code)
            .field("message", &self.message)
            .field("source", &self.source.as_ref().map(ToString::to_string))
            .finish()
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code,
            self.message
        )
    }
}

impl StdError for ApiError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}

#[derive(Serialize)]
struct Body<'a> {
    error: Detail<'a>,
}

#[derive(Serialize)]
struct Detail<'a> {
    code: &'a str,
    message: &'a str,
}

impl ApiError {
    /// A client error with a message that is safe to show.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            source: None,
        }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "no such endpoint")
    }

    pub fn payload_too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("request body larger than {limit} bytes"),
        )
    }

    pub fn timeout() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "timeout",
            "the request took too long; try again",
        )
    }

    /// A failure of ours; `source` is logged, never returned.
    pub fn internal(source: impl Into<BoxError>) -> Self {
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "internal_error",
            message: "internal server error".to_owned(),
            source: Some(source.into()),
        }
    }

    /// A dependency (e.g. the database) is down; `source` is logged, never returned.
    pub fn unavailable(source: impl Into<BoxError>) -> Self {
        Self {
            status: StatusCode::SERVICE_UNAVAILABLE,
            code: "unavailable",
            message: "service temporarily unavailable".to_owned(),
            source: Some(source.into()),
        }
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn code(&self) -> &'static str {
        self.code
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            match &self.source {
                Some(source) => {
                    tracing::error!(code = self.code, error = %source, "request failed")
                }
                None => tracing::error!(code = self.code, "request failed"),
            }
        }
        let body = Body {
            error: Detail {
                code: self.code,
                message: &self.message,
            },
        };
        (self.status, Json(body)).into_response()
    }
}

/// The JSON body of an error, for middleware that must build one without an `ApiError`
/// (e.g. the panic handler, which must not log the payload twice).
pub(crate) fn error_body(code: &str, message: &str) -> String {
    serde_json::to_string(&Body {
        error: Detail { code, message },
    })
    .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn body_of(response: Response) -> String {
        let bytes = axum::body::to_bytes(response.into_body(), 4096)
            .await
            .unwrap();
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    #[tokio::test]
    async fn internal_errors_leak_nothing() {
        let err = ApiError::internal(std::io::Error::other("disk /var/secret is full"));
        let response = err.into_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = body_of(response).await;
        assert_eq!(
            body,
            r#"{"error":{"code":"internal_error","message":"internal server error"}}"#
        );
    }

    #[tokio::test]
    async fn client_errors_carry_their_message() {
        let response = ApiError::bad_request("invalid_request", "missing tenant").into_response();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            response.headers()[http::header::CONTENT_TYPE],
            "application/json"
        );
        let body = body_of(response).await;
        assert_eq!(
            body,
            r#"{"error":{"code":"invalid_request","message":"missing tenant"}}"#
        );
    }
}
