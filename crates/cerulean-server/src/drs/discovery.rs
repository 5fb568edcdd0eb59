//! DRS discovery (PROTOCOLS.md §3; INTEROP.md §8.3):
//!
//! * `GET /{domain-or-tenant}/Discover?api-version=1.9` → the JSON document;
//! * `GET /{domain-or-tenant}/EnrollmentServer/contract?api-version=…` and, on the host
//!   `enterpriseregistration.<domain>`, `GET /EnrollmentServer/contract?api-version=…` →
//!   MS-DVRD's XML (no `Accept`, XML or a wildcard) or the JSON (`Accept:
//!   application/json`); any other `Accept` is 406.
//!
//! Every endpoint is absolute on the base the client reached us on ([`PublicBase`]; for
//! the host form, the `enterpriseregistration.<domain>` host itself, since its domain is
//! verified here), so no client falls back to Microsoft's hosts. Endpoints never carry
//! `api-version`. Unknown domains get DRS `TenantNotFound` (404).

use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use cerulean_proto::drs::{ContractFormat, DrsDiscovery, DrsError};
use http::request::Parts;
use http::{StatusCode, header};

use super::respond::{ApiVersion, drs_error, json_response};
use super::tenant::{self, DrsTenant};
use crate::app::AppState;
use crate::authority::realm::query_value;
use crate::middleware::observe::CorrelationId;
use crate::public_url::PublicBase;

/// Discovery answers any `api-version` from 1.0 on (clients send 1.0, 1.2, 1.4, 1.9).
const MIN_VERSION: (u16, u16) = (1, 0);
const MAX_VERSION: (u16, u16) = (9, 99);

fn version(query: Option<&str>) -> Result<ApiVersion, DrsError> {
    ApiVersion::require(
        query_value(query, "api-version").as_deref(),
        MIN_VERSION,
        MAX_VERSION,
    )
}

fn document(base: &str, found: &DrsTenant) -> DrsDiscovery {
    DrsDiscovery::build(
        base,
        base,
        found.tenant.id,
        &found.domain,
        &found.tenant.display_name,
    )
}

/// `GET /{tenant}/Discover`.
pub async fn discover(
    State(state): State<AppState>,
    Path(segment): Path<String>,
    RawQuery(query): RawQuery,
    base: PublicBase,
    correlation: CorrelationId,
) -> Response {
    let now = state.directory.clock().now();
    let answer = async {
        version(query.as_deref())?;
        let found = tenant::resolve(&state, &segment).await?;
        Ok::<_, DrsError>(document(base.as_str(), &found).to_json())
    };
    match answer.await {
        Ok(body) => json_response(StatusCode::OK, body),
        Err(e) => drs_error(&e, &correlation, now),
    }
}

/// `GET /{tenant}/EnrollmentServer/contract`.
pub async fn contract_for_tenant(
    State(state): State<AppState>,
    Path(segment): Path<String>,
    base: PublicBase,
    correlation: CorrelationId,
    parts: Parts,
) -> Response {
    let now = state.directory.clock().now();
    match contract(&state, &segment, base.as_str(), &parts).await {
        Ok(response) => response,
        Err(e) => drs_error(&e, &correlation, now),
    }
}

/// `GET /EnrollmentServer/contract` on `enterpriseregistration.<domain>`.
pub async fn contract_by_host(
    State(state): State<AppState>,
    base: PublicBase,
    correlation: CorrelationId,
    parts: Parts,
) -> Response {
    let now = state.directory.clock().now();
    let answer = async {
        // The version is checked before the host so that a malformed request says so.
        version(parts.uri.query())?;
        let domain = tenant::domain_from_host(&parts)?;
        let own_base = host_base(&state, &base, &parts);
        contract(&state, &domain, &own_base, &parts).await
    };
    match answer.await {
        Ok(response) => response,
        Err(e) => drs_error(&e, &correlation, now),
    }
}

/// The base URL for the host form: the `enterpriseregistration.<domain>` host as the
/// client sent it (its domain is verified, so it is ours to publish), unless
/// `server.public_url` fixes the base.
fn host_base(state: &AppState, base: &PublicBase, parts: &Parts) -> String {
    if state.config.server.public_url.is_some() {
        return base.as_str().to_owned();
    }
    let scheme = base.as_str().split("://").next().unwrap_or("https");
    match tenant::request_authority(&parts.uri, &parts.headers) {
        Some((host, Some(port))) => format!("{scheme}://{host}:{port}"),
        Some((host, None)) => format!("{scheme}://{host}"),
        None => base.as_str().to_owned(),
    }
}

async fn contract(
    state: &AppState,
    segment: &str,
    base: &str,
    parts: &Parts,
) -> Result<Response, DrsError> {
    let requested = version(parts.uri.query())?;
    let accept = parts
        .headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok());
    let format = ContractFormat::negotiate(accept).ok_or_else(DrsError::not_acceptable)?;
    let found = tenant::resolve(state, segment).await?;
    let doc = document(base, &found);
    let mut response = match format {
        ContractFormat::Json => json_response(StatusCode::OK, doc.to_json()),
        ContractFormat::Xml => json_response(StatusCode::OK, doc.to_contract_xml(&requested.text)),
    };
    if let Ok(value) = http::HeaderValue::from_str(format.content_type()) {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    Ok(response)
}
