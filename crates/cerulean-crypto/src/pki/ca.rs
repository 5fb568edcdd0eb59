//! A local certificate authority for Cerulean's TLS endpoints.
//!
//! Profiles follow RFC 5280 and the CA/Browser Forum baseline where it matters to real
//! clients: the CA has a critical `CA:TRUE` basicConstraints with a path length of 0 (it
//! only ever signs leaves), server certificates carry their names in SANs (clients
//! ignore the CN) and the serverAuth EKU only. Keys are ECDSA P-256.

use std::collections::HashSet;
use std::fmt;
use std::net::IpAddr;

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, PKCS_ECDSA_P256_SHA256, PublicKeyData as _, SanType,
    SerialNumber,
};
use rustls_pki_types::CertificateDer;
use time::{Duration, OffsetDateTime};

use super::info::parse_certificate_info;
use super::pem_certs::certificate_der_from_pem;
use super::thumbprint::sha1_thumbprint_hex;
use crate::error::{CryptoError, Result};
use crate::pem::encode_pem;
use crate::random::random_bytes;
use crate::secret::SecretString;

/// Certificates start this long before "now" so that clients with a slightly slow clock
/// do not reject a certificate issued a moment ago.
const BACKDATE: Duration = Duration::minutes(5);

/// The organisation written into every subject.
const ORGANIZATION: &str = "Cerulean";

/// A CA certificate and its private key.
pub struct CertificateAuthority {
    cert_der: Vec<u8>,
    cert_pem: String,
    key: KeyPair,
    not_after: OffsetDateTime,
}

/// Shows which CA this is, never the key.
impl fmt::Debug for CertificateAuthority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertificateAuthority")
            .field("sha1_thumbprint", &sha1_thumbprint_hex(&self.cert_der))
            .field("not_after", &self.not_after)
            .finish_non_exhaustive()
    }
}

/// A leaf certificate and its freshly generated private key.
#[derive(Clone)]
pub struct IssuedCertificate {
    /// PEM `CERTIFICATE`.
    pub cert_pem: String,
    /// DER of the same certificate.
    pub cert_der: Vec<u8>,
    /// PEM PKCS#8 `PRIVATE KEY`.
    pub key_pem: SecretString,
}

impl fmt::Debug for IssuedCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedCertificate")
            .field("sha1_thumbprint", &sha1_thumbprint_hex(&self.cert_der))
            .field("key_pem", &self.key_pem)
            .finish_non_exhaustive()
    }
}

impl CertificateAuthority {
    /// Creates a self-signed CA `CN=<common_name>, O=Cerulean` valid for `validity_days`.
    pub fn generate(common_name: &str, validity_days: u32) -> Result<Self> {
        Self::generate_at(common_name, validity_days, OffsetDateTime::now_utc())
    }

    /// As [`generate`](Self::generate), with the current time supplied by the caller.
    pub fn generate_at(common_name: &str, validity_days: u32, now: OffsetDateTime) -> Result<Self> {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
        let mut params = CertificateParams::default();
        params.distinguished_name = subject(common_name);
        params.serial_number = Some(random_serial()?);
        params.not_before = now - BACKDATE;
        params.not_after = now + Duration::days(i64::from(validity_days));
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let cert = params.self_signed(&key)?;
        let cert_der = cert.der().as_ref().to_vec();
        Self::assemble(cert_der, key)
    }

    /// Loads a CA from its PEM certificate and PEM private key (PKCS#8, SEC1 or PKCS#1),
    /// checking that the certificate is a CA and that the key belongs to it.
    pub fn from_pem(cert_pem: &str, key_pem: &str) -> Result<Self> {
        let cert_der = certificate_der_from_pem(cert_pem)?;
        let key = KeyPair::from_pem(key_pem)
            .map_err(|_| CryptoError::InvalidKey("CA private key PEM is not a usable key"))?;
        Self::assemble(cert_der, key)
    }

    fn assemble(cert_der: Vec<u8>, key: KeyPair) -> Result<Self> {
        let info = parse_certificate_info(&cert_der)?;
        if !info.is_ca {
            return Err(CryptoError::InvalidCertificate(
                "certificate is not a CA (basicConstraints CA:TRUE missing)".to_owned(),
            ));
        }
        if !key_matches_certificate(&cert_der, &key)? {
            return Err(CryptoError::InvalidKey(
                "private key does not match the CA certificate",
            ));
        }
        Ok(Self {
            cert_pem: encode_pem("CERTIFICATE", &cert_der),
            cert_der,
            key,
            not_after: info.not_after,
        })
    }

    /// The CA certificate, DER.
    pub fn cert_der(&self) -> &[u8] {
        &self.cert_der
    }

    /// The CA certificate, PEM.
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// The CA private key as PEM PKCS#8, for persisting.
    pub fn key_pem(&self) -> SecretString {
        SecretString::new(self.key.serialize_pem())
    }

    /// End of the CA's validity; issued certificates never outlive it.
    pub fn not_after(&self) -> OffsetDateTime {
        self.not_after
    }

    /// Issues a TLS server certificate for `hosts` (IP literals become IP SANs, everything
    /// else DNS SANs; the first host is also the CN) with a new P-256 key.
    pub fn issue_server_certificate(
        &self,
        hosts: &[String],
        validity_days: u32,
    ) -> Result<IssuedCertificate> {
        self.issue_server_certificate_at(hosts, validity_days, OffsetDateTime::now_utc())
    }

    /// As [`issue_server_certificate`](Self::issue_server_certificate), with the current
    /// time supplied by the caller.
    pub fn issue_server_certificate_at(
        &self,
        hosts: &[String],
        validity_days: u32,
        now: OffsetDateTime,
    ) -> Result<IssuedCertificate> {
        let Some(first) = hosts.first() else {
            return Err(CryptoError::InvalidCertificate(
                "a server certificate needs at least one host name".to_owned(),
            ));
        };
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)?;
        let mut params = CertificateParams::default();
        params.distinguished_name = subject(first);
        params.subject_alt_names = subject_alt_names(hosts)?;
        params.serial_number = Some(random_serial()?);
        params.not_before = now - BACKDATE;
        params.not_after = (now + Duration::days(i64::from(validity_days))).min(self.not_after);
        params.is_ca = IsCa::ExplicitNoCa;
        // digitalSignature only: keyEncipherment is RSA key transport, which an ECDSA
        // key cannot do, and RFC 8813 §3 forbids asserting it for EC keys.
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.use_authority_key_identifier_extension = true;

        let issuer =
            Issuer::from_ca_cert_der(&CertificateDer::from(self.cert_der.as_slice()), &self.key)?;
        let cert = params.signed_by(&key, &issuer)?;
        let cert_der = cert.der().as_ref().to_vec();
        Ok(IssuedCertificate {
            cert_pem: encode_pem("CERTIFICATE", &cert_der),
            cert_der,
            key_pem: SecretString::new(key.serialize_pem()),
        })
    }
}

/// Compares the certificate's subjectPublicKey bits with the key's public half (the
/// bits, not the whole SPKI, so equivalent AlgorithmIdentifier encodings don't matter).
fn key_matches_certificate(cert_der: &[u8], key: &KeyPair) -> Result<bool> {
    let (_, cert) = x509_parser::parse_x509_certificate(cert_der)
        .map_err(|e| CryptoError::InvalidCertificate(e.to_string()))?;
    Ok(cert.public_key().subject_public_key.data.as_ref() == key.der_bytes())
}

fn subject(common_name: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, common_name);
    dn.push(DnType::OrganizationName, ORGANIZATION);
    dn
}

fn subject_alt_names(hosts: &[String]) -> Result<Vec<SanType>> {
    let mut seen = HashSet::new();
    let mut sans = Vec::with_capacity(hosts.len());
    for host in hosts {
        let san = match host.parse::<IpAddr>() {
            Ok(ip) => SanType::IpAddress(ip),
            Err(_) => SanType::DnsName(host.to_ascii_lowercase().try_into()?),
        };
        if seen.insert(san.clone()) {
            sans.push(san);
        }
    }
    Ok(sans)
}

/// 128 random bits, positive (top bit clear) and never encoded shorter than needed:
/// RFC 5280 §4.1.2.2 wants unique, positive serials of at most 20 bytes.
fn random_serial() -> Result<SerialNumber> {
    let mut bytes = random_bytes::<16>()?;
    bytes[0] = (bytes[0] & 0x7f) | 0x40;
    Ok(SerialNumber::from_slice(&bytes))
}
