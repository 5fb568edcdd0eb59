//! Authorize-request validation, in the order open-redirect safety requires
//! (RFC 6749 §4.1.2.1, §10.15):
//!
//! 1. the tenant segment — unknown: error page;
//! 2. `client_id` — unknown: error page;
//! 3. `redirect_uri` registered for that client — otherwise error page (AADSTS50011);
//!
//! and only then everything else (`response_type`, PKCE, `prompt`, …), whose errors go
//! back to the now-trusted redirect URI with `error`, `error_description` and `state`.
//! Every sign-in step re-runs this on the parameters its flow carries.

use std::str::FromStr;

use axum::http::StatusCode;
use cerulean_directory::well_known::first_party_applications;
use cerulean_directory::{Application, ClientId, Directory, TenantId};
use cerulean_proto::aadsts;
use cerulean_proto::oauth2::{AuthorizeRequest, OAuthError, Prompt, ResponseMode};
use time::OffsetDateTime;

use super::device_proof::DeviceProof;
use crate::authority::tenant::{self, TenantScope};

/// Authorize parameters worth carrying between pages; the rest (telemetry, `claims`,
/// `x-client-*`, `clidata`, `haschrome`, …) is dropped.
const CARRIED: &[&str] = &[
    "client_id",
    "response_type",
    "redirect_uri",
    "scope",
    "resource",
    "state",
    "nonce",
    "prompt",
    "login_hint",
    "domain_hint",
    "response_mode",
    "code_challenge",
    "code_challenge_method",
    "client_info",
];

/// Where the answer to the client goes: known only once the redirect URI is trusted.
#[derive(Debug, Clone)]
pub struct Target {
    pub redirect_uri: String,
    pub state: Option<String>,
    pub mode: ResponseMode,
}

/// Why an authorize request cannot go on.
#[derive(Debug)]
pub enum Rejection {
    /// Shown to the user; the client learns nothing (untrusted redirect).
    Page { status: StatusCode, message: String },
    /// Sent back to the client's redirect URI.
    Redirect { target: Target, error: OAuthError },
}

impl Rejection {
    pub fn page(status: StatusCode, error: &OAuthError) -> Self {
        Self::Page {
            status,
            message: error.error_description.clone(),
        }
    }
}

/// A validated authorize request.
#[derive(Debug, Clone)]
pub struct Authorize {
    /// The `{tenant}` segment as routed (lower case).
    pub segment: String,
    pub scope: TenantScope,
    pub v2: bool,
    /// The client as resolved before sign-in. Under `common`, the copy from some tenant
    /// (or the first-party seed); [`client_for_tenant`] picks the user's tenant's copy.
    pub app: Application,
    pub request: AuthorizeRequest,
    pub target: Target,
    /// The parameters to carry in the flow.
    pub params: Vec<(String, String)>,
    /// The device an `x-ms-DeviceCredential` proved for this request, if any: set by the
    /// authorize handler (from the credential) or the sign-in handler (from the flow),
    /// never by validation.
    pub device: Option<DeviceProof>,
}

impl Authorize {
    pub fn prompt(&self) -> Option<&Prompt> {
        self.request.prompt.as_ref()
    }
}

/// The single value of `name`; `Err` when it is repeated.
fn single<'a>(pairs: &'a [(String, String)], name: &str) -> Result<Option<&'a str>, ()> {
    let mut values = pairs
        .iter()
        .filter(|(k, v)| k == name && !v.is_empty())
        .map(|(_, v)| v.as_str());
    let first = values.next();
    match values.next() {
        Some(_) => Err(()),
        None => Ok(first),
    }
}

fn store_down(e: impl std::fmt::Display) -> Rejection {
    tracing::error!("authorize: directory lookup failed: {e}");
    Rejection::page(
        StatusCode::SERVICE_UNAVAILABLE,
        &aadsts::temporarily_unavailable(),
    )
}

/// Validates an authorize request arriving at `/{segment}/oauth2[/v2.0]/authorize`.
pub async fn validate(
    directory: &Directory,
    segment: &str,
    v2: bool,
    pairs: &[(String, String)],
) -> Result<Authorize, Rejection> {
    // 1. Tenant.
    let scope = match tenant::resolve(directory, segment).await {
        Ok(scope) => scope,
        Err(e) if e.aadsts() == Some(aadsts::code::TENANT_NOT_FOUND) => {
            return Err(Rejection::page(StatusCode::BAD_REQUEST, &e));
        }
        Err(e) => return Err(Rejection::page(StatusCode::SERVICE_UNAVAILABLE, &e)),
    };
    // 2. Client.
    let bad = |e: OAuthError| Rejection::page(StatusCode::BAD_REQUEST, &e);
    let client_id = single(pairs, "client_id")
        .map_err(|()| {
            bad(aadsts::malformed_request(
                "The parameter 'client_id' is included more than once.",
            ))
        })?
        .ok_or_else(|| bad(aadsts::missing_parameter("client_id")))?;
    let not_found = || bad(aadsts::application_not_found(client_id, segment));
    let id = ClientId::from_str(client_id).map_err(|_| not_found())?;
    let app = find_client(directory, &scope, id)
        .await
        .map_err(store_down)?
        .ok_or_else(not_found)?;
    // 3. Redirect URI.
    let redirect_uri = match single(pairs, "redirect_uri") {
        Err(()) => {
            return Err(bad(aadsts::malformed_request(
                "The parameter 'redirect_uri' is included more than once.",
            )));
        }
        Ok(Some(uri)) if app.accepts_redirect_uri(uri) => uri.to_string(),
        Ok(Some(uri)) => return Err(bad(aadsts::redirect_uri_mismatch(uri, client_id))),
        Ok(None) => match app.redirect_uris.as_slice() {
            [only] => only.clone(),
            _ => return Err(bad(aadsts::missing_parameter("redirect_uri"))),
        },
    };
    // From here on, errors go back to the client.
    let mode = match single(pairs, "response_mode") {
        Ok(Some("form_post")) => ResponseMode::FormPost,
        Ok(Some("fragment")) => ResponseMode::Fragment,
        _ => ResponseMode::Query,
    };
    let mut target = Target {
        redirect_uri,
        state: single(pairs, "state").ok().flatten().map(str::to_string),
        mode,
    };
    let redirect = |target: &Target, error: OAuthError| Rejection::Redirect {
        target: target.clone(),
        error,
    };
    let request = AuthorizeRequest::from_pairs(pairs).map_err(|e| redirect(&target, e))?;
    // Only `code` is served, whose default mode is query (also for the error that refuses
    // another response type).
    target.mode = request.response_mode.unwrap_or(ResponseMode::Query);
    let rt = request.response_type;
    if !rt.code || rt.id_token || rt.token {
        return Err(redirect(
            &target,
            OAuthError::new(
                cerulean_proto::oauth2::ErrorCode::UnsupportedResponseType,
                aadsts::code::MALFORMED_REQUEST,
                "Only response_type=code is supported.",
            ),
        ));
    }
    if let Some(Prompt::Other(_) | Prompt::Create) = &request.prompt {
        return Err(redirect(
            &target,
            aadsts::malformed_request(
                "Invalid prompt value; use login, none, consent or select_account.",
            ),
        ));
    }
    if v2 && request.scope.is_none() {
        return Err(redirect(&target, aadsts::missing_parameter("scope")));
    }
    let params = pairs
        .iter()
        .filter(|(k, v)| CARRIED.contains(&k.as_str()) && !v.is_empty())
        .cloned()
        .collect();
    Ok(Authorize {
        segment: segment.to_string(),
        scope,
        v2,
        app,
        request,
        target,
        params,
        device: None,
    })
}

/// Finds the client: in the named tenant, or under `common` the first-party seed or the
/// first tenant that registered it (the user's own tenant is checked after sign-in).
pub async fn find_client(
    directory: &Directory,
    scope: &TenantScope,
    client_id: ClientId,
) -> Result<Option<Application>, cerulean_directory::DirectoryError> {
    if let Some(tenant) = scope.tenant() {
        return directory.application(tenant.id, client_id).await;
    }
    let seeds = first_party_applications(TenantId(uuid::Uuid::nil()), OffsetDateTime::UNIX_EPOCH);
    if let Some(seed) = seeds.into_iter().find(|a| a.client_id == client_id) {
        return Ok(Some(seed));
    }
    for tenant in directory.tenants().await? {
        if let Some(app) = directory.application(tenant.id, client_id).await? {
            return Ok(Some(app));
        }
    }
    Ok(None)
}

/// The client as registered in the signed-in user's tenant. Under a named tenant that is
/// the client already found; under `common` it is looked up (first-party apps are seeded
/// in every tenant; an app of another organization is not usable here).
pub async fn client_for_tenant(
    directory: &Directory,
    authz: &Authorize,
    tenant: TenantId,
) -> Result<Application, Rejection> {
    if authz.app.tenant_id == tenant {
        return Ok(authz.app.clone());
    }
    let app = directory
        .application(tenant, authz.app.client_id)
        .await
        .map_err(store_down)?
        .ok_or_else(|| {
            Rejection::page(
                StatusCode::BAD_REQUEST,
                &aadsts::application_not_found(authz.app.client_id, tenant),
            )
        })?;
    if !app.accepts_redirect_uri(&authz.target.redirect_uri) {
        return Err(Rejection::page(
            StatusCode::BAD_REQUEST,
            &aadsts::redirect_uri_mismatch(&authz.target.redirect_uri, app.client_id),
        ));
    }
    Ok(app)
}
