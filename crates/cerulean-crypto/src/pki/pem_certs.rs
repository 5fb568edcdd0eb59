//! Reading certificates out of PEM files.

use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

use crate::error::{CryptoError, Result};

/// The DER of the first `CERTIFICATE` block in `pem`.
pub fn certificate_der_from_pem(pem: &str) -> Result<Vec<u8>> {
    CertificateDer::from_pem_slice(pem.as_bytes())
        .map(|der| der.as_ref().to_vec())
        .map_err(|_| CryptoError::Pem("expected a CERTIFICATE block"))
}

/// The DER of every `CERTIFICATE` block in `pem` (a chain file), in file order.
pub fn certificates_der_from_pem(pem: &str) -> Result<Vec<Vec<u8>>> {
    let certs = CertificateDer::pem_slice_iter(pem.as_bytes())
        .map(|r| r.map(|der| der.as_ref().to_vec()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| CryptoError::Pem("invalid CERTIFICATE block"))?;
    if certs.is_empty() {
        return Err(CryptoError::Pem("no CERTIFICATE block found"));
    }
    Ok(certs)
}
