//! `GET /EnrollmentServer/nonce/{domain-or-tenant}/?api-version=1.0` (PROTOCOLS.md §3.3):
//! a fresh nonce from the shared [`crate::nonce::NonceService`], as
//! `{"ReponseStatus": {…}, "Value": "<nonce>"}`.

use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use cerulean_proto::drs::{DrsError, DrsNonceResponse};
use http::StatusCode;

use super::respond::{ApiVersion, drs_error, json_response, trace_id};
use super::tenant;
use crate::app::AppState;
use crate::authority::realm::query_value;
use crate::middleware::observe::CorrelationId;

/// `GET /EnrollmentServer/nonce/{tenant}`.
pub async fn nonce(
    State(state): State<AppState>,
    Path(segment): Path<String>,
    RawQuery(query): RawQuery,
    correlation: CorrelationId,
) -> Response {
    let now = state.directory.clock().now();
    let answer = async {
        let version = query_value(query.as_deref(), "api-version");
        ApiVersion::require(version.as_deref(), (1, 0), (1, 99))?;
        tenant::resolve(&state, &segment).await?;
        state.nonces.issue().await.map_err(|e| {
            tracing::error!("issuing a DRS nonce: {e}");
            DrsError::directory_error()
        })
    };
    match answer.await {
        Ok(value) => {
            let body = DrsNonceResponse::new(value, trace_id(&correlation), now);
            json_response(StatusCode::OK, body.to_json())
        }
        Err(e) => drs_error(&e, &correlation, now),
    }
}
