//! End to end: a real server on 127.0.0.1:0 with a generated CA, real TLS clients.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use bytes::Bytes;
use cerulean_crypto::PasswordParams;
use cerulean_directory::{Directory, SystemClock};
use cerulean_server::{
    AppState, BoundServer, Config, ConnectionInfo, Metrics, PublicBase, Server, TlsMaterial,
};
use http::{HeaderMap, Request, StatusCode};
use http_body_util::{BodyExt as _, Full};
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{ClientConfig, RootCertStore};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_rustls::TlsConnector;

struct Running {
    addr: SocketAddr,
    http_addr: Option<SocketAddr>,
    ca: CertificateDer<'static>,
    tls: TlsMaterial,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), cerulean_server::ServeError>>,
    _data: tempfile::TempDir,
}

impl Running {
    async fn shutdown(mut self) {
        self.stop.take().unwrap().send(()).unwrap();
        tokio::time::timeout(Duration::from_secs(15), self.task)
            .await
            .expect("run() returns after shutdown")
            .unwrap()
            .unwrap();
    }
}

async fn conn_info(info: ConnectionInfo, base: PublicBase) -> axum::Json<Value> {
    axum::Json(json!({
        "sni": info.sni,
        "scheme": info.scheme.as_str(),
        "certs": info.client_cert_chain.len(),
        "base": base.as_str(),
    }))
}

async fn slow() -> &'static str {
    tokio::time::sleep(Duration::from_millis(700)).await;
    "finished"
}

async fn stuck() -> &'static str {
    tokio::time::sleep(Duration::from_secs(60)).await;
    "never"
}

async fn directory() -> Directory {
    let store = cerulean_store::SqliteStore::open_in_memory().await.unwrap();
    let cheap = PasswordParams {
        memory_kib: 8,
        iterations: 1,
        parallelism: 1,
    };
    Directory::new(Arc::new(store), Arc::new(SystemClock), cheap).unwrap()
}

async fn start(with_http: bool) -> Running {
    start_with(with_http, |_| {}).await
}

async fn start_with(with_http: bool, adjust: impl FnOnce(&mut Config)) -> Running {
    let data = tempfile::tempdir().unwrap();
    let mut config = Config::default();
    config.data.dir = data.path().to_owned();
    config.server.listen = "127.0.0.1:0".parse().unwrap();
    if with_http {
        config.server.http_listen = Some("127.0.0.1:0".parse().unwrap());
    }
    config.server.max_body_bytes = 4096;
    adjust(&mut config);
    config.validate().unwrap();
    let tls = cerulean_server::prepare_tls(&config).unwrap();
    let ca = read_ca(tls.ca_pem_path.as_deref().unwrap());
    let state = AppState::new(
        directory().await,
        Arc::new(config.clone()),
        Arc::new(Metrics::new()),
    );
    let extra = Router::new()
        .route("/test/conn", get(conn_info))
        .route("/test/slow", get(slow))
        .route("/test/stuck", get(stuck));
    let app = cerulean_server::app_with(state, extra);
    let server: BoundServer = Server::bind(&config, tls.clone(), app).await.unwrap();
    let (addr, http_addr) = (server.https_addr, server.http_addr);
    assert_ne!(addr.port(), 0);
    let (stop, stopped) = oneshot::channel();
    let task = tokio::spawn(server.run(async move {
        let _ = stopped.await;
    }));
    Running {
        addr,
        http_addr,
        ca,
        tls,
        stop: Some(stop),
        task,
        _data: data,
    }
}

fn read_ca(path: &Path) -> CertificateDer<'static> {
    CertificateDer::from_pem_file(path).unwrap()
}

type ClientCert = (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>);

fn client_config(
    ca: Option<&CertificateDer<'static>>,
    alpn: &[&[u8]],
    cert: Option<ClientCert>,
) -> Arc<ClientConfig> {
    let mut roots = RootCertStore::empty();
    if let Some(ca) = ca {
        roots.add(ca.clone()).unwrap();
    }
    let builder = ClientConfig::builder_with_provider(cerulean_server::tls::crypto_provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots);
    let mut config = match cert {
        Some((chain, key)) => builder.with_client_auth_cert(chain, key).unwrap(),
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
    Arc::new(config)
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
    alpn: Option<Vec<u8>>,
}

/// One request over a fresh TLS connection. `name` is the server name: a DNS name is
/// sent as SNI, an IP literal is not (RFC 6066).
async fn https(
    addr: SocketAddr,
    name: &str,
    config: Arc<ClientConfig>,
    request: Request<Full<Bytes>>,
) -> Result<Reply, Box<dyn std::error::Error + Send + Sync>> {
    let tcp = TcpStream::connect(addr).await?;
    let server_name = ServerName::try_from(name.to_owned())?;
    let tls = TlsConnector::from(config).connect(server_name, tcp).await?;
    let alpn = tls.get_ref().1.alpn_protocol().map(<[u8]>::to_vec);
    let io = TokioIo::new(tls);
    let response = if alpn.as_deref() == Some(b"h2") {
        let (mut sender, conn) =
            hyper::client::conn::http2::handshake(TokioExecutor::new(), io).await?;
        tokio::spawn(conn);
        sender.send_request(request).await?
    } else {
        let (mut sender, conn) = hyper::client::conn::http1::handshake(io).await?;
        tokio::spawn(conn);
        sender.send_request(request).await?
    };
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await?.to_bytes();
    Ok(Reply {
        status,
        headers,
        body: String::from_utf8(body.to_vec())?,
        alpn,
    })
}

async fn plain_http(addr: SocketAddr, request: Request<Full<Bytes>>) -> Reply {
    let tcp = TcpStream::connect(addr).await.unwrap();
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp))
        .await
        .unwrap();
    tokio::spawn(conn);
    let response = sender.send_request(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    Reply {
        status,
        headers,
        body: String::from_utf8(body.to_vec()).unwrap(),
        alpn: None,
    }
}

fn get_req(host: &str, path: &str) -> Request<Full<Bytes>> {
    Request::get(path)
        .header("host", host)
        .body(Full::default())
        .unwrap()
}

#[tokio::test]
async fn healthz_over_https_with_sni_without_sni_and_h2() {
    let server = start(false).await;
    let port = server.addr.port();
    let h1 = client_config(Some(&server.ca), &[b"http/1.1"], None);

    // A client that addresses the server by name sends SNI.
    let reply = https(
        server.addr,
        "localhost",
        h1.clone(),
        get_req(&format!("localhost:{port}"), "/healthz"),
    )
    .await
    .unwrap();
    assert_eq!((reply.status, reply.body.as_str()), (StatusCode::OK, "ok"));
    assert_eq!(reply.alpn.as_deref(), Some(&b"http/1.1"[..]));
    let reply = https(
        server.addr,
        "localhost",
        h1.clone(),
        get_req(&format!("localhost:{port}"), "/test/conn"),
    )
    .await
    .unwrap();
    let info: Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(info["sni"], "localhost");
    assert_eq!(info["scheme"], "https");
    assert_eq!(info["base"], format!("https://localhost:{port}"));

    // Direct-URL clients connect to the IP literal: no SNI, same certificate.
    let host = format!("127.0.0.1:{port}");
    let reply = https(
        server.addr,
        "127.0.0.1",
        h1.clone(),
        get_req(&host, "/test/conn"),
    )
    .await
    .unwrap();
    let info: Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(info["sni"], Value::Null);
    assert_eq!(info["base"], format!("https://{host}"));

    // HTTP/2 by ALPN (no Host header; the authority travels in the URI).
    let h2 = client_config(Some(&server.ca), &[b"h2", b"http/1.1"], None);
    let request = Request::get(format!("https://127.0.0.1:{port}/test/conn"))
        .body(Full::default())
        .unwrap();
    let reply = https(server.addr, "127.0.0.1", h2, request).await.unwrap();
    assert_eq!(reply.alpn.as_deref(), Some(&b"h2"[..]));
    let info: Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(info["base"], format!("https://127.0.0.1:{port}"));

    server.shutdown().await;
}

#[tokio::test]
async fn a_client_that_does_not_trust_the_ca_is_refused() {
    // The negative check INTEROP §2.6 asks for: without the CA the handshake fails.
    let server = start(false).await;
    let untrusting = client_config(None, &[], None);
    let err = https(
        server.addr,
        "localhost",
        untrusting,
        get_req("localhost", "/healthz"),
    )
    .await
    .err()
    .expect("handshake must fail");
    assert!(
        err.to_string().contains("UnknownIssuer") || err.to_string().contains("unknown issuer"),
        "{err}"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn metrics_correlation_id_and_body_limit_over_the_wire() {
    let server = start(false).await;
    let config = client_config(Some(&server.ca), &[], None);
    let host = format!("localhost:{}", server.addr.port());

    let request = Request::get("/healthz")
        .header("host", &host)
        .header("client-request-id", "5e0a2b1c-0000-4000-8000-00000000abcd")
        .body(Full::default())
        .unwrap();
    let reply = https(server.addr, "localhost", config.clone(), request)
        .await
        .unwrap();
    assert_eq!(
        reply.headers["client-request-id"],
        "5e0a2b1c-0000-4000-8000-00000000abcd"
    );
    assert_eq!(
        reply.headers["x-ms-request-id"],
        "5e0a2b1c-0000-4000-8000-00000000abcd"
    );

    let reply = https(
        server.addr,
        "localhost",
        config.clone(),
        get_req(&host, "/metrics"),
    )
    .await
    .unwrap();
    assert_eq!(reply.status, StatusCode::OK);
    assert!(
        reply.body.contains(
            r#"cerulean_http_requests_total{method="GET",route="/healthz",status="200"} 1"#
        ),
        "{}",
        reply.body
    );

    let request = Request::post("/healthz")
        .header("host", &host)
        .body(Full::new(Bytes::from(vec![b'x'; 10_000])))
        .unwrap();
    let reply = https(server.addr, "localhost", config.clone(), request)
        .await
        .unwrap();
    assert_eq!(reply.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(reply.headers["content-type"], "application/json");

    let reply = https(server.addr, "localhost", config, get_req(&host, "/readyz"))
        .await
        .unwrap();
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

    server.shutdown().await;
}

#[tokio::test]
async fn plain_http_listener_serves_the_same_routes() {
    let server = start(true).await;
    let http_addr = server.http_addr.unwrap();
    let host = http_addr.to_string();
    let reply = plain_http(http_addr, get_req(&host, "/healthz")).await;
    assert_eq!((reply.status, reply.body.as_str()), (StatusCode::OK, "ok"));
    let reply = plain_http(http_addr, get_req(&host, "/test/conn")).await;
    let info: Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(info["scheme"], "http");
    assert_eq!(info["base"], format!("http://{host}"));
    assert!(reply.headers.contains_key("client-request-id"));
    server.shutdown().await;
}

/// A CA and a client certificate (clientAuth EKU) signed by it.
fn client_pki(name: &str) -> (CertificateDer<'static>, ClientCert) {
    use rcgen::{
        BasicConstraints, CertificateParams, CertifiedIssuer, ExtendedKeyUsagePurpose, IsCa,
        KeyPair,
    };
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, format!("{name} device CA"));
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let mut leaf_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    leaf_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "device-1");
    leaf_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = leaf_params.signed_by(&leaf_key, &ca).unwrap();
    let ca_der = CertificateDer::from(ca.as_ref().der().to_vec());
    let key = PrivateKeyDer::try_from(leaf_key.serialize_der()).unwrap();
    (ca_der, (vec![leaf.der().clone()], key))
}

#[tokio::test]
async fn client_certificates_are_optional_and_trusted_cas_can_be_added_at_run_time() {
    let server = start(false).await;
    let host = format!("localhost:{}", server.addr.port());
    let (tenant_ca, device) = client_pki("tenant-a");
    let (_, stranger) = client_pki("stranger");

    // Added while the server runs, as the DRS will for a new tenant.
    server
        .tls
        .client_cas
        .set("tenant-a", vec![tenant_ca])
        .unwrap();

    let with_cert = client_config(Some(&server.ca), &[], Some(device));
    let reply = https(
        server.addr,
        "localhost",
        with_cert,
        get_req(&host, "/test/conn"),
    )
    .await
    .unwrap();
    let info: Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(info["certs"], 1, "verified chain reaches the handler");

    let without = client_config(Some(&server.ca), &[], None);
    let reply = https(
        server.addr,
        "localhost",
        without,
        get_req(&host, "/test/conn"),
    )
    .await
    .unwrap();
    let info: Value = serde_json::from_str(&reply.body).unwrap();
    assert_eq!(info["certs"], 0, "no certificate is fine");

    let untrusted = client_config(Some(&server.ca), &[], Some(stranger));
    let result = https(
        server.addr,
        "localhost",
        untrusted,
        get_req(&host, "/test/conn"),
    )
    .await;
    assert!(
        result.is_err(),
        "a certificate from an unknown CA is refused"
    );

    server.shutdown().await;
}

#[tokio::test]
async fn graceful_shutdown_lets_in_flight_requests_finish() {
    let mut server = start(false).await;
    let addr = server.addr;
    let config = client_config(Some(&server.ca), &[], None);
    let host = format!("localhost:{}", addr.port());
    let in_flight = tokio::spawn(https(
        addr,
        "localhost",
        config.clone(),
        get_req(&host, "/test/slow"),
    ));
    tokio::time::sleep(Duration::from_millis(200)).await;

    server.stop.take().unwrap().send(()).unwrap();
    let reply = in_flight.await.unwrap().unwrap();
    assert_eq!(
        (reply.status, reply.body.as_str()),
        (StatusCode::OK, "finished")
    );
    tokio::time::timeout(Duration::from_secs(15), &mut server.task)
        .await
        .expect("run() returns")
        .unwrap()
        .unwrap();
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "no longer accepting"
    );
}

#[tokio::test]
async fn address_in_use_names_the_address_and_the_flag() {
    let server = start(false).await;
    let mut config = Config::default();
    config.data.dir = server._data.path().to_owned();
    config.server.listen = server.addr;
    let err = Server::bind(&config, server.tls.clone(), Router::new())
        .await
        .expect_err("port is taken");
    let msg = err.to_string();
    assert!(msg.contains(&server.addr.to_string()), "{msg}");
    assert!(msg.contains("address already in use"), "{msg}");
    assert!(msg.contains("--listen"), "{msg}");
    server.shutdown().await;
}

#[tokio::test]
async fn shutdown_gives_up_on_requests_that_outlast_the_grace_period() {
    let mut server = start_with(false, |c| c.server.shutdown_grace_secs = 1).await;
    let addr = server.addr;
    let config = client_config(Some(&server.ca), &[], None);
    let host = format!("localhost:{}", addr.port());
    let stuck = tokio::spawn(https(
        addr,
        "localhost",
        config,
        get_req(&host, "/test/stuck"),
    ));
    tokio::time::sleep(Duration::from_millis(200)).await;

    let started = std::time::Instant::now();
    server.stop.take().unwrap().send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(10), &mut server.task)
        .await
        .expect("run() returns once the grace period is over")
        .unwrap()
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(
        stuck.await.unwrap().is_err(),
        "the stuck request was cut off"
    );
}
