//! Answering the client: issuing the authorization code and delivering it (or an error)
//! to the redirect URI by the request's response mode.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cerulean_directory::Application;
use cerulean_directory::authority::{AuthContext, AuthorizationCode};
use cerulean_proto::aadsts;
use cerulean_proto::oauth2::{CodeChallengeMethod, OAuthError, ResponseMode};
use time::Duration;
use uuid::Uuid;

use super::Ctx;
use super::device_proof;
use super::html::Look;
use super::pages;
use super::urls;
use super::validate::{Authorize, Rejection, Target};
use crate::authority::secrets::new_secret;

/// Authorization codes live ten minutes (RFC 6749 §4.1.2 recommends at most ten).
const CODE_LIFETIME_SECS: i64 = 600;

/// The look of pages in an authorize flow: the redirect origin is allowed as a form
/// target, since the last form of the flow answers with a redirect to the client.
pub fn look_for(authz: &Authorize, branding: Option<cerulean_directory::Branding>) -> Look {
    Look {
        branding: branding.or_else(|| authz.scope.tenant().map(|t| t.branding.clone())),
        form_target: urls::csp_source(&authz.target.redirect_uri),
    }
}

/// Sends `params` to the client's redirect URI in the target's response mode.
pub fn deliver(target: &Target, params: &[(&str, &str)], cookies: Vec<String>) -> Response {
    match target.mode {
        ResponseMode::Query => {
            pages::redirect(&urls::with_query(&target.redirect_uri, params), &cookies)
        }
        ResponseMode::Fragment => {
            pages::redirect(&urls::with_fragment(&target.redirect_uri, params), &cookies)
        }
        ResponseMode::FormPost => {
            let look = Look {
                branding: None,
                form_target: urls::csp_source(&target.redirect_uri),
            };
            pages::form_post(look, &target.redirect_uri, params)
                .with_cookies(cookies)
                .into_response()
        }
    }
}

/// An OAuth error sent back to the client (RFC 6749 §4.1.2.1), with `state` verbatim.
pub fn deliver_error(target: &Target, error: &OAuthError, cookies: Vec<String>) -> Response {
    let mut params: Vec<(&str, &str)> = vec![
        ("error", error.error.as_str()),
        ("error_description", error.error_description.as_str()),
    ];
    if let Some(sub) = error.suberror.as_deref() {
        params.push(("suberror", sub));
    }
    if let Some(state) = target.state.as_deref() {
        params.push(("state", state));
    }
    deliver(target, &params, cookies)
}

/// Renders a rejection: an error page, or an error sent to the client.
pub fn reject(ctx: &Ctx, look: Look, rejection: Rejection) -> Response {
    match rejection {
        Rejection::Page { status, message } => {
            pages::error(look, status, &message, ctx.correlation.as_str()).into_response()
        }
        Rejection::Redirect { target, error } => deliver_error(&target, &error, Vec::new()),
    }
}

/// Plain error page (not sent to the client).
pub fn error_page(ctx: &Ctx, look: Look, status: StatusCode, message: &str) -> Response {
    pages::error(look, status, message, ctx.correlation.as_str()).into_response()
}

/// Issues a code for `auth` (bound to the device the request proved, if that still
/// holds: [`device_proof::bind`]) and delivers it with `state`.
pub async fn issue_code(
    ctx: &Ctx,
    authz: &Authorize,
    app: &Application,
    auth: AuthContext,
    cookies: Vec<String>,
) -> Response {
    let auth = device_proof::bind(ctx, authz.device.as_ref(), auth).await;
    let Ok((code, code_hash)) = new_secret(32) else {
        return error_page(
            ctx,
            look_for(authz, None),
            StatusCode::INTERNAL_SERVER_ERROR,
            &aadsts::server_error().error_description,
        );
    };
    let now = ctx.state.directory.clock().now();
    let request = &authz.request;
    let record = AuthorizationCode {
        code_hash,
        client_id: app.client_id,
        redirect_uri: authz.target.redirect_uri.clone(),
        scope: request.scope.clone(),
        resource: request.resource.clone(),
        nonce: request.nonce.clone(),
        code_challenge: request.code_challenge.as_ref().map(|c| c.challenge.clone()),
        code_challenge_method: request.code_challenge.as_ref().map(|c| {
            match c.method {
                CodeChallengeMethod::S256 => "S256",
                CodeChallengeMethod::Plain => "plain",
            }
            .to_string()
        }),
        auth,
        family_id: Uuid::new_v4(),
        v2: authz.v2,
        created_at: now,
        expires_at: now + Duration::seconds(CODE_LIFETIME_SECS),
    };
    if let Err(e) = ctx
        .state
        .directory
        .store()
        .insert_authorization_code(&record)
        .await
    {
        tracing::error!("storing an authorization code failed: {e}");
        return error_page(
            ctx,
            look_for(authz, None),
            StatusCode::SERVICE_UNAVAILABLE,
            &aadsts::temporarily_unavailable().error_description,
        );
    }
    let mut params: Vec<(&str, &str)> = vec![("code", code.as_str())];
    if let Some(state) = authz.target.state.as_deref() {
        params.push(("state", state));
    }
    deliver(&authz.target, &params, cookies)
}
