//! The device-code verification page, `GET|POST /{tenant}/oauth2/deviceauth` (the token
//! endpoint publishes `{base}/common/oauth2/deviceauth` as `verification_uri`).
//!
//! Enter code → "Are you trying to sign in to <app>?" → (sign in, unless the browser has a
//! session) → approved → "You may now close this window". Cancel on the question denies.

use axum::body::Bytes;
use axum::extract::{Path, RawQuery};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cerulean_directory::authority::{AuthContext, DeviceCode, DeviceCodeState};
use cerulean_directory::{ActionContext, Actor, User};
use cerulean_proto::aadsts;
use cerulean_proto::oauth2::parse_form_body;
use serde_json::json;

use super::cookies::csrf_or_new;
use super::device_pages;
use super::flow::{Flow, FlowKind};
use super::html::Look;
use super::pages::{self, FormCtx, Notice};
use super::signin::{Fields, open_flow};
use super::{Ctx, limits, login_action, respond, session, validate};
use crate::authority::tenant::{self, TenantScope};

fn device_action(segment: &str) -> String {
    format!("/{}/oauth2/deviceauth", super::urls::encode(segment))
}

/// The look of device pages: the named tenant's branding, if any.
async fn look(ctx: &Ctx, segment: &str) -> Result<Look, Response> {
    match tenant::resolve(&ctx.state.directory, segment).await {
        Ok(scope) => Ok(Look {
            branding: scope.tenant().map(|t| t.branding.clone()),
            form_target: None,
        }),
        Err(e) => Err(respond::error_page(
            ctx,
            Look::default(),
            StatusCode::BAD_REQUEST,
            &e.error_description,
        )),
    }
}

fn form(
    ctx: &Ctx,
    csrf: &str,
    segment: &str,
    user_code: Option<String>,
    action: String,
) -> FormCtx {
    let flow = Flow {
        kind: FlowKind::Device,
        tenant: segment.to_string(),
        v2: false,
        params: Vec::new(),
        user_code,
        device: None,
        issued_at: ctx.state.directory.clock().now().unix_timestamp(),
    };
    FormCtx {
        action,
        flow: flow.seal(csrf),
        csrf: csrf.to_string(),
    }
}

pub async fn get_common(ctx: Ctx, query: RawQuery) -> Response {
    get(ctx, Path("common".to_string()), query).await
}

pub async fn post_common(ctx: Ctx, body: Bytes) -> Response {
    post(ctx, Path("common".to_string()), body).await
}

pub async fn get(ctx: Ctx, Path(segment): Path<String>, RawQuery(q): RawQuery) -> Response {
    let look = match look(&ctx, &segment).await {
        Ok(look) => look,
        Err(response) => return response,
    };
    let (csrf, cookie) = match csrf_or_new(ctx.jar, &ctx.headers) {
        Ok(pair) => pair,
        Err(e) => {
            tracing::error!("no randomness for a CSRF token: {e}");
            return respond::error_page(
                &ctx,
                look,
                StatusCode::INTERNAL_SERVER_ERROR,
                "Try again.",
            );
        }
    };
    let prefill = parse_form_body(q.unwrap_or_default().as_bytes())
        .into_iter()
        .find(|(k, _)| k == "otc" || k == "user_code")
        .map(|(_, v)| v)
        .filter(|v| v.len() <= 16)
        .unwrap_or_default();
    let form = form(&ctx, &csrf, &segment, None, device_action(&segment));
    device_pages::enter_code(look, &form, &prefill, None)
        .with_cookies(cookie.into_iter().collect())
        .into_response()
}

pub async fn post(ctx: Ctx, Path(segment): Path<String>, body: Bytes) -> Response {
    let fields = Fields::parse(&body);
    let (csrf, flow) = match open_flow(&ctx, &fields) {
        Ok(opened) => opened,
        Err(response) => return *response,
    };
    let look = match look(&ctx, &flow.tenant).await {
        Ok(look) => look,
        Err(response) => return response,
    };
    if flow.kind != FlowKind::Device || flow.tenant != segment {
        return respond::error_page(&ctx, look, StatusCode::BAD_REQUEST, "Start again.");
    }
    match (fields.get("step"), flow.user_code.as_deref()) {
        (Some("code"), _) => enter_code(&ctx, look, &csrf, &flow, &fields).await,
        (Some("confirm"), Some(user_code)) => {
            confirm(&ctx, look, &csrf, &flow, user_code, fields.get("action")).await
        }
        _ => respond::error_page(&ctx, look, StatusCode::BAD_REQUEST, "Start again."),
    }
}

/// `BDKF-QMRT`, `bdkfqmrt`, ` bdkf qmrt ` → the spellings to look up.
fn candidates(input: &str) -> Vec<String> {
    let compact: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect::<String>()
        .to_ascii_uppercase();
    if compact.is_empty()
        || compact.len() > 16
        || !compact.chars().all(|c| c.is_ascii_alphanumeric())
    {
        return Vec::new();
    }
    let mut out = Vec::new();
    if compact.len() == 8 {
        out.push(format!("{}-{}", &compact[..4], &compact[4..]));
    }
    out.push(compact);
    out
}

/// The pending, unexpired device code a user typed, if any.
async fn find_code(ctx: &Ctx, input: &str) -> Result<Option<DeviceCode>, Response> {
    let now = ctx.state.directory.clock().now();
    for candidate in candidates(input) {
        match ctx
            .state
            .directory
            .store()
            .device_code_by_user_code(&candidate, now)
            .await
        {
            Ok(Some(code)) if code.state == DeviceCodeState::Pending && now < code.expires_at => {
                return Ok(Some(code));
            }
            Ok(_) => {}
            Err(e) => {
                tracing::error!("device code lookup failed: {e}");
                return Err(respond::error_page(
                    ctx,
                    Look::default(),
                    StatusCode::SERVICE_UNAVAILABLE,
                    &aadsts::temporarily_unavailable().error_description,
                ));
            }
        }
    }
    Ok(None)
}

/// The client's display name (its id when it cannot be found).
async fn app_name(ctx: &Ctx, code: &DeviceCode) -> String {
    let scope = tenant::resolve(&ctx.state.directory, &code.tenant_hint)
        .await
        .unwrap_or(TenantScope::Any {
            segment: "common".to_string(),
        });
    match validate::find_client(&ctx.state.directory, &scope, code.client_id).await {
        Ok(Some(app)) => app.display_name,
        _ => code.client_id.to_string(),
    }
}

async fn enter_code(ctx: &Ctx, look: Look, csrf: &str, flow: &Flow, fields: &Fields) -> Response {
    let now = ctx.state.directory.clock().now().unix_timestamp();
    let input = fields.get("otc").unwrap_or_default();
    let again = |notice: &str| {
        let form = form(ctx, csrf, &flow.tenant, None, device_action(&flow.tenant));
        device_pages::enter_code(look.clone(), &form, input, Some(&Notice::text(notice)))
            .into_response()
    };
    if limits::is_limited(csrf, now) {
        return again("You've tried too many codes. Wait a few minutes and try again.");
    }
    let code = match find_code(ctx, input).await {
        Ok(Some(code)) => code,
        Ok(None) => {
            limits::record_wrong(csrf, now);
            return again(
                "That code didn't work. Check the code and try again, or request a new code \
                 on your device.",
            );
        }
        Err(response) => return response,
    };
    let signed = session::current(&ctx.state, ctx.jar, &ctx.headers).await;
    let form = form(
        ctx,
        csrf,
        &flow.tenant,
        Some(code.user_code.clone()),
        device_action(&flow.tenant),
    );
    let app = app_name(ctx, &code).await;
    device_pages::confirm(
        look,
        &form,
        &app,
        signed.as_ref().map(|s| s.user.upn.as_str()),
    )
    .into_response()
}

async fn confirm(
    ctx: &Ctx,
    look: Look,
    csrf: &str,
    flow: &Flow,
    user_code: &str,
    action: Option<&str>,
) -> Response {
    let code = match find_code(ctx, user_code).await {
        Ok(Some(code)) => code,
        Ok(None) => return no_longer_valid(ctx, look),
        Err(response) => return response,
    };
    let app = app_name(ctx, &code).await;
    if action == Some("deny") {
        return decide(ctx, look, &code, None, &app).await;
    }
    match session::current(&ctx.state, ctx.jar, &ctx.headers).await {
        Some(signed) => approve(ctx, &code.user_code, &signed.user, signed.auth().clone()).await,
        None => {
            let form = form(
                ctx,
                csrf,
                &flow.tenant,
                Some(code.user_code.clone()),
                login_action(&flow.tenant),
            );
            pages::email(look, &form, None, Some(&app), None).into_response()
        }
    }
}

fn no_longer_valid(ctx: &Ctx, look: Look) -> Response {
    respond::error_page(
        ctx,
        look,
        StatusCode::BAD_REQUEST,
        "That code is no longer valid. Request a new code on your device and try again.",
    )
}

/// Approves `user_code` for the signed-in user (the sign-in handler calls this too).
pub async fn approve(ctx: &Ctx, user_code: &str, user: &User, auth: AuthContext) -> Response {
    let code = match find_code(ctx, user_code).await {
        Ok(Some(code)) => code,
        Ok(None) => return no_longer_valid(ctx, Look::default()),
        Err(response) => return response,
    };
    let look = look(ctx, &code.tenant_hint).await.unwrap_or_default();
    if let Ok(TenantScope::Tenant(tenant)) =
        tenant::resolve(&ctx.state.directory, &code.tenant_hint).await
    {
        if tenant.id != user.tenant_id {
            let message = format!(
                "AADSTS50020: The account {} is not in the {} directory. Sign in with an \
                 account of that organization.",
                user.upn, tenant.display_name
            );
            return respond::error_page(ctx, look, StatusCode::BAD_REQUEST, &message);
        }
    }
    let app = app_name(ctx, &code).await;
    decide(ctx, look, &code, Some((user, auth)), &app).await
}

/// Records the decision, audits it and shows the outcome.
async fn decide(
    ctx: &Ctx,
    look: Look,
    code: &DeviceCode,
    approval: Option<(&User, AuthContext)>,
    app: &str,
) -> Response {
    let directory = &ctx.state.directory;
    let now = directory.clock().now();
    let (actor, tenant) = match &approval {
        Some((user, _)) => (Actor::User(user.id.to_string()), Some(user.tenant_id)),
        None => (Actor::Anonymous, None),
    };
    let approved = approval.is_some();
    let auth = approval.map(|(_, auth)| auth);
    match directory
        .store()
        .decide_device_code(&code.user_code, auth, now)
        .await
    {
        Ok(true) => {}
        Ok(false) => return no_longer_valid(ctx, look),
        Err(e) => {
            tracing::error!("device code decision failed: {e}");
            return respond::error_page(
                ctx,
                look,
                StatusCode::SERVICE_UNAVAILABLE,
                &aadsts::temporarily_unavailable().error_description,
            );
        }
    }
    let action = if approved {
        "device_code.approve"
    } else {
        "device_code.deny"
    };
    let event = ActionContext::new(actor)
        .with_correlation_id(ctx.correlation.as_str())
        .event(
            now,
            tenant,
            action,
            format!("application:{}", code.client_id),
            json!({}),
        );
    if let Err(e) = directory.store().record_audit(&event).await {
        tracing::warn!("could not audit a device code decision: {e}");
    }
    if approved {
        device_pages::done(look, app).into_response()
    } else {
        device_pages::declined(look, app).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::candidates;

    #[test]
    fn user_codes_are_normalised() {
        assert_eq!(candidates(" bdkf-qmrt "), vec!["BDKF-QMRT", "BDKFQMRT"]);
        assert_eq!(candidates("BDKFQMRT"), vec!["BDKF-QMRT", "BDKFQMRT"]);
        assert_eq!(candidates("abc"), vec!["ABC"]);
        assert!(candidates("<script>").is_empty());
        assert!(candidates("").is_empty());
    }
}
