//! The authority: realm discovery, OIDC discovery and keys, the token and device-code
//! endpoints, and the browser sign-in pages (PROTOCOLS.md §1–2).
//!
//! | method | path | module |
//! |---|---|---|
//! | POST | `/{t}/oauth2/token`, `/{t}/oauth2/v2.0/token` | [`token`] (one file per grant) |
//! | POST | `/{t}/oauth2/devicecode`, `/{t}/oauth2/v2.0/devicecode` | [`devicecode`] |
//! | GET | `/{t}/userrealm/{upn}`, `/getuserrealm.srf` | [`realm`] |
//! | POST | `/{t}/getcredentialtype` | [`realm`] |
//! | GET | `/{t}/.well-known/openid-configuration`, `/{t}/v2.0/.well-known/openid-configuration` | [`discovery`] |
//! | GET | `/{t}/discovery/keys`, `/{t}/discovery/v2.0/keys`, `/common/discovery/instance` | [`discovery`] |
//! | GET, POST | `/{t}/openid/userinfo` | [`userinfo`] |
//! | | authorize, sign-in, device verification, logout pages | [`web`] |
//!
//! Other services validate the tokens with [`validate::validate_access_token`].

pub mod cache;
pub mod devicecode;
pub mod discovery;
pub mod errors;
pub mod keys;
pub mod metrics;
pub mod realm;
pub mod resources;
pub mod secrets;
pub mod state;
pub mod tenant;
pub mod token;
pub mod tokens;
pub mod userinfo;
pub mod validate;
pub mod web;

use axum::Router;
use axum::routing::{get, post};

use crate::app::AppState;

pub use state::{AuthorityState, Lifetimes};
pub use validate::{TokenError, ValidatedToken, validate_access_token};

/// Every authority route (lower-case, no trailing slash: the frame normalises paths).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/{tenant}/oauth2/token", post(token::token_v1))
        .route("/{tenant}/oauth2/v2.0/token", post(token::token_v2))
        .route(
            "/{tenant}/oauth2/devicecode",
            post(devicecode::devicecode_v1),
        )
        .route(
            "/{tenant}/oauth2/v2.0/devicecode",
            post(devicecode::devicecode_v2),
        )
        .route("/{tenant}/userrealm/{upn}", get(realm::user_realm))
        .route("/getuserrealm.srf", get(realm::get_user_realm_srf))
        .route(
            "/{tenant}/getcredentialtype",
            post(realm::get_credential_type),
        )
        .route(
            "/{tenant}/.well-known/openid-configuration",
            get(discovery::openid_configuration_v1),
        )
        .route(
            "/{tenant}/v2.0/.well-known/openid-configuration",
            get(discovery::openid_configuration_v2),
        )
        .route("/{tenant}/discovery/keys", get(discovery::keys_v1))
        .route("/{tenant}/discovery/v2.0/keys", get(discovery::keys_v2))
        .route("/common/discovery/instance", get(discovery::instance))
        .route(
            "/{tenant}/openid/userinfo",
            get(userinfo::userinfo).post(userinfo::userinfo),
        )
        .merge(web::routes())
}
