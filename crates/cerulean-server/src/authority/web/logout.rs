//! `GET /{tenant}/oauth2/logout` and `/{tenant}/oauth2/v2.0/logout` (OIDC RP-initiated
//! logout): ends the browser's session, then shows "You signed out" — or returns to
//! `post_logout_redirect_uri` when it is a registered redirect URI of the `client_id` given
//! (never an arbitrary URL: that would be an open redirect).

use std::str::FromStr;

use axum::extract::{Path, RawQuery};
use axum::response::{IntoResponse, Response};
use cerulean_directory::ClientId;
use cerulean_proto::oauth2::parse_form_body;

use super::html::Look;
use super::{Ctx, pages, session, urls, validate};
use crate::authority::tenant;

pub async fn get(ctx: Ctx, Path(segment): Path<String>, RawQuery(q): RawQuery) -> Response {
    let pairs = parse_form_body(q.unwrap_or_default().as_bytes());
    let param = |name: &str| {
        pairs
            .iter()
            .find(|(k, v)| k == name && !v.is_empty())
            .map(|(_, v)| v.clone())
    };
    let clear = session::end(&ctx.state, ctx.jar, &ctx.headers).await;
    let scope = tenant::resolve(&ctx.state.directory, &segment).await.ok();
    let look = Look {
        branding: scope
            .as_ref()
            .and_then(|s| s.tenant())
            .map(|t| t.branding.clone()),
        form_target: None,
    };
    if let (Some(scope), Some(uri), Some(client)) = (
        scope,
        param("post_logout_redirect_uri"),
        param("client_id").and_then(|c| ClientId::from_str(&c).ok()),
    ) {
        if let Ok(Some(app)) = validate::find_client(&ctx.state.directory, &scope, client).await {
            if app.accepts_redirect_uri(&uri) {
                let state = param("state");
                let params: Vec<(&str, &str)> =
                    state.iter().map(|s| ("state", s.as_str())).collect();
                return pages::redirect(&urls::with_query(&uri, &params), &[clear]);
            }
        }
    }
    pages::signed_out(look)
        .with_cookies(vec![clear])
        .into_response()
}

/// `GET /common/oauth2/nativeclient`: the redirect URI of native clients that read the
/// code from the browser control's address bar. Shows an empty page, as Entra does.
pub async fn native_client() -> Response {
    pages::blank().into_response()
}
