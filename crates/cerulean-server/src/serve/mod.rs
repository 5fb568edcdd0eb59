//! The listeners: HTTPS (and optionally plain HTTP) in front of one axum `Router`.
//!
//! `Server::bind` binds the sockets (so the caller learns the real ports before serving,
//! which tests binding port 0 need); `BoundServer::run` accepts until the shutdown future
//! resolves, then stops accepting, asks every connection to finish its in-flight requests,
//! and waits up to `server.shutdown_grace_secs` before dropping the rest.

mod connection;
mod error;
mod info;

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

pub use error::ServeError;
pub use info::{ConnectionInfo, Scheme};

use crate::config::Config;
use crate::tls::TlsMaterial;

/// A client that has not finished the TLS handshake by then is dropped, so half-open
/// connections cannot pile up.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Entry point: `Server::bind(&config, tls, app(state)).await?.run(shutdown).await`.
#[derive(Debug)]
pub struct Server;

impl Server {
    /// Binds the HTTPS listener at `server.listen` and, if configured, the plain-HTTP one
    /// at `server.http_listen`. Port 0 picks a free port; see the returned addresses.
    pub async fn bind(
        config: &Config,
        tls: TlsMaterial,
        app: Router,
    ) -> Result<BoundServer, ServeError> {
        let https = bind(config.server.listen, "--listen").await?;
        let https_addr = https.local_addr()?;
        let http = match config.server.http_listen {
            Some(addr) => Some(bind(addr, "--http-listen").await?),
            None => None,
        };
        let http_addr = http.as_ref().map(TcpListener::local_addr).transpose()?;
        Ok(BoundServer {
            https_addr,
            http_addr,
            https,
            http,
            acceptor: TlsAcceptor::from(tls.server_config),
            app,
            grace: config.server.shutdown_grace(),
        })
    }
}

async fn bind(addr: SocketAddr, flag: &'static str) -> Result<TcpListener, ServeError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| ServeError::Bind { addr, flag, source })
}

/// Bound listeners, ready to [`run`](Self::run).
pub struct BoundServer {
    pub https_addr: SocketAddr,
    pub http_addr: Option<SocketAddr>,
    https: TcpListener,
    http: Option<TcpListener>,
    acceptor: TlsAcceptor,
    app: Router,
    grace: Duration,
}

impl std::fmt::Debug for BoundServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BoundServer")
            .field("https_addr", &self.https_addr)
            .field("http_addr", &self.http_addr)
            .field("grace", &self.grace)
            .finish_non_exhaustive()
    }
}

impl BoundServer {
    /// Serves until `shutdown` resolves, then shuts down gracefully (see the module docs).
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), ServeError> {
        tracing::info!(addr = %self.https_addr, "listening for HTTPS");
        if let Some(addr) = self.http_addr {
            tracing::info!(%addr, "listening for plain HTTP");
        }
        let (stop_tx, stop_rx) = watch::channel(false);
        let mut connections = JoinSet::new();
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            let (accepted, scheme) = tokio::select! {
                () = &mut shutdown => break,
                accepted = self.https.accept() => (accepted, Scheme::Https),
                accepted = accept_optional(self.http.as_ref()) => (accepted, Scheme::Http),
                // Reap finished connection tasks so the set does not grow without bound.
                Some(_) = connections.join_next(), if !connections.is_empty() => continue,
            };
            let (stream, peer_addr) = match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            let Ok(local_addr) = stream.local_addr() else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            let conn = connection::Connection {
                peer_addr,
                local_addr,
                app: self.app.clone(),
                stop: stop_rx.clone(),
            };
            match scheme {
                Scheme::Https => {
                    connections.spawn(conn.serve_tls(
                        stream,
                        self.acceptor.clone(),
                        HANDSHAKE_TIMEOUT,
                    ));
                }
                Scheme::Http => {
                    connections.spawn(conn.serve_plain(stream));
                }
            }
        }

        drop(self.https);
        drop(self.http);
        let in_flight = connections.len();
        tracing::info!(
            connections = in_flight,
            grace_secs = self.grace.as_secs(),
            "shutting down"
        );
        let _ = stop_tx.send(true);
        let drained = tokio::time::timeout(self.grace, async {
            while connections.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            tracing::warn!(
                connections = connections.len(),
                "connections still open after the shutdown grace period; closing them"
            );
            connections.shutdown().await;
        }
        tracing::info!("server stopped");
        Ok(())
    }
}

async fn accept_optional(
    listener: Option<&TcpListener>,
) -> std::io::Result<(TcpStream, SocketAddr)> {
    match listener {
        Some(listener) => listener.accept().await,
        None => std::future::pending().await,
    }
}
