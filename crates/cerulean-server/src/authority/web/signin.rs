//! `POST /{tenant}/login`: every form of the sign-in pages posts here, with `csrf`, `flow`
//! and `step` (`email`, `password`, `kmsi`, `consent`, `select_account`).
//!
//! Order of checks: CSRF double-submit (400 page), then the flow seal (400 page), then the
//! flow's authorize request is validated again from scratch, then the step runs. Steps
//! after the password need the session cookie; the flow alone never proves who signed in.

use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use cerulean_crypto::SecretString;
use cerulean_directory::tenant::DomainKind;
use cerulean_directory::{ActionContext, Actor, SignInFailure, SignedIn};
use cerulean_proto::aadsts;
use cerulean_proto::oauth2::parse_form_body;

use super::authorize::{self, WithCookies as _};
use super::cookies::check_csrf;
use super::flow::{Flow, FlowKind};
use super::html::Look;
use super::pages::{self, FormCtx, Notice};
use super::respond::{self, look_for};
use super::validate::{self, Authorize};
use super::{Ctx, consent, device, device_proof, session};

/// Longer passwords are refused without hashing them.
const MAX_PASSWORD_BYTES: usize = 1024;
const INCORRECT: &str = "Your account or password is incorrect. If you don't remember your \
                         password, ask your administrator to reset it.";

/// The submitted form.
pub struct Fields(Vec<(String, String)>);

impl Fields {
    pub fn parse(body: &[u8]) -> Self {
        Self(parse_form_body(body))
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What a sign-in is for: an authorize request or a device code.
pub enum Purpose {
    Authorize(Box<Authorize>),
    Device { user_code: String },
}

/// Checks the CSRF pair and opens the flow; the error page otherwise.
pub fn open_flow(ctx: &Ctx, fields: &Fields) -> Result<(String, Flow), Box<Response>> {
    let Some(csrf) = check_csrf(ctx.jar, &ctx.headers, fields.get("csrf")) else {
        return Err(Box::new(respond::error_page(
            ctx,
            Look::default(),
            StatusCode::BAD_REQUEST,
            "We couldn't verify this request (the form's security token is missing or does not \
             match this browser). Go back to the application and sign in again, with cookies \
             enabled.",
        )));
    };
    let now = ctx.state.directory.clock().now().unix_timestamp();
    match fields.get("flow").and_then(|f| Flow::open(f, &csrf, now)) {
        Some(flow) => Ok((csrf, flow)),
        None => Err(Box::new(respond::error_page(
            ctx,
            Look::default(),
            StatusCode::BAD_REQUEST,
            "This sign-in page has expired. Go back to the application and sign in again.",
        ))),
    }
}

pub async fn post(ctx: Ctx, body: Bytes) -> Response {
    let fields = Fields::parse(&body);
    let (csrf, flow) = match open_flow(&ctx, &fields) {
        Ok(opened) => opened,
        Err(response) => return *response,
    };
    let purpose = match flow.kind {
        FlowKind::Authorize => {
            match validate::validate(&ctx.state.directory, &flow.tenant, flow.v2, &flow.params)
                .await
            {
                Ok(mut authz) => {
                    authz.device =
                        device_proof::from_flow(&ctx, flow.device.as_deref(), &csrf).await;
                    Purpose::Authorize(Box::new(authz))
                }
                Err(rejection) => return respond::reject(&ctx, Look::default(), rejection),
            }
        }
        FlowKind::Device => match flow.user_code.clone() {
            Some(user_code) => Purpose::Device { user_code },
            None => return bad_step(&ctx),
        },
    };
    match (fields.get("step").unwrap_or_default(), &purpose) {
        ("email", _) => email_step(&ctx, &purpose, &csrf, &flow, &fields).await,
        ("password", _) => password_step(&ctx, &purpose, &csrf, &flow, &fields).await,
        ("kmsi", Purpose::Authorize(authz)) => kmsi_step(&ctx, authz, &fields).await,
        ("consent", Purpose::Authorize(authz)) => consent_step(&ctx, authz, &fields).await,
        ("select_account", Purpose::Authorize(authz)) => {
            if fields.get("account") == Some("other") {
                return authorize::show_email(&ctx, authz, None, None);
            }
            let ctx = &ctx;
            after_session(ctx, authz, |signed| async move {
                authorize::continue_after_auth(ctx, authz, &signed, false, Vec::new()).await
            })
            .await
        }
        _ => bad_step(&ctx),
    }
}

fn bad_step(ctx: &Ctx) -> Response {
    respond::error_page(
        ctx,
        Look::default(),
        StatusCode::BAD_REQUEST,
        "This sign-in step is not valid here. Go back to the application and sign in again.",
    )
}

/// Runs `next` with the browser's session; without one the sign-in starts over.
async fn after_session<F, Fut>(ctx: &Ctx, authz: &Authorize, next: F) -> Response
where
    F: FnOnce(session::Signed) -> Fut,
    Fut: std::future::Future<Output = Response>,
{
    match session::current(&ctx.state, ctx.jar, &ctx.headers).await {
        Some(signed) => next(signed).await,
        None => authorize::show_email(
            ctx,
            authz,
            authz.request.login_hint.as_deref(),
            Some(&Notice::text("Your sign-in timed out. Sign in again.")),
        ),
    }
}

/// Same flow, same browser: the form context for the next page.
fn same_form(ctx: &Ctx, purpose: &Purpose, csrf: &str, flow: &Flow) -> FormCtx {
    let flow = Flow {
        issued_at: ctx.state.directory.clock().now().unix_timestamp(),
        ..flow.clone()
    };
    let action = match purpose {
        Purpose::Authorize(authz) => super::login_action(&authz.segment),
        Purpose::Device { .. } => super::login_action(&flow.tenant),
    };
    FormCtx {
        action,
        flow: flow.seal(csrf),
        csrf: csrf.to_string(),
    }
}

/// The look for a purpose, with a known tenant's branding.
async fn look(ctx: &Ctx, purpose: &Purpose, login: Option<&str>) -> Look {
    let branding = match login.and_then(cerulean_directory::user::upn_domain) {
        Some(domain) => match ctx.state.directory.resolve_tenant(&domain).await {
            Ok(Some(tenant)) => Some(tenant.branding),
            _ => None,
        },
        None => None,
    };
    match purpose {
        Purpose::Authorize(authz) => look_for(authz, branding),
        Purpose::Device { .. } => Look {
            branding,
            form_target: None,
        },
    }
}

fn show_email_again(
    purpose: &Purpose,
    form: &FormCtx,
    look: Look,
    login: &str,
    notice: Notice,
) -> Response {
    let app = match purpose {
        Purpose::Authorize(authz) => Some(authz.app.display_name.as_str()),
        Purpose::Device { .. } => None,
    };
    pages::email(look, form, Some(login), app, Some(&notice)).into_response()
}

async fn email_step(
    ctx: &Ctx,
    purpose: &Purpose,
    csrf: &str,
    flow: &Flow,
    fields: &Fields,
) -> Response {
    let login = fields.get("login").unwrap_or_default().trim().to_string();
    let form = same_form(ctx, purpose, csrf, flow);
    let look = look(ctx, purpose, Some(&login)).await;
    let Some(domain) = cerulean_directory::user::upn_domain(&login).filter(|_| login.len() <= 256)
    else {
        let notice = Notice::text("Enter a valid email address, like alice@contoso.com.");
        return show_email_again(purpose, &form, look, &login, notice);
    };
    if let Ok(Some(found)) = ctx.state.directory.domain(&domain).await {
        if let DomainKind::Federated(settings) = found.kind {
            return federated_page(look, &login, &settings);
        }
    }
    pages::password(look, &form, &login, other_account(purpose).as_deref(), None).into_response()
}

fn federated_page(
    look: Look,
    login: &str,
    settings: &cerulean_directory::tenant::FederationSettings,
) -> Response {
    let idp = settings.brand_name.clone().unwrap_or_else(|| {
        let uri = &settings.passive_sign_in_uri;
        uri.split("://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .unwrap_or(uri)
            .to_string()
    });
    pages::federated(look, login, &idp, &settings.passive_sign_in_uri).into_response()
}

/// "Sign in with another account": the same authorize request without `login_hint`.
fn other_account(purpose: &Purpose) -> Option<String> {
    let Purpose::Authorize(authz) = purpose else {
        return None;
    };
    let params: Vec<(&str, &str)> = authz
        .params
        .iter()
        .filter(|(k, _)| k != "login_hint")
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let version = if authz.v2 { "/v2.0" } else { "" };
    Some(format!(
        "/{}/oauth2{version}/authorize?{}",
        super::urls::encode(&authz.segment),
        super::urls::query_string(&params)
    ))
}

async fn password_step(
    ctx: &Ctx,
    purpose: &Purpose,
    csrf: &str,
    flow: &Flow,
    fields: &Fields,
) -> Response {
    let login = fields.get("login").unwrap_or_default().trim().to_string();
    let form = same_form(ctx, purpose, csrf, flow);
    let look = look(ctx, purpose, Some(&login)).await;
    let other = other_account(purpose);
    let retry = |notice: Notice| {
        pages::password(look.clone(), &form, &login, other.as_deref(), Some(&notice))
            .into_response()
    };
    let password = SecretString::new(fields.get("passwd").unwrap_or_default().to_string());
    if password.is_empty() {
        return retry(Notice::text("Please enter your password."));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return retry(Notice::text(INCORRECT));
    }
    let actor = ActionContext::new(Actor::Anonymous).with_correlation_id(ctx.correlation.as_str());
    let outcome = ctx
        .state
        .directory
        .sign_in_with_password(&actor, &login, &password)
        .await;
    let signed_in = match outcome {
        Ok(Ok(signed_in)) => signed_in,
        Ok(Err(failure)) => {
            return match failure {
                SignInFailure::UnknownUser => {
                    let notice = Notice::text(
                        "We couldn't find an account with that username. Try another, or ask \
                         your administrator for an account.",
                    );
                    show_email_again(purpose, &form, look.clone(), &login, notice)
                }
                SignInFailure::WrongPassword | SignInFailure::NoPassword => {
                    retry(Notice::text(INCORRECT))
                }
                SignInFailure::Locked { until } => retry(Notice::text(&format!(
                    "Your account is temporarily locked to prevent unauthorized use. Try again \
                     after {} UTC.",
                    cerulean_proto::oauth2::format_timestamp(until).trim_end_matches('Z')
                ))),
                SignInFailure::Disabled => retry(Notice::text(
                    "Your account has been disabled. Contact your administrator.",
                )),
                SignInFailure::Federated { domain } => {
                    match ctx.state.directory.domain(&domain).await {
                        Ok(Some(d)) => match d.kind {
                            DomainKind::Federated(settings) => {
                                federated_page(look.clone(), &login, &settings)
                            }
                            DomainKind::Managed => retry(Notice::text("Sign in again.")),
                        },
                        _ => retry(Notice::text("Your organization signs you in elsewhere.")),
                    }
                }
            };
        }
        Err(e) => {
            tracing::error!("password sign-in failed: {e}");
            return respond::error_page(
                ctx,
                look,
                StatusCode::SERVICE_UNAVAILABLE,
                &aadsts::temporarily_unavailable().error_description,
            );
        }
    };
    signed_in_next(ctx, purpose, &form, look, signed_in).await
}

/// After a correct password: a session, then "Stay signed in?" (authorize) or the
/// device-code approval.
async fn signed_in_next(
    ctx: &Ctx,
    purpose: &Purpose,
    form: &FormCtx,
    look: Look,
    signed_in: SignedIn,
) -> Response {
    let SignedIn { user, auth } = signed_in;
    if let Purpose::Authorize(authz) = purpose {
        if let Some(tenant) = authz.scope.tenant() {
            if tenant.id != user.tenant_id {
                let message = format!(
                    "AADSTS50020: The account {} is not in the {} directory. Sign in with an \
                     account of that organization.",
                    user.upn, tenant.display_name
                );
                return respond::error_page(ctx, look, StatusCode::BAD_REQUEST, &message);
            }
        }
    }
    let cookie = match session::create(&ctx.state, ctx.jar, &ctx.headers, auth.clone(), false).await
    {
        Ok(cookie) => cookie,
        Err(e) => {
            tracing::error!("storing a session failed: {e}");
            return respond::error_page(
                ctx,
                look,
                StatusCode::SERVICE_UNAVAILABLE,
                &aadsts::temporarily_unavailable().error_description,
            );
        }
    };
    match purpose {
        Purpose::Authorize(_) => pages::kmsi(look, form, &user.upn)
            .with_cookies(vec![cookie])
            .into_response(),
        Purpose::Device { user_code } => device::approve(ctx, user_code, &user, auth)
            .await
            .with_cookies(vec![cookie]),
    }
}

async fn kmsi_step(ctx: &Ctx, authz: &Authorize, fields: &Fields) -> Response {
    let stay = fields.get("kmsi") == Some("yes");
    after_session(ctx, authz, |signed| async move {
        let mut cookies = Vec::new();
        if stay {
            match session::create(
                &ctx.state,
                ctx.jar,
                &ctx.headers,
                signed.auth().clone(),
                true,
            )
            .await
            {
                Ok(cookie) => cookies.push(cookie),
                Err(e) => tracing::warn!("could not extend the session: {e}"),
            }
        }
        authorize::continue_after_auth(ctx, authz, &signed, false, cookies).await
    })
    .await
}

async fn consent_step(ctx: &Ctx, authz: &Authorize, fields: &Fields) -> Response {
    if fields.get("consent") == Some("decline") {
        return respond::deliver_error(&authz.target, &aadsts::user_declined(), Vec::new());
    }
    after_session(ctx, authz, |signed| async move {
        let cookie = consent::remember(ctx.jar, &ctx.headers, signed.user.id, authz.app.client_id);
        authorize::continue_after_auth(ctx, authz, &signed, true, vec![cookie]).await
    })
    .await
}
