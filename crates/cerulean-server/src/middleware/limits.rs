//! Request time and size limits, answered in JSON.

use std::any::Any;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use http_body_util::Limited;

use crate::error::{ApiError, error_body};

/// Answers 503 if the handler (including reading the body) takes longer than `limit`.
pub async fn timeout(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::timeout().into_response(),
    }
}

/// Refuses bodies over `limit` bytes: at once when `Content-Length` says so, otherwise
/// when reading passes the limit. Either way the client gets a JSON 413.
pub async fn body_limit(State(limit): State<usize>, request: Request, next: Next) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit as u64) {
        return ApiError::payload_too_large(limit).into_response();
    }
    let request = request.map(|body| Body::new(Limited::new(body, limit)));
    let response = next.run(request).await;
    // axum's body extractors answer an overrun with a plain-text 413; protocol handlers
    // that already chose a format (JSON, SOAP) keep theirs.
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE && is_plain_or_untyped(&response) {
        return ApiError::payload_too_large(limit).into_response();
    }
    response
}

fn is_plain_or_untyped(response: &Response) -> bool {
    match response.headers().get(header::CONTENT_TYPE) {
        None => true,
        Some(v) => v.as_bytes().starts_with(b"text/plain"),
    }
}

/// The catch-panic response: a generic JSON 500. The panic message goes to the log (it
/// is ours, not the client's) and nowhere else.
pub fn panic_response(payload: Box<dyn Any + Send + 'static>) -> Response {
    let detail = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(non-string panic payload)".to_owned());
    tracing::error!(panic = %detail, "request handler panicked");
    let mut response = Response::new(Body::from(error_body(
        "internal_error",
        "internal server error",
    )));
    *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}
