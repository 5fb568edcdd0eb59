//! The router factory: every service's routes behind the shared middleware.
//!
//! `app(state)` is all the binary and the tests need; it works without sockets
//! (`tower::ServiceExt::oneshot`), and [`crate::Server`] serves it over TLS.

mod health;

use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, FromRef};
use axum::middleware::{from_fn, from_fn_with_state, map_request};
use axum::routing::get;
use cerulean_directory::Directory;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;

use crate::authority::state::AuthorityState;
use crate::config::Config;
use crate::drs::DrsState;
use crate::error::ApiError;
use crate::metrics::Metrics;
use crate::middleware::{limits, normalize, observe};
use crate::nonce::NonceService;
use crate::tls::ClientCas;

/// What every handler can reach. Cheap to clone (all shared).
#[derive(Debug, Clone)]
pub struct AppState {
    pub directory: Directory,
    pub config: Arc<Config>,
    pub metrics: Arc<Metrics>,
    /// The authority's signing keys, lifetimes and token metrics.
    pub authority: Arc<AuthorityState>,
    /// The DRS's device CAs and metrics.
    pub drs: Arc<DrsState>,
    /// Stateless signed nonces (DRS nonce service, PRT `srv_challenge`).
    pub nonces: Arc<NonceService>,
    /// The TLS client-certificate trust, when served over TLS ([`AppState::with_client_cas`]):
    /// the DRS adds each tenant's device CA. `None` for routers driven without sockets.
    pub client_cas: Option<ClientCas>,
}

impl AppState {
    /// `metrics` is passed in so the composition root can register its own series
    /// (store, background jobs) in the same registry before serving.
    pub fn new(directory: Directory, config: Arc<Config>, metrics: Arc<Metrics>) -> Self {
        let authority = Arc::new(AuthorityState::new(&config.authority, &metrics));
        let drs = Arc::new(DrsState::new(&metrics));
        let nonces = Arc::new(NonceService::new(directory.clone()));
        Self {
            directory,
            config,
            metrics,
            authority,
            drs,
            nonces,
            client_cas: None,
        }
    }

    /// Lets the DRS trust device CAs for TLS client certificates (`TlsMaterial::client_cas`).
    /// Then call [`crate::drs::load_device_cas`] once before serving.
    pub fn with_client_cas(mut self, client_cas: ClientCas) -> Self {
        self.client_cas = Some(client_cas);
        self
    }
}

impl FromRef<AppState> for Arc<Config> {
    fn from_ref(state: &AppState) -> Self {
        state.config.clone()
    }
}

impl FromRef<AppState> for Arc<Metrics> {
    fn from_ref(state: &AppState) -> Self {
        state.metrics.clone()
    }
}

/// All routes. Services add theirs here with `.merge(service::routes())`, registering
/// lower-case paths without a trailing slash (see [`crate::middleware::normalize`]).
fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .merge(crate::authority::routes())
        .merge(crate::drs::routes())
        .merge(crate::graph::routes())
        .fallback(not_found)
}

/// Builds the application: routes, then (outermost first) observe → catch panic →
/// timeout → body limit → path normalisation.
pub fn app(state: AppState) -> Router {
    app_with(state, Router::new())
}

/// [`app`] plus `extra` routes behind the same middleware (tests, experiments).
pub fn app_with(state: AppState, extra: Router<AppState>) -> Router {
    let server = &state.config.server;
    let routes = routes()
        .merge(extra)
        // The body limit below governs; axum's own 2 MB default would override a
        // larger configured limit.
        .layer(DefaultBodyLimit::disable())
        .layer(from_fn(observe::record_route))
        .with_state(state.clone());
    let stack = ServiceBuilder::new()
        .layer(from_fn_with_state(state.metrics.clone(), observe::observe))
        .layer(CatchPanicLayer::custom(limits::panic_response))
        .layer(from_fn_with_state(
            server.request_timeout(),
            limits::timeout,
        ))
        .layer(from_fn_with_state(
            server.max_body_bytes,
            limits::body_limit,
        ))
        // Rewrites the path before the router sees it, hence outside `routes`.
        .layer(map_request(normalize::normalize_request))
        .service(routes);
    Router::new().fallback_service(stack)
}

async fn not_found() -> ApiError {
    ApiError::not_found()
}

#[cfg(test)]
mod tests;
