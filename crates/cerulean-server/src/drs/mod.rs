//! The Device Registration Service (PROTOCOLS.md §3, §4, §5.8; INTEROP.md §3.6, §4.4,
//! §8.3): discovery, the nonce, join/register, the device's own update and delete, and
//! Windows Hello key registration. `docs/drs.md` describes it for operators.
//!
//! | method | path (as registered: lower-case, no trailing slash) | module | auth |
//! |---|---|---|---|
//! | GET | `/{domain-or-tenant}/discover` | [`discovery`] | none |
//! | GET | `/{domain-or-tenant}/enrollmentserver/contract`, `/enrollmentserver/contract` (domain from `Host: enterpriseregistration.<domain>`) | [`discovery`] | none |
//! | GET | `/enrollmentserver/nonce/{domain-or-tenant}` | [`nonce`] | none |
//! | POST | `/enrollmentserver/device` | [`join`] | DRS bearer (user) |
//! | PUT, DELETE | `/enrollmentserver/device/{device-id}` | [`device_self`] | device TLS client certificate |
//! | POST | `/enrollmentserver/key` | [`key`] | DRS bearer (user, MFA) + device |
//!
//! Errors are DRS `ErrorDetails` bodies ([`respond`]), except key registration, which
//! answers in MS-KPP's own format. Each tenant's device CA is created on first need and
//! trusted for TLS client certificates at once ([`device_ca`]).

pub mod auth;
pub mod device_ca;
pub mod device_self;
pub mod discovery;
pub mod join;
pub mod key;
pub mod metrics;
pub mod nonce;
pub mod respond;
pub mod tenant;

use axum::Router;
use axum::routing::{get, post, put};

use crate::app::AppState;

pub use device_ca::{DeviceCaError, DeviceCas};
pub use metrics::DrsMetrics;

/// The DRS's per-node state (`AppState::drs`).
#[derive(Debug)]
pub struct DrsState {
    /// Each tenant's device CA, loaded or created on first need.
    pub cas: DeviceCas,
    /// `cerulean_drs_registrations_total{join_type,result}`.
    pub metrics: DrsMetrics,
}

impl DrsState {
    /// Builds the state and registers the DRS metrics in `metrics`.
    pub fn new(metrics: &crate::metrics::Metrics) -> Self {
        Self {
            cas: DeviceCas::default(),
            metrics: DrsMetrics::register(metrics),
        }
    }
}

/// Every DRS route.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/{tenant}/discover", get(discovery::discover))
        .route(
            "/{tenant}/enrollmentserver/contract",
            get(discovery::contract_for_tenant),
        )
        .route(
            "/enrollmentserver/contract",
            get(discovery::contract_by_host),
        )
        .route("/enrollmentserver/nonce/{tenant}", get(nonce::nonce))
        .route("/enrollmentserver/device", post(join::join))
        .route(
            "/enrollmentserver/device/{device_id}",
            put(device_self::update).delete(device_self::delete),
        )
        .route("/enrollmentserver/key", post(key::register_key))
}

/// How often [`spawn_device_ca_refresh`] looks for device CAs other nodes created.
pub const DEVICE_CA_REFRESH: std::time::Duration = std::time::Duration::from_secs(60);

/// Runs [`load_device_cas`] every `period` for as long as the process lives, so a CA
/// created by another node (a tenant's first join there) is trusted here within `period`.
/// Failures are logged and retried at the next tick.
pub fn spawn_device_ca_refresh(
    state: AppState,
    period: std::time::Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(period);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        ticks.tick().await;
        loop {
            ticks.tick().await;
            if let Err(e) = load_device_cas(&state).await {
                tracing::warn!("refreshing device CAs: {e}");
            }
        }
    })
}

/// Loads every tenant's existing device CA into the cache and the TLS client-certificate
/// trust (`state.client_cas`), so device certificates verify right after a restart. Call
/// once at start; returns how many CAs were newly loaded. A CA that does not load is logged
/// and skipped (its devices cannot authenticate by certificate until it is fixed).
pub async fn load_device_cas(state: &AppState) -> Result<usize, DeviceCaError> {
    state
        .drs
        .cas
        .load_all(&state.directory, state.client_cas.as_ref())
        .await
}
