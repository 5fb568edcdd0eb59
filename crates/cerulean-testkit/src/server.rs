//! A real server on an ephemeral port, with its own temporary data directory.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;
use cerulean_crypto::PasswordParams;
use cerulean_directory::{Directory, SystemClock};
use cerulean_server::{AppState, Config, Metrics, Server, app, prepare_tls};
use tempfile::TempDir;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::fixtures::{Fixtures, MICROSOFT_HOSTS};

/// How to start a test server.
#[derive(Debug, Clone, Default)]
pub struct TestServerOptions {
    /// Also open a plain-HTTP listener (libhimmelblau's lab route).
    pub plain_http: bool,
    /// Seed the Contoso fixtures.
    pub fixtures: bool,
    /// Use this database instead of a temporary SQLite file.
    pub database_url: Option<String>,
    /// Use this data directory (SQLite file, TLS material) instead of a temporary one; it
    /// outlives the server, so a second server can restart on the first one's data.
    pub data_dir: Option<PathBuf>,
    /// Listen for HTTPS on this loopback port instead of an ephemeral one (a restart on
    /// the same address, as a device retrying through an outage sees it).
    pub https_port: Option<u16>,
}

/// A running server; shuts down when dropped.
#[derive(Debug)]
pub struct TestServer {
    pub https_addr: SocketAddr,
    pub http_addr: Option<SocketAddr>,
    /// PEM of the generated root CA the server certificate chains to.
    pub ca_path: PathBuf,
    pub directory: Directory,
    pub fixtures: Option<Fixtures>,
    pub config: Arc<Config>,
    /// The server's state (same directory, key ring, device CAs and nonce key as the
    /// running server), e.g. to sign tokens the way the authority does.
    pub state: AppState,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
    _data_dir: Option<TempDir>,
}

impl TestServer {
    /// A server with the Contoso fixtures.
    pub async fn start() -> anyhow::Result<Self> {
        Self::start_with(TestServerOptions {
            fixtures: true,
            ..TestServerOptions::default()
        })
        .await
    }

    pub async fn start_with(options: TestServerOptions) -> anyhow::Result<Self> {
        let temp_dir = match &options.data_dir {
            Some(_) => None,
            None => Some(tempfile::tempdir().context("temporary data directory")?),
        };
        let data_path: &Path = match (&options.data_dir, &temp_dir) {
            (Some(dir), _) => dir,
            (None, Some(temp)) => temp.path(),
            (None, None) => anyhow::bail!("no data directory"),
        };
        let mut config = Config::default();
        config.data.dir = data_path.to_path_buf();
        config.server.listen =
            std::net::SocketAddr::from(([127, 0, 0, 1], options.https_port.unwrap_or(0)));
        if options.plain_http {
            config.server.http_listen = Some(std::net::SocketAddr::from(([127, 0, 0, 1], 0)));
        }
        let mut hosts: Vec<String> = MICROSOFT_HOSTS.iter().map(|h| h.to_string()).collect();
        hosts.push("localhost".to_string());
        hosts.push("127.0.0.1".to_string());
        config.server.hosts = hosts;
        let url = match &options.database_url {
            Some(url) => url.clone(),
            None => data_path.join("cerulean.db").display().to_string(),
        };
        config.database.url = Some(url.clone());
        let store = cerulean_store::open_store(&url).await?;
        let directory = Directory::new(store, Arc::new(SystemClock), PasswordParams::default())?;
        let fixtures = if options.fixtures {
            Some(Fixtures::create(&directory).await?)
        } else {
            None
        };
        let tls = prepare_tls(&config)?;
        let ca_path = tls
            .ca_pem_path
            .clone()
            .context("the test server generates its own CA")?;
        let config = Arc::new(config);
        let state = AppState::new(directory.clone(), config.clone(), Arc::new(Metrics::new()))
            .with_client_cas(tls.client_cas.clone());
        cerulean_server::drs::load_device_cas(&state).await?;
        let bound = Server::bind(&config, tls, app(state.clone())).await?;
        let https_addr = bound.https_addr;
        let http_addr = bound.http_addr;
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let shutdown = async {
                let _ = rx.await;
            };
            if let Err(e) = bound.run(shutdown).await {
                tracing::error!("test server stopped with an error: {e}");
            }
        });
        Ok(Self {
            https_addr,
            http_addr,
            ca_path,
            directory,
            fixtures,
            config,
            state,
            shutdown: Some(tx),
            task: Some(task),
            _data_dir: temp_dir,
        })
    }

    /// `https://127.0.0.1:<port>`.
    pub fn base_url(&self) -> String {
        format!("https://{}", self.https_addr)
    }

    /// Stops the server and waits for in-flight requests to finish.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
