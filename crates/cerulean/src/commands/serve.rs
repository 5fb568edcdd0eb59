//! `cerulean serve`: TLS server for every service on one listener.

use std::sync::Arc;

use anyhow::Context as _;
use cerulean_directory::Directory;
use cerulean_server::{AppState, BoundServer, Config, Metrics, Server, app, prepare_tls};

use crate::cli::{GlobalArgs, ServeArgs};
use crate::context;

pub async fn run(global: &GlobalArgs, args: &ServeArgs) -> anyhow::Result<()> {
    let config = context::load_config(global, Some(args))?;
    context::init_logging(&config);
    let directory = context::open_directory(&config).await?;
    let running = start(config, directory).await?;
    running.print_banner();
    running.wait().await
}

/// A bound server and what an operator needs to know to reach it.
pub struct Running {
    pub bound: BoundServer,
    pub ca_path: Option<std::path::PathBuf>,
    pub generated_tls: bool,
    pub config: Arc<Config>,
}

/// Prepares TLS, binds the listeners and returns before serving.
pub async fn start(config: Config, directory: Directory) -> anyhow::Result<Running> {
    let tls = prepare_tls(&config)?;
    let ca_path = tls.ca_pem_path.clone();
    let generated_tls = tls.generated;
    let config = Arc::new(config);
    let state = AppState::new(directory, config.clone(), Arc::new(Metrics::new()))
        .with_client_cas(tls.client_cas.clone());
    // Devices authenticate by certificate right after a restart, and (refreshed every
    // minute) also when another node created their tenant's CA.
    cerulean_server::drs::load_device_cas(&state)
        .await
        .context("cannot load the tenants' device CAs")?;
    let bound = Server::bind(&config, tls, app(state.clone()))
        .await
        .context("cannot start the server")?;
    cerulean_server::drs::spawn_device_ca_refresh(state, cerulean_server::drs::DEVICE_CA_REFRESH);
    Ok(Running {
        bound,
        ca_path,
        generated_tls,
        config,
    })
}

impl Running {
    /// The base URL clients should use (first configured host, bound port).
    pub fn base_url(&self) -> String {
        let host = self
            .config
            .server
            .hosts
            .first()
            .cloned()
            .unwrap_or_else(|| "localhost".to_string());
        format!("https://{host}:{}", self.bound.https_addr.port())
    }

    pub fn print_banner(&self) {
        println!("Cerulean is listening on https://{}", self.bound.https_addr);
        if let Some(addr) = self.bound.http_addr {
            println!("  plain HTTP (lab only) on http://{addr}");
        }
        if let Some(ca) = &self.ca_path {
            let note = if self.generated_tls {
                "created now"
            } else {
                "created earlier"
            };
            println!("  local root CA ({note}): {}", ca.display());
            println!(
                "  trust it:  curl --cacert {} {}/healthz",
                ca.display(),
                self.base_url()
            );
        }
        println!("  metrics:   {}/metrics", self.base_url());
        println!("Press Ctrl-C to stop.");
    }

    /// Serves until Ctrl-C or SIGTERM, then shuts down gracefully.
    pub async fn wait(self) -> anyhow::Result<()> {
        self.bound.run(shutdown_signal()).await?;
        println!("Cerulean stopped.");
        Ok(())
    }
}

/// Resolves on Ctrl-C or SIGTERM (what systemd and container runtimes send).
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sig) => {
                sig.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown requested");
}
