//! TLS set-up errors. Each names the file involved and what the operator can do.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The data directory (or its `tls/` folder) cannot be created or written.
    #[error("cannot create or write {}: {source}; fix its permissions or pass --data-dir", path.display())]
    DataDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A configured or generated file cannot be read.
    #[error("cannot read {what} {}: {source}", path.display())]
    Read {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A file does not hold what it should.
    #[error("{} is not a valid {what}: {detail}", path.display())]
    InvalidFile {
        what: &'static str,
        path: PathBuf,
        detail: String,
    },
    /// The generated CA's certificate is there but its key is gone.
    #[error("{} exists but its key {} is missing; restore the key, or delete {} to create a new CA (clients must then trust the new one)", cert.display(), key.display(), cert.display())]
    CaKeyMissing { cert: PathBuf, key: PathBuf },
    /// Generating or signing a certificate failed.
    #[error("cannot {what}: {source}")]
    Crypto {
        what: &'static str,
        #[source]
        source: cerulean_crypto::CryptoError,
    },
    /// rustls refused the certificate, key or configuration.
    #[error("TLS configuration rejected: {0}")]
    Rustls(#[from] rustls::Error),
    /// A client CA certificate cannot be used as a trust anchor.
    #[error("client CA certificate for {group:?} rejected: {detail}")]
    ClientCa { group: String, detail: String },
}
