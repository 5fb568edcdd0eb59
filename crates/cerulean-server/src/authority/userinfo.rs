//! `GET|POST /{t}/openid/userinfo` (OIDC Core §5.3) with a Graph access token, which is
//! what Entra's userinfo endpoint takes (a v2 request for only `openid profile` yields a
//! Graph `User.Read` token, so every OIDC client holds one).

use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use cerulean_directory::well_known::{GRAPH_APP, GRAPH_RESOURCE};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use serde_json::json;

use super::tenant::{self, TenantScope};
use super::validate::validate_access_token;
use crate::app::AppState;

/// The audiences userinfo accepts.
const AUDIENCES: &[&str] = &[GRAPH_RESOURCE, GRAPH_APP];

/// `GET|POST /{tenant}/openid/userinfo`.
pub(super) async fn userinfo(
    State(state): State<AppState>,
    Path(segment): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(token) = bearer(&headers) else {
        return unauthorized("invalid_request", "A bearer access token is required.");
    };
    let validated = match validate_access_token(&state, token, AUDIENCES).await {
        Ok(v) => v,
        Err(e) => return unauthorized("invalid_token", &e.to_string()),
    };
    match tenant::resolve_cached(&state, &segment).await {
        Ok(TenantScope::Tenant(t)) if t.id != validated.tenant.id => {
            return unauthorized("invalid_token", "The token belongs to another tenant.");
        }
        Ok(_) => {}
        Err(e) => return unauthorized("invalid_request", &e.error_description),
    }
    let Some(user) = &validated.user else {
        return unauthorized("invalid_token", "An app-only token has no user.");
    };
    Json(json!({
        "sub": validated.claims.sub,
        "oid": user.id,
        "tid": user.tenant_id,
        "name": user.display_name,
        "preferred_username": user.upn,
        "upn": user.upn,
    }))
    .into_response()
}

/// The token of `Authorization: Bearer …`.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// `401` with RFC 6750 §3's `WWW-Authenticate` and a JSON body.
fn unauthorized(error: &str, description: &str) -> Response {
    let mut response = (
        StatusCode::UNAUTHORIZED,
        Json(json!({ "error": error, "error_description": description })),
    )
        .into_response();
    let challenge = format!("Bearer error=\"{error}\"");
    if let Ok(value) = HeaderValue::from_str(&challenge) {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, value);
    }
    response
}
