//! The authority: realm discovery, OIDC discovery and keys, the token and device-code
//! endpoints, and the browser sign-in pages (PROTOCOLS.md §1–2).

pub mod errors;
pub mod secrets;
pub mod tenant;
pub mod web;

use axum::Router;

use crate::app::AppState;

/// Every authority route.
pub fn routes() -> Router<AppState> {
    Router::new().merge(web::routes())
}
