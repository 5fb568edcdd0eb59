//! The browser half of the authority: the authorize endpoint, the sign-in pages, single
//! sign-on, logout and the device-code verification page. Server-rendered HTML, no
//! JavaScript needed (the only script is form_post's auto-submit, which has a `<noscript>`
//! fallback).
//!
//! # Routes
//!
//! | method | path | what |
//! |---|---|---|
//! | GET, POST | `/{t}/oauth2/authorize`, `/{t}/oauth2/v2.0/authorize` | authorize (v1 `resource`, v2 `scope`); POST takes the parameters form-encoded |
//! | POST | `/{t}/login` | every sign-in form posts here |
//! | GET | `/{t}/oauth2/logout`, `/{t}/oauth2/v2.0/logout` | sign out (`post_logout_redirect_uri`, `client_id`, `state`) |
//! | GET, POST | `/common/oauth2/deviceauth`, `/{t}/oauth2/deviceauth` | device-code verification (`?otc=` pre-fills) |
//! | GET | `/common/oauth2/nativeclient` | blank landing page for native clients |
//!
//! # Page flow and form fields (stable: interop clients and playwright depend on them)
//!
//! Every form is `method="post"` and carries hidden `csrf` (equal to the CSRF cookie),
//! `flow` (the sealed flow, see `flow.rs`) and `step`. The primary button of every page
//! is `<button type="submit" id="idSIButton9">`; the secondary one is `id="idBtn_Back"`.
//! Buttons that choose carry `name`/`value`; a client that posts without the button's
//! pair gets the default noted below.
//!
//! Authorize (`GET …/authorize?client_id&response_type=code&redirect_uri&scope|resource&state&nonce&code_challenge…`):
//!
//! 1. **Sign in** — `form#signin-email`, action `/{t}/login`, `step=email`; field
//!    `login` (`input#i0116`, pre-filled from `login_hint`).
//! 2. **Enter password** — `form#signin-password`, action `/{t}/login`, `step=password`;
//!    fields `login` (hidden) and `passwd` (`input#i0118`). Errors re-show this page with
//!    `div#error` (wrong password, locked until …, disabled); an unknown user re-shows
//!    step 1 with `div#error`; a federated domain shows a page with `a#federationLink`.
//! 3. **Stay signed in?** — `form#kmsi`, `step=kmsi`; `kmsi=yes` (`#idSIButton9`) or
//!    `kmsi=no` (`#idBtn_Back`, also the default). Yes makes the session last 90 days.
//! 4. **Permissions requested** (organization-registered apps, once per user and client
//!    in this browser, or `prompt=consent`) — `form#consent`, `step=consent`;
//!    `consent=accept` (`#idSIButton9`, default) or `consent=decline` (`#idBtn_Back`,
//!    answers `access_denied`).
//! 5. The client gets the code: `302 Location: redirect_uri?code=…&state=…`
//!    (`response_mode=query`, the default; the body's first `<a href>` is the same URL),
//!    `#code=…&state=…` (`fragment`), or a `200` page with `form#form_post` that posts
//!    `code` and `state` to `redirect_uri` (auto-submitted; without script a visible
//!    `input#idSIButton9` "Submit").
//!
//! With a valid session the authorize request skips to 4/5 at once (single sign-on).
//! `prompt=login` always starts at 1; `prompt=none` without a session answers
//! `error=login_required` (AADSTS50058) to the client; `prompt=select_account` with a
//! session shows **Pick an account** — `form#select-account`, `step=select_account`,
//! `account=current` (`#idSIButton9`, default) or `account=other` (`#otherTile`, back to 1).
//!
//! Device code (`GET /common/oauth2/deviceauth`):
//!
//! 1. **Enter code** — `form#device-code`, action `/{t}/oauth2/deviceauth`, `step=code`;
//!    field `otc` (`input#otc`; case and the dash do not matter).
//! 2. **Are you trying to sign in to <app>?** — `form#device-confirm`, `step=confirm`;
//!    `action=continue` (`#idSIButton9`, default) or `action=deny` (`#idBtn_Back`).
//! 3. Without a session: steps 1–2 of the authorize flow (`form#signin-email`,
//!    `form#signin-password`, posting to `/{t}/login`); then the code is approved.
//! 4. `#done`: "You have signed in to the <app> application on your device. You may now
//!    close this window." (`#declined` after Cancel).
//!
//! Errors that must not reach the client (unknown tenant, unknown client, unregistered
//! redirect URI, bad CSRF token, expired page) are a page with `h1#errorTitle` and
//! `p#errorMessage` (status 400).
//!
//! # Cookies
//!
//! `__Host-cerulean-csrf`, `__Host-cerulean-session`, `__Host-cerulean-consent`; all
//! `Path=/; Secure; HttpOnly; SameSite=Lax` (see `cookies.rs` for lifetimes and the plain
//! HTTP variant).
//!
//! # State across nodes
//!
//! Nothing is kept in a node's memory except a per-node brake on wrong device codes
//! (`limits.rs`). The flow between pages is sealed to the browser (`flow.rs`); who signed
//! in is the session in the store (`session.rs`); codes and device-code decisions go
//! straight to the store.

mod authorize;
mod consent;
mod cookies;
mod device;
mod device_pages;
mod device_proof;
mod flow;
mod html;
mod limits;
mod logout;
mod pages;
mod respond;
mod session;
mod signin;
mod urls;
mod validate;

use std::convert::Infallible;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum::routing::get;

pub use html::escape;

use crate::app::AppState;
use crate::middleware::observe::CorrelationId;
use crate::public_url::PublicBase;
use cookies::Jar;

/// The browser-facing routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/{tenant}/oauth2/authorize",
            get(authorize::get_v1).post(authorize::post_v1),
        )
        .route(
            "/{tenant}/oauth2/v2.0/authorize",
            get(authorize::get_v2).post(authorize::post_v2),
        )
        .route("/{tenant}/login", axum::routing::post(signin::post))
        .route("/{tenant}/oauth2/logout", get(logout::get))
        .route("/{tenant}/oauth2/v2.0/logout", get(logout::get))
        .route(
            "/common/oauth2/deviceauth",
            get(device::get_common).post(device::post_common),
        )
        .route(
            "/{tenant}/oauth2/deviceauth",
            get(device::get).post(device::post),
        )
        .route("/common/oauth2/nativeclient", get(logout::native_client))
}

/// What every handler here needs from the request.
#[derive(Debug, Clone)]
pub(crate) struct Ctx {
    pub state: AppState,
    pub jar: Jar,
    pub headers: HeaderMap,
    pub correlation: CorrelationId,
    pub base: PublicBase,
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Infallible> {
        let base = PublicBase::from_request_parts(parts, state).await?;
        let correlation = CorrelationId::from_request_parts(parts, state).await?;
        Ok(Self {
            state: state.clone(),
            jar: Jar::for_base(&base),
            headers: parts.headers.clone(),
            correlation,
            base,
        })
    }
}

/// Where the sign-in forms of a flow under `segment` post.
fn login_action(segment: &str) -> String {
    format!("/{}/login", urls::encode(segment))
}
