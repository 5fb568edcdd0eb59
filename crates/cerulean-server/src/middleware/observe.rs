//! Per-request observability: correlation id, tracing span, metrics and the access log.
//!
//! The correlation id is the client's `client-request-id` (or `x-ms-client-request-id`)
//! when it is a sane token, else a fresh UUID. It is returned as `client-request-id` and
//! `x-ms-request-id`, available to handlers as [`CorrelationId`] (for audit events and
//! error bodies), and carried by the request's span. The span records the path without
//! its query string: query strings carry authorization codes and tokens.

use std::convert::Infallible;
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use axum::extract::{FromRequestParts, MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::request::Parts;
use http::{HeaderMap, HeaderName, HeaderValue};
use tracing::Instrument as _;
use tracing::field::Empty;

use crate::metrics::{Metrics, UNMATCHED_ROUTE};

const CLIENT_REQUEST_ID: HeaderName = HeaderName::from_static("client-request-id");
const MS_CLIENT_REQUEST_ID: HeaderName = HeaderName::from_static("x-ms-client-request-id");
const MS_REQUEST_ID: HeaderName = HeaderName::from_static("x-ms-request-id");

/// The request's correlation id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorrelationId(Arc<str>);

impl CorrelationId {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn generate() -> Self {
        Self(uuid::Uuid::new_v4().to_string().into())
    }
}

impl std::fmt::Display for CorrelationId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for CorrelationId {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Infallible> {
        // Always set by `observe`; a router driven without it still gets a usable id.
        Ok(parts
            .extensions
            .get::<CorrelationId>()
            .cloned()
            .unwrap_or_else(CorrelationId::generate))
    }
}

/// Filled by [`record_route`] inside the router with the matched route template, read by
/// [`observe`] outside it: the route is known only after routing, but timeouts and panics
/// are answered outside the router and must still be counted under their route.
#[derive(Debug, Clone, Default)]
pub(crate) struct RouteSlot(Arc<OnceLock<String>>);

/// Inner half (a `Router::layer`): notes the matched route template.
pub(crate) async fn record_route(request: Request, next: Next) -> Response {
    if let (Some(slot), Some(path)) = (
        request.extensions().get::<RouteSlot>(),
        request.extensions().get::<MatchedPath>(),
    ) {
        let _ = slot.0.set(path.as_str().to_owned());
    }
    next.run(request).await
}

/// Outer half: correlation id, span, metrics and one access-log line per request.
pub(crate) async fn observe(
    State(metrics): State<Arc<Metrics>>,
    mut request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let id = correlation_id_from(request.headers());
    let method = request.method().clone();
    let span = tracing::info_span!(
        "request",
        method = %method,
        path = %request.uri().path(),
        correlation_id = %id,
        // Filled in by services once known.
        tenant = Empty,
        client_id = Empty,
        device_id = Empty,
        status = Empty,
        latency_ms = Empty,
    );
    let slot = RouteSlot::default();
    request.extensions_mut().insert(id.clone());
    request.extensions_mut().insert(slot.clone());

    let mut response = next.run(request).instrument(span.clone()).await;

    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    let route = slot.0.get().map_or(UNMATCHED_ROUTE, String::as_str);
    metrics.observe_request(&method, route, status, elapsed);
    let latency_ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX);
    span.record("status", status);
    span.record("latency_ms", latency_ms);
    span.in_scope(|| {
        if matches!(route, "/healthz" | "/readyz" | "/metrics") {
            tracing::debug!(route, "request served");
        } else {
            tracing::info!(route, "request served");
        }
    });

    if let Ok(value) = HeaderValue::from_str(id.as_str()) {
        let headers = response.headers_mut();
        headers.insert(CLIENT_REQUEST_ID, value.clone());
        headers.insert(MS_REQUEST_ID, value);
    }
    response
}

/// The client's id if it is 1–64 characters of `[A-Za-z0-9-]` (GUIDs and the like; never
/// something that could forge log lines or headers), else a new UUID.
fn correlation_id_from(headers: &HeaderMap) -> CorrelationId {
    [CLIENT_REQUEST_ID, MS_CLIENT_REQUEST_ID]
        .iter()
        .filter_map(|name| headers.get(name)?.to_str().ok())
        .find(|v| is_sane_id(v))
        .map(|v| CorrelationId(v.into()))
        .unwrap_or_else(CorrelationId::generate)
}

fn is_sane_id(value: &str) -> bool {
    (1..=64).contains(&value.len())
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn accepts_sane_client_ids_only() {
        let guid = "0f8fad5b-d9cb-469f-a165-70867728950e";
        assert_eq!(
            correlation_id_from(&headers(&[("client-request-id", guid)])).as_str(),
            guid
        );
        assert_eq!(
            correlation_id_from(&headers(&[("x-ms-client-request-id", "abc-1")])).as_str(),
            "abc-1"
        );
        for bad in ["", "a b", "x\"y", &"a".repeat(65), "id;drop"] {
            let id = correlation_id_from(&headers(&[("client-request-id", bad)]));
            assert_ne!(id.as_str(), bad);
            assert!(uuid::Uuid::parse_str(id.as_str()).is_ok());
        }
    }
}
