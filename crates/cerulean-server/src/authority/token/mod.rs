//! The token endpoint: `POST /{tenant}/oauth2/token` (v1) and
//! `POST /{tenant}/oauth2/v2.0/token` (v2), one file per grant.
//!
//! The body is read as a form whatever the `Content-Type` says (libhimmelblau sends
//! none); unknown fields and the `?client-request-id=` query are ignored
//! (INTEROP.md §10). Every answer is either a token response or an Entra-shaped OAuth
//! error stamped with the request's correlation id, and is counted in
//! `cerulean_tokens_issued_total{grant,result}`.

mod client;
mod client_credentials;
mod code;
mod device_code;
mod issue;
mod password;
mod prt;
mod refresh;
mod srv_challenge;

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request, State};
use axum::response::{IntoResponse, Response};
use cerulean_directory::{ActionContext, Actor, AuditEvent, AuditResult, TenantId};
use cerulean_proto::oauth2::{
    BasicCredentials, GrantType, OAuthError, TokenGrant, TokenRequest, TokenResponse,
};
use cerulean_proto::{EndpointVersion, aadsts};
use http::{HeaderMap, HeaderValue, StatusCode, header};
use time::OffsetDateTime;

use super::errors::OAuthResponse;
use super::tenant::{self, TenantScope};
use crate::app::AppState;
use crate::middleware::observe::CorrelationId;
use crate::public_url::PublicBase;
use crate::serve::ConnectionInfo;

pub(crate) use client::AuthenticatedClient;
pub(crate) use prt::{PrtWrapKey, verify_device_credential, verify_session_jws};

/// Everything a grant needs to know about the request it serves.
#[derive(Debug)]
pub(crate) struct TokenCtx<'a> {
    pub state: &'a AppState,
    pub scope: TenantScope,
    pub version: EndpointVersion,
    pub base: PublicBase,
    pub correlation_id: String,
    pub ip: Option<String>,
    pub now: OffsetDateTime,
}

impl TokenCtx<'_> {
    /// Who is acting, for audit events: nobody authenticated yet, under this request's
    /// correlation id.
    pub fn action(&self) -> ActionContext {
        ActionContext::new(Actor::Anonymous).with_correlation_id(self.correlation_id.clone())
    }

    /// Records a failed issuance that an operator should be able to find. A failure to
    /// write the event is logged, not turned into an error for the client.
    pub async fn audit_failure(
        &self,
        tenant: Option<TenantId>,
        action: &str,
        target: String,
        reason: &str,
        details: serde_json::Value,
    ) {
        let mut event: AuditEvent = self
            .action()
            .event(self.now, tenant, action, target, details);
        event.result = AuditResult::Failure(reason.to_owned());
        if let Err(e) = self.state.directory.store().record_audit(&event).await {
            tracing::error!(action, "recording an audit event failed: {e}");
        }
    }

    /// Whether the path's tenant segment admits `tenant`.
    pub fn admits(&self, tenant: TenantId) -> bool {
        match &self.scope {
            TenantScope::Any { .. } => true,
            TenantScope::Tenant(t) => t.id == tenant,
        }
    }
}

/// A store or directory failure: logged here, answered as `temporarily_unavailable`.
pub(crate) fn unavailable(what: &str, error: impl std::fmt::Display) -> OAuthError {
    tracing::error!("{what}: {error}");
    aadsts::temporarily_unavailable()
}

/// `POST /{tenant}/oauth2/token`.
pub(super) async fn token_v1(State(state): State<AppState>, request: Incoming) -> Response {
    token(&state, EndpointVersion::V1, request).await
}

/// `POST /{tenant}/oauth2/v2.0/token`.
pub(super) async fn token_v2(State(state): State<AppState>, request: Incoming) -> Response {
    token(&state, EndpointVersion::V2, request).await
}

/// Everything a token request carries, extracted once for both endpoint versions.
pub(super) struct Incoming {
    segment: String,
    base: PublicBase,
    correlation: CorrelationId,
    conn: Option<ConnectionInfo>,
    headers: HeaderMap,
    body: Bytes,
}

impl FromRequest<AppState> for Incoming {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let Path(segment) = Path::<String>::from_request_parts(&mut parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let base = PublicBase::from_request_parts(&mut parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let correlation = CorrelationId::from_request_parts(&mut parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let conn = parts.extensions.get::<ConnectionInfo>().cloned();
        let headers = parts.headers.clone();
        let body = Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        Ok(Self {
            segment,
            base,
            correlation,
            conn,
            headers,
            body,
        })
    }
}

async fn token(state: &AppState, version: EndpointVersion, request: Incoming) -> Response {
    let mut grant_type: Option<GrantType> = None;
    let result = serve(state, version, &request, &mut grant_type).await;
    state
        .authority
        .metrics
        .record(grant_type.as_ref(), result.as_ref().map(|_| ()));
    match result {
        Ok(Answer::Tokens(response)) => token_response(&response),
        Ok(Answer::Nonce(nonce)) => srv_challenge::response(&nonce),
        Ok(Answer::Prt(response)) => response.into_http(),
        Err(error) => OAuthResponse::traced(error, request.correlation.as_str()).into_response(),
    }
}

/// What a successful token request answers.
enum Answer {
    /// A token response (every grant that issues tokens).
    Tokens(Box<TokenResponse>),
    /// `srv_challenge`'s `{"Nonce": …}`.
    Nonce(String),
    /// A PRT (the device-signed `jwt-bearer` request), or the encrypted answer to a
    /// session-key-signed one.
    Prt(Box<prt::PrtAnswer>),
}

async fn serve(
    state: &AppState,
    version: EndpointVersion,
    request: &Incoming,
    grant_type: &mut Option<GrantType>,
) -> Result<Answer, OAuthError> {
    let mut form = TokenRequest::from_form_body(&request.body)?;
    *grant_type = form.grant_type.clone();
    if let Some(basic) = basic_authorization(&request.headers)? {
        form.apply_basic_auth(basic)?;
    }
    let span = tracing::Span::current();
    if let Some(client_id) = &form.client_id {
        span.record("client_id", client_id.chars().take(64).collect::<String>());
    }
    let grant = TokenGrant::try_from(form)?;
    let scope = tenant::resolve_cached(state, &request.segment).await?;
    if let TenantScope::Tenant(t) = &scope {
        span.record("tenant", t.id.to_string());
    }
    let ctx = TokenCtx {
        state,
        scope,
        version,
        base: request.base.clone(),
        correlation_id: request.correlation.as_str().to_owned(),
        ip: request.conn.as_ref().map(|c| c.peer_addr.ip().to_string()),
        now: state.directory.clock().now(),
    };
    let tokens = match grant {
        TokenGrant::SrvChallenge => return srv_challenge::grant(&ctx).await.map(Answer::Nonce),
        TokenGrant::Password(g) => password::grant(&ctx, g).await,
        TokenGrant::RefreshToken(g) => refresh::grant(&ctx, g).await,
        TokenGrant::AuthorizationCode(g) => code::grant(&ctx, g).await,
        TokenGrant::DeviceCode(g) => device_code::grant(&ctx, g).await,
        TokenGrant::ClientCredentials(g) => client_credentials::grant(&ctx, g).await,
        TokenGrant::JwtBearer(g) => {
            return prt::grant(&ctx, g).await.map(|r| Answer::Prt(Box::new(r)));
        }
        // Not implemented yet; say so plainly.
        TokenGrant::SamlBearer(_) => {
            let name = grant_type.as_ref().map_or("", GrantType::as_str);
            Err(aadsts::unsupported_grant_type(name))
        }
    };
    tokens.map(|t| Answer::Tokens(Box::new(t)))
}

/// `Authorization: Basic …` (client_secret_basic). Other schemes are not client
/// authentication and are ignored.
fn basic_authorization(headers: &HeaderMap) -> Result<Option<BasicCredentials>, OAuthError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| aadsts::client_credentials_invalid("The Authorization header is not text."))?;
    let is_basic = value
        .get(..6)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("basic "));
    if !is_basic {
        return Ok(None);
    }
    BasicCredentials::parse(value).map(Some)
}

/// `200` with the JSON body and RFC 6749 §5.1's no-caching headers.
pub(crate) fn token_response(response: &TokenResponse) -> Response {
    let mut http = (StatusCode::OK, response.to_json()).into_response();
    let headers = http.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    http
}
