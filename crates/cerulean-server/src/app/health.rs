//! Probes and metrics: `/healthz` (the process answers), `/readyz` (the store answers),
//! `/metrics` (Prometheus).

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use http::{StatusCode, header};
use serde_json::json;

use super::AppState;
use crate::error::ApiError;

/// Liveness: touches nothing, so a slow database never gets the process restarted.
pub(super) async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: one store round trip, bounded so a hung database fails the probe.
pub(super) async fn readyz(State(state): State<AppState>) -> Response {
    let store = state.directory.store();
    let backend = store.backend();
    match tokio::time::timeout(Duration::from_secs(5), store.ping()).await {
        Ok(Ok(())) => Json(json!({ "status": "ready", "store": backend })).into_response(),
        outcome => {
            let error = match outcome {
                Ok(Err(e)) => e.to_string(),
                _ => "ping timed out".to_owned(),
            };
            tracing::warn!(store = backend, %error, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable", "store": backend })),
            )
                .into_response()
        }
    }
}

pub(super) async fn metrics(State(state): State<AppState>) -> Result<Response, ApiError> {
    let text = state.metrics.render().map_err(ApiError::internal)?;
    Ok((
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        text,
    )
        .into_response())
}
