//! The local CA and server certificate kept under `<data dir>/tls/` when the operator
//! supplies no certificate.
//!
//! The CA is created once and never replaced silently: clients have been told to trust
//! its `ca.pem`. The server certificate is re-issued by that CA whenever the configured
//! hosts change, it nears expiry, or it no longer matches the CA or its key.

use std::collections::BTreeSet;
use std::io::Write as _;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use cerulean_crypto::{
    CertificateAuthority, SecretString, SubjectAltName, certificates_der_from_pem,
    parse_certificate_info,
};
use time::{Duration, OffsetDateTime};

use super::TlsError;

const CA_COMMON_NAME: &str = "Cerulean Local Root CA";
const CA_VALIDITY_DAYS: u32 = 3650;
/// 397 days: the longest validity browsers accept for a server certificate.
const SERVER_VALIDITY_DAYS: u32 = 397;
const RENEW_BEFORE: Duration = Duration::days(30);

/// The PEM files `prepare_tls` serves from.
#[derive(Debug)]
pub(super) struct Generated {
    pub ca_pem_path: PathBuf,
    pub server_pem: String,
    pub server_key: SecretString,
}

pub(super) fn ensure(tls_dir: &Path, hosts: &[String]) -> Result<Generated, TlsError> {
    create_private_dir(tls_dir)?;
    let ca_pem_path = tls_dir.join("ca.pem");
    let ca_key_path = tls_dir.join("ca.key");
    let ca = load_or_create_ca(&ca_pem_path, &ca_key_path)?;

    let server_pem_path = tls_dir.join("server.pem");
    let server_key_path = tls_dir.join("server.key");
    let existing = read_optional(&server_pem_path, "server certificate")?
        .zip(read_optional(&server_key_path, "server key")?);
    let reason = match &existing {
        None => Some("none found".to_owned()),
        Some((pem, _)) => reissue_reason(pem, &ca, hosts),
    };
    if let (Some((server_pem, server_key)), None) = (existing, &reason) {
        warn_if_readable_by_others(&server_key_path);
        return Ok(Generated {
            ca_pem_path,
            server_pem,
            server_key: SecretString::new(server_key),
        });
    }

    let issued = ca
        .issue_server_certificate(hosts, SERVER_VALIDITY_DAYS)
        .map_err(|source| TlsError::Crypto {
            what: "issue the server certificate",
            source,
        })?;
    write_file(&server_key_path, issued.key_pem.expose().as_bytes(), 0o600)?;
    write_file(&server_pem_path, issued.cert_pem.as_bytes(), 0o644)?;
    tracing::info!(
        path = %server_pem_path.display(),
        hosts = ?hosts,
        reason = reason.as_deref().unwrap_or_default(),
        "issued a new server certificate from the local CA"
    );
    Ok(Generated {
        ca_pem_path,
        server_pem: issued.cert_pem,
        server_key: issued.key_pem,
    })
}

fn load_or_create_ca(pem_path: &Path, key_path: &Path) -> Result<CertificateAuthority, TlsError> {
    if let Some(cert_pem) = read_optional(pem_path, "CA certificate")? {
        let Some(key_pem) = read_optional(key_path, "CA key")? else {
            return Err(TlsError::CaKeyMissing {
                cert: pem_path.to_owned(),
                key: key_path.to_owned(),
            });
        };
        let key_pem = SecretString::new(key_pem);
        warn_if_readable_by_others(key_path);
        return CertificateAuthority::from_pem(&cert_pem, key_pem.expose()).map_err(|e| {
            TlsError::InvalidFile {
                what: "CA certificate and key pair",
                path: pem_path.to_owned(),
                detail: format!(
                    "{e}; restore the pair, or delete both files to create a new CA (clients must then trust the new one)"
                ),
            }
        });
    }
    // No ca.pem: no client can trust this CA yet, so creating one (over any orphaned key)
    // breaks nobody.
    let ca =
        CertificateAuthority::generate(CA_COMMON_NAME, CA_VALIDITY_DAYS).map_err(|source| {
            TlsError::Crypto {
                what: "generate the local CA",
                source,
            }
        })?;
    // Key first: a crash in between leaves no ca.pem, so the next start regenerates.
    write_file(key_path, ca.key_pem().expose().as_bytes(), 0o600)?;
    write_file(pem_path, ca.cert_pem().as_bytes(), 0o644)?;
    tracing::warn!(
        path = %pem_path.display(),
        "created a local CA; clients must trust this file (e.g. REQUESTS_CA_BUNDLE, SSL_CERT_FILE, NODE_EXTRA_CA_CERTS)"
    );
    Ok(ca)
}

/// Why the stored server certificate must be replaced, or `None` if it is still good.
fn reissue_reason(server_pem: &str, ca: &CertificateAuthority, hosts: &[String]) -> Option<String> {
    let der = match certificates_der_from_pem(server_pem) {
        Ok(chain) => chain.into_iter().next()?,
        Err(e) => return Some(format!("stored certificate unreadable: {e}")),
    };
    let info = match parse_certificate_info(&der) {
        Ok(info) => info,
        Err(e) => return Some(format!("stored certificate unreadable: {e}")),
    };
    let ca_subject = parse_certificate_info(ca.cert_der())
        .map(|i| i.subject)
        .ok();
    if ca_subject.as_deref() != Some(info.issuer.as_str()) {
        return Some("issued by another CA".to_owned());
    }
    if info.expires_within(OffsetDateTime::now_utc(), RENEW_BEFORE) {
        return Some(format!("expires {}", info.not_after));
    }
    if san_set(&info.subject_alt_names) != wanted_sans(hosts) {
        return Some("configured hosts changed".to_owned());
    }
    None
}

fn wanted_sans(hosts: &[String]) -> BTreeSet<String> {
    hosts
        .iter()
        .map(|h| match h.parse::<IpAddr>() {
            Ok(ip) => format!("IP:{ip}"),
            Err(_) => format!("DNS:{}", h.to_ascii_lowercase()),
        })
        .collect()
}

fn san_set(sans: &[SubjectAltName]) -> BTreeSet<String> {
    sans.iter()
        .filter_map(|san| match san {
            SubjectAltName::Dns(name) => Some(format!("DNS:{}", name.to_ascii_lowercase())),
            SubjectAltName::Ip(ip) => Some(format!("IP:{ip}")),
            _ => None,
        })
        .collect()
}

fn read_optional(path: &Path, what: &'static str) -> Result<Option<String>, TlsError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(TlsError::Read {
            what,
            path: path.to_owned(),
            source,
        }),
    }
}

/// Creates the directory (and parents), private to this user.
fn create_private_dir(dir: &Path) -> Result<(), TlsError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(|source| TlsError::DataDir {
        path: dir.to_owned(),
        source,
    })
}

/// Writes via a temporary file and a rename, so a crash never leaves half a key, and
/// with `mode` set before any secret byte is written.
fn write_file(path: &Path, contents: &[u8], mode: u32) -> Result<(), TlsError> {
    let err = |source| TlsError::DataDir {
        path: path.to_owned(),
        source,
    };
    let mut tmp_name = path.file_name().unwrap_or_default().to_owned();
    tmp_name.push(".tmp");
    let tmp = path.with_file_name(tmp_name);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, mode);
    let mut file = options.open(&tmp).map_err(err)?;
    // A leftover temporary file keeps its old mode; tighten it explicitly.
    #[cfg(unix)]
    file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(mode))
        .map_err(err)?;
    #[cfg(not(unix))]
    let _ = mode;
    file.write_all(contents).map_err(err)?;
    file.sync_all().map_err(err)?;
    std::fs::rename(&tmp, path).map_err(err)
}

fn warn_if_readable_by_others(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        if let Ok(meta) = std::fs::metadata(path) {
            if meta.permissions().mode() & 0o077 != 0 {
                tracing::warn!(path = %path.display(), "private key is readable by other users; chmod 600 it");
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}
