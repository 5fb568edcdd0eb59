//! X.509 for Cerulean's own TLS: a local certificate authority, server certificates it
//! issues, and the inspection `cerulean serve` needs to decide whether a certificate on
//! disk is still good enough; plus the self-signed certificates of token-signing keys.

mod ca;
mod info;
mod pem_certs;
mod signing;
mod thumbprint;

pub use ca::{CertificateAuthority, IssuedCertificate};
pub use info::{CertificateInfo, SubjectAltName, parse_certificate_info};
pub use pem_certs::{certificate_der_from_pem, certificates_der_from_pem};
pub use signing::self_signed_signing_certificate;
pub(crate) use thumbprint::sha1_digest;
pub use thumbprint::{sha1_thumbprint_hex, sha256_hex};
