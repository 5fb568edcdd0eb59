//! `GET|POST /{tenant}/oauth2/authorize` (v1) and `/{tenant}/oauth2/v2.0/authorize` (v2).
//!
//! After validation (see `validate.rs`) the browser's session decides: with a usable
//! session the code is issued at once (single sign-on); otherwise the sign-in pages start.
//! The steps after sign-in (`continue_after_auth`) are shared with the sign-in handler.
//!
//! The PRT SSO credential (`x-ms-RefreshTokenCredential` header or cookie, PROTOCOLS.md
//! §5.6) is consulted at [`sso_identity`] before the session cookie: one more way to obtain
//! an `AuthContext` (carrying the device id), and everything after it (consent, code,
//! delivery) is shared. A bad credential only means the normal sign-in.
//!
//! Without a valid PRT credential, the device credential (`x-ms-DeviceCredential` header
//! or cookie, §5.6) is consulted at [`device_identity`]: it signs nobody in, but proves the
//! device, which rides along the sign-in (session cookie or pages) to the code
//! (`device_proof.rs`). A bad one is ignored the same way.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cerulean_proto::EndpointVersion;
use cerulean_proto::aadsts;
use cerulean_proto::oauth2::{ErrorCode, OAuthError, Prompt, parse_form_body};

use super::super::token::{TokenCtx, verify_device_credential, verify_session_jws};
use super::cookies::{csrf_or_new, device_credential, prt_credential};
use super::device_proof::{self, DeviceProof};
use super::flow::{Flow, FlowKind};
use super::pages::{self, FormCtx};
use super::respond::{self, look_for};
use super::session::{self, Signed};
use super::validate::{self, Authorize, Rejection};
use super::{Ctx, consent, login_action};

pub async fn get_v1(ctx: Ctx, Path(segment): Path<String>, RawQuery(q): RawQuery) -> Response {
    start(ctx, &segment, false, &query_pairs(q)).await
}

pub async fn get_v2(ctx: Ctx, Path(segment): Path<String>, RawQuery(q): RawQuery) -> Response {
    start(ctx, &segment, true, &query_pairs(q)).await
}

pub async fn post_v1(ctx: Ctx, Path(segment): Path<String>, body: Bytes) -> Response {
    start(ctx, &segment, false, &parse_form_body(&body)).await
}

pub async fn post_v2(ctx: Ctx, Path(segment): Path<String>, body: Bytes) -> Response {
    start(ctx, &segment, true, &parse_form_body(&body)).await
}

fn query_pairs(query: Option<String>) -> Vec<(String, String)> {
    parse_form_body(query.unwrap_or_default().as_bytes())
}

/// A new authorize request.
async fn start(ctx: Ctx, segment: &str, v2: bool, pairs: &[(String, String)]) -> Response {
    let mut authz = match validate::validate(&ctx.state.directory, segment, v2, pairs).await {
        Ok(authz) => authz,
        Err(rejection) => return respond::reject(&ctx, Default::default(), rejection),
    };
    let span = tracing::Span::current();
    span.record("tenant", segment);
    span.record("client_id", authz.app.client_id.to_string());
    let prompt = authz.prompt().cloned();
    let prt = match prompt {
        Some(Prompt::Login) => None,
        _ => prt_identity(&ctx, &authz).await,
    };
    // A valid PRT credential proves its own device; the device credential is then not
    // even looked at (its nonce stays unspent).
    if prt.is_none() {
        authz.device = device_identity(&ctx, &authz).await;
    }
    let signed = match prompt {
        Some(Prompt::Login) => None,
        _ => sso_identity(&ctx, &authz, prt).await,
    };
    match (prompt, signed) {
        (Some(Prompt::None), None) => {
            respond::deliver_error(&authz.target, &aadsts::no_session(), Vec::new())
        }
        (Some(Prompt::None), Some(signed)) => silent(&ctx, &authz, &signed).await,
        (Some(Prompt::SelectAccount), Some(signed)) => pick_account(&ctx, &authz, &signed),
        (_, Some(signed)) => continue_after_auth(&ctx, &authz, &signed, false, Vec::new()).await,
        (_, None) => show_email(&ctx, &authz, authz.request.login_hint.as_deref(), None),
    }
}

/// Who is already signed in for this request, if anyone: the valid PRT credential
/// (`x-ms-RefreshTokenCredential`, verified by [`prt_identity`]), else the session cookie.
/// A sign-in of another tenant than the one named, or of another user than `login_hint`,
/// does not count.
async fn sso_identity(ctx: &Ctx, authz: &Authorize, prt: Option<Signed>) -> Option<Signed> {
    let signed = match prt {
        Some(signed) => signed,
        None => session::current(&ctx.state, ctx.jar, &ctx.headers).await?,
    };
    if let Some(tenant) = authz.scope.tenant() {
        if tenant.id != signed.user.tenant_id {
            return None;
        }
    }
    if let Some(hint) = authz.request.login_hint.as_deref() {
        if !hint.trim().eq_ignore_ascii_case(&signed.user.upn) {
            return None;
        }
    }
    Some(signed)
}

/// The PRT SSO credential (PROTOCOLS.md §5.6), verified like a session-key-signed token
/// request (the PRT live, the signature under its session key, a fresh nonce or `iat`, its
/// device and user still enabled). Any failure is `None`: the normal sign-in follows, never
/// an error page. The credential's sign-in carries the device id into the code.
async fn prt_identity(ctx: &Ctx, authz: &Authorize) -> Option<Signed> {
    let credential = prt_credential(&ctx.headers)?;
    match verify_session_jws(&token_ctx(ctx, authz), &credential).await {
        Ok(verified) => Some(Signed {
            auth: verified.auth(),
            user: verified.user,
        }),
        Err(e) => {
            tracing::info!(
                error_code = ?e.error_codes.first(),
                "the PRT credential at authorize was not accepted; falling back to sign-in"
            );
            None
        }
    }
}

/// The device credential (PROTOCOLS.md §5.6), verified exactly like the device-key-signed
/// PRT request's device (certificate of a registered, enabled device of an admitted
/// tenant, issued by its CA, in validity; the signature; the nonce spent once) with inner
/// `grant_type: "device_auth"`. Any failure is `None`, logged at debug with the AADSTS
/// code and description (never the credential): the flow goes on as an ordinary sign-in.
async fn device_identity(ctx: &Ctx, authz: &Authorize) -> Option<DeviceProof> {
    let credential = device_credential(&ctx.headers)?;
    match verify_device_credential(&token_ctx(ctx, authz), &credential).await {
        Ok(device) => {
            tracing::debug!(device_id = %device.device_id, "device credential accepted");
            device_proof::prove(ctx, &device).await
        }
        Err(e) => {
            tracing::debug!(
                error_code = ?e.error_codes.first(),
                reason = %e.error_description,
                "the device credential at authorize was not accepted; ignored"
            );
            None
        }
    }
}

/// The token endpoint's view of this authorize request, for the credentials it verifies.
fn token_ctx<'a>(ctx: &'a Ctx, authz: &Authorize) -> TokenCtx<'a> {
    TokenCtx {
        state: &ctx.state,
        scope: authz.scope.clone(),
        version: if authz.v2 {
            EndpointVersion::V2
        } else {
            EndpointVersion::V1
        },
        base: ctx.base.clone(),
        correlation_id: ctx.correlation.as_str().to_owned(),
        ip: None,
        now: ctx.state.directory.clock().now(),
    }
}

/// `prompt=none` with a session: a code, or an error when consent would be needed.
async fn silent(ctx: &Ctx, authz: &Authorize, signed: &Signed) -> Response {
    let app = match validate::client_for_tenant(&ctx.state.directory, authz, signed.user.tenant_id)
        .await
    {
        Ok(app) => app,
        Err(rejection) => return respond::reject(ctx, look_for(authz, None), rejection),
    };
    if needs_consent(ctx, &app, signed) {
        let error = OAuthError::new(
            ErrorCode::InteractionRequired,
            aadsts::code::USER_DECLINED,
            "The user has not consented to the application; interaction is required.",
        )
        .with_suberror("consent_required");
        return respond::deliver_error(&authz.target, &error, Vec::new());
    }
    respond::issue_code(ctx, authz, &app, signed.auth().clone(), Vec::new()).await
}

fn needs_consent(ctx: &Ctx, app: &cerulean_directory::Application, signed: &Signed) -> bool {
    !app.first_party && !consent::remembered(ctx.jar, &ctx.headers, signed.user.id, app.client_id)
}

/// The seal key and form context for a new page of this authorize flow.
pub fn form_ctx(ctx: &Ctx, authz: &Authorize) -> Result<(FormCtx, Vec<String>), Box<Response>> {
    let (csrf, cookie) = match csrf_or_new(ctx.jar, &ctx.headers) {
        Ok(pair) => pair,
        Err(e) => {
            tracing::error!("no randomness for a CSRF token: {e}");
            return Err(Box::new(respond::error_page(
                ctx,
                look_for(authz, None),
                StatusCode::INTERNAL_SERVER_ERROR,
                &aadsts::server_error().error_description,
            )));
        }
    };
    let flow = Flow {
        kind: FlowKind::Authorize,
        tenant: authz.segment.clone(),
        v2: authz.v2,
        params: authz.params.clone(),
        user_code: None,
        device: authz.device.as_ref().map(|proof| proof.seal(&csrf)),
        issued_at: ctx.state.directory.clock().now().unix_timestamp(),
    };
    let form = FormCtx {
        action: login_action(&authz.segment),
        flow: flow.seal(&csrf),
        csrf,
    };
    Ok((form, cookie.into_iter().collect()))
}

/// The "Sign in" page for this request.
pub fn show_email(
    ctx: &Ctx,
    authz: &Authorize,
    prefill: Option<&str>,
    notice: Option<&pages::Notice>,
) -> Response {
    let (form, cookies) = match form_ctx(ctx, authz) {
        Ok(pair) => pair,
        Err(response) => return *response,
    };
    let app = (!authz.app.display_name.is_empty()).then_some(authz.app.display_name.as_str());
    pages::email(look_for(authz, None), &form, prefill, app, notice)
        .with_cookies(cookies)
        .into_response()
}

fn pick_account(ctx: &Ctx, authz: &Authorize, signed: &Signed) -> Response {
    let (form, cookies) = match form_ctx(ctx, authz) {
        Ok(pair) => pair,
        Err(response) => return *response,
    };
    pages::pick_account(
        look_for(authz, None),
        &form,
        &signed.user.display_name,
        &signed.user.upn,
    )
    .with_cookies(cookies)
    .into_response()
}

/// Everything after the user is known: tenant and client checks, `prompt=login`
/// freshness, consent, then the code. `consented` is true right after the consent page.
pub async fn continue_after_auth(
    ctx: &Ctx,
    authz: &Authorize,
    signed: &Signed,
    consented: bool,
    mut cookies: Vec<String>,
) -> Response {
    let look = look_for(authz, None);
    if let Some(tenant) = authz.scope.tenant() {
        if tenant.id != signed.user.tenant_id {
            let message = format!(
                "AADSTS50020: The account {} is not in the {} directory. Sign in with an \
                 account of that organization.",
                signed.user.upn, tenant.display_name
            );
            return respond::error_page(ctx, look, StatusCode::BAD_REQUEST, &message)
                .with_cookies(cookies);
        }
    }
    let now = ctx.state.directory.clock().now();
    if authz.prompt() == Some(&Prompt::Login) && !signed.is_fresh(now) {
        return show_email(ctx, authz, Some(&signed.user.upn), None);
    }
    let app = match validate::client_for_tenant(&ctx.state.directory, authz, signed.user.tenant_id)
        .await
    {
        Ok(app) => app,
        Err(Rejection::Page { status, message }) => {
            return respond::error_page(ctx, look, status, &message).with_cookies(cookies);
        }
        Err(rejection) => return respond::reject(ctx, look, rejection),
    };
    let ask = !consented
        && (authz.prompt() == Some(&Prompt::Consent) || needs_consent(ctx, &app, signed));
    if ask {
        let (form, more) = match form_ctx(ctx, authz) {
            Ok(pair) => pair,
            Err(response) => return *response,
        };
        cookies.extend(more);
        let scopes = requested_scopes(authz);
        return pages::consent(look, &form, &signed.user.upn, &app.display_name, &scopes)
            .with_cookies(cookies)
            .into_response();
    }
    respond::issue_code(ctx, authz, &app, signed.auth().clone(), cookies).await
}

fn requested_scopes(authz: &Authorize) -> Vec<String> {
    let request = &authz.request;
    let mut scopes: Vec<String> = request
        .scope
        .as_deref()
        .unwrap_or_default()
        .split_ascii_whitespace()
        .map(str::to_string)
        .collect();
    if let Some(resource) = &request.resource {
        scopes.push(resource.clone());
    }
    if scopes.is_empty() {
        scopes.push("openid".to_string());
    }
    scopes
}

/// Adds `Set-Cookie`s to any response.
pub trait WithCookies {
    fn with_cookies(self, cookies: Vec<String>) -> Response;
}

impl WithCookies for Response {
    fn with_cookies(mut self, cookies: Vec<String>) -> Response {
        for cookie in cookies {
            if let Ok(value) = axum::http::HeaderValue::from_str(&cookie) {
                self.headers_mut()
                    .append(axum::http::header::SET_COOKIE, value);
            }
        }
        self
    }
}
