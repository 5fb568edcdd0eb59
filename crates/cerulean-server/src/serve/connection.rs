//! One accepted connection: TLS handshake (bounded in time), then HTTP/1.1 or HTTP/2
//! (hyper-util's auto builder picks by ALPN / preface) until done or asked to stop.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt as _;

use super::info::{ConnectionInfo, Scheme};

/// How long a client may take to send a request head (slowloris guard).
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);
const H2_KEEPALIVE_INTERVAL: Duration = Duration::from_secs(60);
const H2_KEEPALIVE_TIMEOUT: Duration = Duration::from_secs(20);

pub(super) struct Connection {
    pub peer_addr: SocketAddr,
    pub local_addr: SocketAddr,
    pub app: Router,
    pub stop: watch::Receiver<bool>,
}

impl Connection {
    pub async fn serve_tls(mut self, stream: TcpStream, acceptor: TlsAcceptor, timeout: Duration) {
        let handshake = tokio::select! {
            result = tokio::time::timeout(timeout, acceptor.accept(stream)) => result,
            () = stopped(&mut self.stop) => return,
        };
        let tls = match handshake {
            Ok(Ok(tls)) => tls,
            Ok(Err(e)) => {
                // Scanners and clients that distrust our CA: routine, not an error.
                tracing::debug!(peer = %self.peer_addr, error = %e, "TLS handshake failed");
                return;
            }
            Err(_) => {
                tracing::debug!(peer = %self.peer_addr, "TLS handshake timed out");
                return;
            }
        };
        let (_, session) = tls.get_ref();
        let info = ConnectionInfo {
            peer_addr: self.peer_addr,
            local_addr: self.local_addr,
            scheme: Scheme::Https,
            sni: session.server_name().map(str::to_owned),
            client_cert_chain: session
                .peer_certificates()
                .map(|chain| chain.iter().map(|c| c.clone().into_owned()).collect())
                .unwrap_or_else(|| Arc::from(Vec::new())),
        };
        self.serve_http(tls, info).await;
    }

    pub async fn serve_plain(self, stream: TcpStream) {
        let info = ConnectionInfo {
            peer_addr: self.peer_addr,
            local_addr: self.local_addr,
            scheme: Scheme::Http,
            sni: None,
            client_cert_chain: Arc::from(Vec::new()),
        };
        self.serve_http(stream, info).await;
    }

    async fn serve_http<I>(mut self, io: I, info: ConnectionInfo)
    where
        I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let app = self.app;
        let service = hyper::service::service_fn(move |mut request: http::Request<Incoming>| {
            request.extensions_mut().insert(info.clone());
            app.clone().oneshot(request)
        });
        let mut builder = auto::Builder::new(TokioExecutor::new());
        builder
            .http1()
            .timer(TokioTimer::new())
            .header_read_timeout(HEADER_READ_TIMEOUT);
        // HTTP/2 has no idle timeout of its own: ping, and drop peers that stop answering.
        builder
            .http2()
            .timer(TokioTimer::new())
            .keep_alive_interval(Some(H2_KEEPALIVE_INTERVAL))
            .keep_alive_timeout(H2_KEEPALIVE_TIMEOUT);
        let connection = builder.serve_connection(TokioIo::new(io), service);
        let mut connection = std::pin::pin!(connection);
        let result = tokio::select! {
            result = connection.as_mut() => result,
            () = stopped(&mut self.stop) => {
                // Finish in-flight requests, refuse new ones (h1: close when idle;
                // h2: GOAWAY).
                connection.as_mut().graceful_shutdown();
                connection.await
            }
        };
        if let Err(e) = result {
            tracing::debug!(peer = %self.peer_addr, error = %e, "connection ended with an error");
        }
    }
}

/// Resolves once shutdown has begun (or the server is gone).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|stopping| *stopping).await;
}
