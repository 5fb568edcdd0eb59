//! A misbehaving server: garbage answers, a certificate for someone else's key, an
//! untrusted TLS chain. Each is explained in plain words, and nothing about a join is
//! written to the state directory that a good server would then contradict.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::Arc;

use cerulean_crypto::{
    CertificateAuthority, DeviceCa, DeviceCertParams, RsaPrivateKey, Uuid, b64::b64url_encode,
};
use cerulean_device::DeviceError;
use cerulean_device::http::{RetryPolicy, Trust};
use cerulean_device::oobe::{Oobe, Setup, Silent};
use cerulean_device::state::{JoinKind, Phase, StateDir};
use serde_json::json;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;

/// What `/EnrollmentServer/device/` answers.
#[derive(Clone, Copy)]
enum JoinAnswer {
    Garbage,
    ForeignCertificate,
}

/// A TLS server answering every Cerulean path with well-formed messages except the join.
struct BadServer {
    url: String,
    ca_pem: String,
}

async fn start(answer: JoinAnswer) -> BadServer {
    let ca = CertificateAuthority::generate("Bad Server Test CA", 2).unwrap();
    let leaf = ca
        .issue_server_certificate(&["127.0.0.1".to_string()], 1)
        .unwrap();
    let certs = vec![rustls_pki_types::CertificateDer::from(
        leaf.cert_der.clone(),
    )];
    let key = rustls_pki_types::PrivateKeyDer::try_from(
        cerulean_crypto::certificate_der_from_pem(leaf.key_pem.expose())
            .err()
            .map(|_| pem_body(leaf.key_pem.expose()))
            .unwrap(),
    )
    .unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("https://{}", listener.local_addr().unwrap());
    let base = url.clone();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            let base = base.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                loop {
                    let Some((path, body)) = read_request(&mut tls).await else {
                        return;
                    };
                    let (status, reply) = respond(answer, &base, &path, &body);
                    let head = format!(
                        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                        reply.len()
                    );
                    if tls.write_all(head.as_bytes()).await.is_err()
                        || tls.write_all(reply.as_bytes()).await.is_err()
                    {
                        return;
                    }
                }
            });
        }
    });
    BadServer {
        url,
        ca_pem: ca.cert_pem().to_string(),
    }
}

fn pem_body(pem: &str) -> Vec<u8> {
    let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    cerulean_crypto::b64::b64_std_decode(&b64).unwrap()
}

async fn read_request<S: tokio::io::AsyncRead + Unpin>(s: &mut S) -> Option<(String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        if s.read(&mut byte).await.ok()? == 0 {
            return None;
        }
        buf.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&buf).to_string();
    let path = head.split_whitespace().nth(1)?.to_string();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    let mut body = vec![0; length];
    s.read_exact(&mut body).await.ok()?;
    Some((path, body))
}

fn respond(answer: JoinAnswer, base: &str, path: &str, body: &[u8]) -> (&'static str, String) {
    if path.starts_with("/common/userrealm/") {
        return (
            "200 OK",
            json!({"NameSpaceType": "Managed", "Login": "alice@contoso.test",
            "DomainName": "contoso.test", "FederationBrandName": "Contoso"})
            .to_string(),
        );
    }
    if path.starts_with("/contoso.test/oauth2/token") {
        let claims = b64url_encode(
            br#"{"tid":"11111111-2222-3333-4444-555555555555","upn":"alice@contoso.test"}"#,
        );
        return (
            "200 OK",
            json!({"token_type": "Bearer", "access_token": "x.y.z",
            "id_token": format!("e30.{claims}.")})
            .to_string(),
        );
    }
    if path.starts_with("/contoso.test/Discover") {
        return (
            "200 OK",
            json!({"DeviceJoinService": {
            "JoinEndpoint": format!("{base}/EnrollmentServer/device/"), "ServiceVersion": "2.0"}})
            .to_string(),
        );
    }
    if path.starts_with("/EnrollmentServer/device/") {
        return match answer {
            JoinAnswer::Garbage => ("200 OK", "<html>Service Unavailable</html>".to_string()),
            JoinAnswer::ForeignCertificate => {
                // A perfectly good certificate, for a key that is not the device's.
                let _ = body;
                let tenant = Uuid::new_v4();
                let ca = DeviceCa::generate(tenant, time::OffsetDateTime::now_utc()).unwrap();
                let other = RsaPrivateKey::generate(2048).unwrap().public_key();
                let cert = ca
                    .issue_device_certificate(DeviceCertParams {
                        device_id: Uuid::new_v4(),
                        tenant_id: tenant,
                        user_object_id: Uuid::new_v4(),
                        join_type_joined: true,
                        region: None,
                        public_key: &other,
                        not_before: time::OffsetDateTime::now_utc(),
                        validity_days: 365,
                    })
                    .unwrap();
                (
                    "200 OK",
                    cerulean_proto::drs::JoinResponse::new(
                        cert.sha1_thumbprint_upper_hex.clone(),
                        &cert.der,
                    )
                    .to_json(),
                )
            }
        };
    }
    ("404 Not Found", "{}".to_string())
}

fn setup(dir: &std::path::Path, server: &BadServer, trusted: bool) -> Setup {
    let trust = if trusted {
        Trust {
            extra_roots_pem: vec![server.ca_pem.clone().into_bytes()],
        }
    } else {
        Trust::default()
    };
    let mut setup = Setup::for_server(dir, &server.url, trust);
    setup.retry = RetryPolicy::none();
    setup
}

async fn run(setup: Setup) -> DeviceError {
    Oobe::new(setup, Arc::new(Silent))
        .unwrap()
        .run(support::password(support::ALICE), JoinKind::Join)
        .await
        .unwrap_err()
}

fn assert_no_registration(dir: &std::path::Path) {
    let state = StateDir::open(dir).unwrap().load().unwrap().unwrap();
    assert!(state.registration.is_none());
    assert!(state.phase < Phase::Joined, "{:?}", state.phase);
    assert!(StateDir::open(dir).unwrap().load_prt().unwrap().is_none());
}

#[tokio::test]
async fn a_garbage_join_answer_is_explained_and_nothing_is_saved() {
    let server = start(JoinAnswer::Garbage).await;
    let dir = tempfile::tempdir().unwrap();
    let e = run(setup(dir.path(), &server, true)).await;
    assert!(
        matches!(
            e,
            DeviceError::Garbage {
                what: "join response",
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("isn't a valid join response"), "{e}");
    assert!(
        e.next_step().contains("server address"),
        "{}",
        e.next_step()
    );
    assert_no_registration(dir.path());
}

#[tokio::test]
async fn a_certificate_for_another_key_is_refused() {
    let server = start(JoinAnswer::ForeignCertificate).await;
    let dir = tempfile::tempdir().unwrap();
    let e = run(setup(dir.path(), &server, true)).await;
    assert!(
        matches!(e, DeviceError::CertificateMismatch { .. }),
        "{e:?}"
    );
    assert!(e.next_step().contains("Nothing was saved"));
    assert_no_registration(dir.path());
}

#[tokio::test]
async fn an_untrusted_server_is_refused_before_anything_is_sent() {
    let server = start(JoinAnswer::Garbage).await;
    let dir = tempfile::tempdir().unwrap();
    let e = run(setup(dir.path(), &server, false)).await;
    assert!(matches!(e, DeviceError::UntrustedServer { .. }), "{e:?}");
    assert!(e.next_step().contains("--ca-file"));
    assert!(
        StateDir::open(dir.path())
            .unwrap()
            .load()
            .unwrap()
            .is_none()
    );
}
