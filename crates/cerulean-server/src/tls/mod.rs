//! TLS for the HTTPS listener: the server certificate (operator-supplied or from a
//! generated local CA), and the optional, run-time-extensible client certificate check.

mod client_auth;
mod error;
mod generated;
mod resolver;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use cerulean_crypto::{SecretString, parse_certificate_info};
use rustls::ServerConfig;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::sign::CertifiedKey;
use time::{Duration, OffsetDateTime};

pub use client_auth::ClientCas;
pub use error::TlsError;
pub use resolver::ServerCertResolver;

use crate::config::Config;
use client_auth::DynamicClientVerifier;

/// Everything the listener needs for TLS, plus the handles later services use.
#[derive(Debug, Clone)]
pub struct TlsMaterial {
    /// The generated local CA's certificate, which clients must trust; `None` with
    /// operator certificates.
    pub ca_pem_path: Option<PathBuf>,
    pub server_config: Arc<ServerConfig>,
    /// Whether the server certificate comes from the generated local CA.
    pub generated: bool,
    /// The CAs trusted for client certificates. The DRS adds each tenant's device CA
    /// here (`client_cas.set(tenant_id, vec![ca])`); no restart needed.
    pub client_cas: ClientCas,
    /// Swaps the served certificate without a restart (renewal).
    pub cert_resolver: Arc<ServerCertResolver>,
}

/// The one crypto provider used for every TLS object, chosen explicitly so nothing
/// depends on a process-wide default being installed.
pub fn crypto_provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// Loads the operator's certificate and key, or creates/refreshes the local CA and server
/// certificate under `<data dir>/tls/`; then builds the rustls server configuration.
pub fn prepare_tls(config: &Config) -> Result<TlsMaterial, TlsError> {
    let provider = crypto_provider();
    let (chain, key, ca_pem_path, generated) = match (&config.tls.cert_file, &config.tls.key_file) {
        (Some(cert_file), Some(key_file)) => {
            let chain = read_cert_chain(cert_file, "certificate chain")?;
            let key = read_private_key(key_file)?;
            (chain, key, None, false)
        }
        // `Config::validate` rejects a certificate without a key and vice versa.
        _ => {
            let dir = config.tls_dir();
            let material = generated::ensure(&dir, &config.server.hosts)?;
            let server_pem_path = dir.join("server.pem");
            let chain = parse_cert_chain(&material.server_pem, &server_pem_path, "certificate")?;
            let key = parse_private_key(&material.server_key, &dir.join("server.key"))?;
            (chain, key, Some(material.ca_pem_path), true)
        }
    };
    if let Some(first) = chain.first() {
        check_served_certificate(first, &config.server.hosts);
    }

    let certified =
        CertifiedKey::from_der(chain, key, &provider).map_err(|e| TlsError::InvalidFile {
            what: "key for the server certificate",
            path: config
                .tls
                .key_file
                .clone()
                .unwrap_or_else(|| config.tls_dir().join("server.key")),
            detail: e.to_string(),
        })?;
    let cert_resolver = Arc::new(ServerCertResolver::new(certified));

    let client_cas = ClientCas::new(provider.clone());
    if let Some(path) = &config.tls.client_ca_file {
        let cas = read_cert_chain(path, "client CA file")?;
        client_cas.set("config", cas)?;
    }

    let server_config = build_server_config(provider, cert_resolver.clone(), client_cas.clone())?;
    Ok(TlsMaterial {
        ca_pem_path,
        server_config,
        generated,
        client_cas,
        cert_resolver,
    })
}

/// TLS 1.3 and 1.2, ALPN `h2` then `http/1.1`, optional client certificates.
fn build_server_config(
    provider: Arc<CryptoProvider>,
    resolver: Arc<ServerCertResolver>,
    client_cas: ClientCas,
) -> Result<Arc<ServerConfig>, TlsError> {
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
        .with_client_cert_verifier(Arc::new(DynamicClientVerifier::new(client_cas)))
        .with_cert_resolver(resolver);
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Warns about an operator certificate that will not satisfy clients; never fails, since
/// the operator may know better (e.g. a reverse proxy in front).
fn check_served_certificate(leaf: &CertificateDer<'_>, hosts: &[String]) {
    let Ok(info) = parse_certificate_info(leaf) else {
        return;
    };
    let uncovered: Vec<&String> = hosts.iter().filter(|h| !info.covers_host(h)).collect();
    if !uncovered.is_empty() {
        tracing::warn!(hosts = ?uncovered, "server certificate does not cover these configured hosts");
    }
    if info.expires_within(OffsetDateTime::now_utc(), Duration::days(30)) {
        tracing::warn!(not_after = %info.not_after, "server certificate expires within 30 days");
    }
    tracing::info!(
        subject = %info.subject,
        not_after = %info.not_after,
        sha1 = %info.sha1_thumbprint,
        "serving TLS certificate"
    );
}

fn read_file(path: &Path, what: &'static str) -> Result<SecretString, TlsError> {
    std::fs::read_to_string(path)
        .map(SecretString::new)
        .map_err(|source| TlsError::Read {
            what,
            path: path.to_owned(),
            source,
        })
}

fn read_cert_chain(
    path: &Path,
    what: &'static str,
) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let text = read_file(path, what)?;
    parse_cert_chain(text.expose(), path, what)
}

fn parse_cert_chain(
    pem: &str,
    path: &Path,
    what: &'static str,
) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let invalid = |detail: String| TlsError::InvalidFile {
        what,
        path: path.to_owned(),
        detail,
    };
    let chain = CertificateDer::pem_slice_iter(pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| invalid(format!("{e}; expected PEM CERTIFICATE blocks")))?;
    if chain.is_empty() {
        return Err(invalid(
            "no -----BEGIN CERTIFICATE----- block found".to_owned(),
        ));
    }
    Ok(chain)
}

fn read_private_key(path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    let text = read_file(path, "private key")?;
    parse_private_key(&text, path)
}

fn parse_private_key(pem: &SecretString, path: &Path) -> Result<PrivateKeyDer<'static>, TlsError> {
    PrivateKeyDer::from_pem_slice(pem.expose().as_bytes()).map_err(|e| TlsError::InvalidFile {
        what: "private key",
        path: path.to_owned(),
        detail: format!("{e}; expected a PEM PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY block"),
    })
}

#[cfg(test)]
mod tests;
