//! Cerulean's HTTP server: the frame the authority, DRS, MDM and Graph services plug into.
//!
//! The binary wires it up in this order:
//!
//! ```text
//! let config = Arc::new(Config::load(path)?);          // file + CERULEAN_* env + validate
//! let tls = prepare_tls(&config)?;                     // operator cert or local CA
//! let directory = Directory::new(store, clock, config.password_params())?;
//! let state = AppState::new(directory, config.clone(), Arc::new(Metrics::new()))
//!     .with_client_cas(tls.client_cas.clone());     // device CAs trusted for TLS
//! drs::load_device_cas(&state).await?;                 // every tenant's device CA
//! let server = Server::bind(&config, tls, app(state)).await?;   // real ports known here
//! server.run(shutdown_signal).await?;                  // graceful on shutdown_signal
//! ```
//!
//! Modules: [`config`] (`cerulean.toml`), [`tls`] (certificates, client-cert trust),
//! [`serve`] (listeners, connections), [`app`] (router, state, probes),
//! [`middleware`] (correlation id, metrics, limits, path normalisation),
//! [`public_url`] (absolute URLs for clients), [`error`] (JSON errors), [`metrics`],
//! [`nonce`] (stateless signed nonces); services: [`authority`], [`drs`], [`graph`]
//! (devices and the device registration policy).

pub mod app;
pub mod authority;
pub mod config;
pub mod drs;
pub mod error;
pub mod graph;
mod host;
pub mod metrics;
pub mod middleware;
pub mod nonce;
pub mod public_url;
pub mod serve;
pub mod server_secret;
pub mod tls;

pub use app::{AppState, app, app_with};
pub use config::{Config, ConfigError, LogFormat};
pub use error::ApiError;
pub use metrics::Metrics;
pub use middleware::normalize::{OriginalPath, normalize_path, path_eq_ignore_case};
pub use middleware::observe::CorrelationId;
pub use public_url::PublicBase;
pub use serve::{BoundServer, ConnectionInfo, Scheme, ServeError, Server};
pub use tls::{ClientCas, TlsError, TlsMaterial, prepare_tls};
