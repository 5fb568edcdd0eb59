//! OpenID discovery, signing keys and MSAL instance discovery (PROTOCOLS.md §2.3).
//!
//! * `/{t}/.well-known/openid-configuration` (v1) and `/{t}/v2.0/.well-known/…` (v2), for
//!   `{t}` = tenant GUID, verified domain, `common` or `organizations`. A named tenant's
//!   endpoints use its GUID; `common`/`organizations` keep the segment and, as Entra does,
//!   publish the issuer with a `{tenantid}` placeholder. All URLs are built from the
//!   request's [`PublicBase`], so msal-node's issuer check (same scheme, host and port as
//!   the authority) passes on every route a client can take.
//! * `/{t}/discovery/keys` and `/{t}/discovery/v2.0/keys`: a named tenant's published keys
//!   (its first key is created if it has none yet); `common`/`organizations`: every
//!   tenant's published keys.
//! * `/common/discovery/instance`: answers for authorities on this server's host names.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use cerulean_proto::oauth2::OAuthError;
use cerulean_proto::oidc::{InstanceDiscovery, Jwks, OpenIdConfiguration};
use cerulean_proto::{EndpointVersion, aadsts};

use super::errors::OAuthResponse;
use super::realm::query_value;
use super::tenant::{self, TenantScope};
use super::token::unavailable;
use super::tokens::issuer;
use crate::app::AppState;
use crate::host::{is_loopback, split_host_port};
use crate::middleware::observe::CorrelationId;
use crate::public_url::PublicBase;

/// `GET /{tenant}/.well-known/openid-configuration`.
pub(super) async fn openid_configuration_v1(
    state: State<AppState>,
    segment: Path<String>,
    base: PublicBase,
    correlation: CorrelationId,
) -> Response {
    configuration(state, segment, base, correlation, EndpointVersion::V1).await
}

/// `GET /{tenant}/v2.0/.well-known/openid-configuration`.
pub(super) async fn openid_configuration_v2(
    state: State<AppState>,
    segment: Path<String>,
    base: PublicBase,
    correlation: CorrelationId,
) -> Response {
    configuration(state, segment, base, correlation, EndpointVersion::V2).await
}

async fn configuration(
    State(state): State<AppState>,
    Path(segment): Path<String>,
    base: PublicBase,
    correlation: CorrelationId,
    version: EndpointVersion,
) -> Response {
    let scope = match tenant::resolve_cached(&state, &segment).await {
        Ok(scope) => scope,
        Err(e) => return OAuthResponse::traced(e, correlation.as_str()).into_response(),
    };
    let issuer = match &scope {
        TenantScope::Tenant(t) => issuer(base.as_str(), &t.id, version),
        TenantScope::Any { .. } => match version {
            EndpointVersion::V1 => format!("{base}/{{tenantid}}/"),
            EndpointVersion::V2 => format!("{base}/{{tenantid}}/v2.0"),
        },
    };
    Json(OpenIdConfiguration::for_authority(
        issuer,
        base.as_str(),
        &scope.segment(),
        version,
    ))
    .into_response()
}

/// `GET /{tenant}/discovery/keys`.
pub(super) async fn keys_v1(
    state: State<AppState>,
    segment: Path<String>,
    base: PublicBase,
    correlation: CorrelationId,
) -> Response {
    keys(state, segment, base, correlation, EndpointVersion::V1).await
}

/// `GET /{tenant}/discovery/v2.0/keys`.
pub(super) async fn keys_v2(
    state: State<AppState>,
    segment: Path<String>,
    base: PublicBase,
    correlation: CorrelationId,
) -> Response {
    keys(state, segment, base, correlation, EndpointVersion::V2).await
}

async fn keys(
    State(state): State<AppState>,
    Path(segment): Path<String>,
    base: PublicBase,
    correlation: CorrelationId,
    version: EndpointVersion,
) -> Response {
    match jwks(&state, &segment, &base, version).await {
        Ok(jwks) => Json(jwks).into_response(),
        Err(e) => OAuthResponse::traced(e, correlation.as_str()).into_response(),
    }
}

async fn jwks(
    state: &AppState,
    segment: &str,
    base: &PublicBase,
    version: EndpointVersion,
) -> Result<Jwks, OAuthError> {
    let directory = &state.directory;
    let ring = &state.authority.keys;
    let tenants = match tenant::resolve_cached(state, segment).await? {
        TenantScope::Tenant(t) => {
            // Publish a key from the start rather than from the first sign-in.
            ring.signing_key(directory, t.id)
                .await
                .map_err(|e| unavailable("signing key", e))?;
            vec![t.id]
        }
        TenantScope::Any { .. } => directory
            .store()
            .tenants()
            .await
            .map_err(|e| unavailable("tenant list", e))?
            .into_iter()
            .map(|t| t.id)
            .collect(),
    };
    let mut out = Jwks::default();
    for tenant in tenants {
        let keys = ring
            .published(directory, tenant)
            .await
            .map_err(|e| unavailable("published keys", e))?;
        let key_issuer = (version == EndpointVersion::V2)
            .then(|| issuer(base.as_str(), &tenant, EndpointVersion::V2));
        out.keys
            .extend(keys.iter().map(|k| k.jwk(key_issuer.clone())));
    }
    Ok(out)
}

/// `GET /common/discovery/instance?api-version=1.1&authorization_endpoint=…`.
pub(super) async fn instance(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    base: PublicBase,
    correlation: CorrelationId,
) -> Response {
    let endpoint = query_value(query.as_deref(), "authorization_endpoint");
    let answer = match endpoint {
        None => {
            let tde = format!("{base}/common/v2.0/.well-known/openid-configuration");
            let host = base.as_str().split_once("://").map_or("", |(_, h)| h);
            Ok(InstanceDiscovery::for_host(tde, host, &[]))
        }
        Some(endpoint) => instance_for(&state, &endpoint),
    };
    match answer {
        Ok(answer) => Json(answer).into_response(),
        Err(e) => OAuthResponse::traced(e, correlation.as_str()).into_response(),
    }
}

/// Instance metadata for an authorization endpoint on one of our host names; anything
/// else is `invalid_instance` (we must not vouch for other authorities).
fn instance_for(state: &AppState, endpoint: &str) -> Result<InstanceDiscovery, OAuthError> {
    let (scheme, rest) = endpoint
        .split_once("://")
        .filter(|(s, _)| s.eq_ignore_ascii_case("https") || s.eq_ignore_ascii_case("http"))
        .ok_or_else(aadsts::invalid_instance)?;
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let (host, _) = split_host_port(authority).ok_or_else(aadsts::invalid_instance)?;
    let config = &state.config;
    let ours = match &config.server.public_url {
        Some(public) => public
            .split_once("://")
            .is_some_and(|(_, a)| a.trim_end_matches('/').eq_ignore_ascii_case(authority)),
        None => {
            is_loopback(host)
                || config
                    .server
                    .hosts
                    .iter()
                    .any(|h| h.eq_ignore_ascii_case(host))
        }
    };
    if !ours {
        return Err(aadsts::invalid_instance());
    }
    let tenant = path
        .split('/')
        .next()
        .filter(|t| {
            !t.is_empty()
                && t.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-._".contains(&b))
        })
        .unwrap_or("common");
    let authority = authority.to_ascii_lowercase();
    let tde = format!(
        "{}://{authority}/{tenant}/v2.0/.well-known/openid-configuration",
        scheme.to_ascii_lowercase()
    );
    Ok(InstanceDiscovery::for_host(tde, &authority, &[]))
}
