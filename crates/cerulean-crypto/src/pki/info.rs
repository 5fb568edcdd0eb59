//! What `cerulean serve` needs to know about a certificate it finds on disk.

use std::fmt;
use std::net::IpAddr;

use time::{Duration, OffsetDateTime};
use x509_parser::extensions::GeneralName;
use x509_parser::parse_x509_certificate;

use super::thumbprint::sha1_thumbprint_hex;
use crate::error::{CryptoError, Result};

/// A subject alternative name (RFC 5280 §4.2.1.6) of the kinds Cerulean deals with.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SubjectAltName {
    /// `dNSName`.
    Dns(String),
    /// `iPAddress`.
    Ip(IpAddr),
    /// `uniformResourceIdentifier`.
    Uri(String),
    /// `rfc822Name`.
    Email(String),
}

impl fmt::Display for SubjectAltName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Dns(name) => write!(f, "DNS:{name}"),
            Self::Ip(ip) => write!(f, "IP:{ip}"),
            Self::Uri(uri) => write!(f, "URI:{uri}"),
            Self::Email(email) => write!(f, "email:{email}"),
        }
    }
}

/// The fields of a certificate that operators and start-up checks look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateInfo {
    /// Subject DN in RFC 4514-like form, e.g. `CN=localhost, O=Cerulean`.
    pub subject: String,
    /// Issuer DN in the same form.
    pub issuer: String,
    /// Serial number as lower-case hex.
    pub serial_hex: String,
    /// Start of validity.
    pub not_before: OffsetDateTime,
    /// End of validity.
    pub not_after: OffsetDateTime,
    /// SANs of the supported kinds, in certificate order; other kinds are skipped.
    pub subject_alt_names: Vec<SubjectAltName>,
    /// Whether basicConstraints says `CA:TRUE`.
    pub is_ca: bool,
    /// Upper-case hex SHA-1 of the DER.
    pub sha1_thumbprint: String,
    /// The certificate's SubjectPublicKeyInfo, DER.
    pub spki_der: Vec<u8>,
}

impl CertificateInfo {
    /// Whether a TLS client connecting to `host` would accept this certificate's names:
    /// an IP must match an IP SAN; a DNS name matches a DNS SAN case-insensitively, with
    /// a `*.` wildcard standing for exactly one left-most label (RFC 6125 §6.4.3).
    pub fn covers_host(&self, host: &str) -> bool {
        if let Ok(ip) = host.parse::<IpAddr>() {
            return self
                .subject_alt_names
                .iter()
                .any(|san| matches!(san, SubjectAltName::Ip(candidate) if *candidate == ip));
        }
        let host = host.trim_end_matches('.');
        self.subject_alt_names.iter().any(|san| match san {
            SubjectAltName::Dns(pattern) => dns_matches(pattern, host),
            _ => false,
        })
    }

    /// Whether every host in `hosts` is covered.
    pub fn covers_all(&self, hosts: &[String]) -> bool {
        hosts.iter().all(|h| self.covers_host(h))
    }

    /// Whether `at` falls inside the validity period.
    pub fn is_valid_at(&self, at: OffsetDateTime) -> bool {
        self.not_before <= at && at <= self.not_after
    }

    /// Whether the certificate is expired at `now` or will be within `margin`.
    pub fn expires_within(&self, now: OffsetDateTime, margin: Duration) -> bool {
        self.not_after <= now + margin
    }
}

fn dns_matches(pattern: &str, host: &str) -> bool {
    let pattern = pattern.trim_end_matches('.');
    if let Some(suffix) = pattern.strip_prefix("*.") {
        return match host.split_once('.') {
            Some((label, rest)) => !label.is_empty() && rest.eq_ignore_ascii_case(suffix),
            None => false,
        };
    }
    pattern.eq_ignore_ascii_case(host)
}

/// Parses a DER certificate. Trailing bytes after the certificate are an error.
pub fn parse_certificate_info(der: &[u8]) -> Result<CertificateInfo> {
    let (rest, cert) =
        parse_x509_certificate(der).map_err(|e| CryptoError::InvalidCertificate(e.to_string()))?;
    if !rest.is_empty() {
        return Err(CryptoError::InvalidCertificate(
            "trailing data after certificate".to_owned(),
        ));
    }
    let san_ext = cert
        .subject_alternative_name()
        .map_err(|e| CryptoError::InvalidCertificate(e.to_string()))?;
    let mut subject_alt_names = Vec::new();
    for name in san_ext
        .iter()
        .flat_map(|ext| ext.value.general_names.iter())
    {
        let san = match name {
            GeneralName::DNSName(n) => SubjectAltName::Dns((*n).to_owned()),
            GeneralName::URI(u) => SubjectAltName::Uri((*u).to_owned()),
            GeneralName::RFC822Name(e) => SubjectAltName::Email((*e).to_owned()),
            GeneralName::IPAddress(bytes) => match ip_from_bytes(bytes) {
                Some(ip) => SubjectAltName::Ip(ip),
                None => continue,
            },
            _ => continue,
        };
        subject_alt_names.push(san);
    }
    Ok(CertificateInfo {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        serial_hex: hex::encode(cert.raw_serial()),
        not_before: cert.validity().not_before.to_datetime(),
        not_after: cert.validity().not_after.to_datetime(),
        subject_alt_names,
        is_ca: cert.is_ca(),
        sha1_thumbprint: sha1_thumbprint_hex(der),
        spki_der: cert.public_key().raw.to_vec(),
    })
}

fn ip_from_bytes(bytes: &[u8]) -> Option<IpAddr> {
    if let Ok(v4) = <[u8; 4]>::try_from(bytes) {
        return Some(IpAddr::from(v4));
    }
    <[u8; 16]>::try_from(bytes).ok().map(IpAddr::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(sans: Vec<SubjectAltName>) -> CertificateInfo {
        CertificateInfo {
            subject: String::new(),
            issuer: String::new(),
            serial_hex: String::new(),
            not_before: OffsetDateTime::UNIX_EPOCH,
            not_after: OffsetDateTime::UNIX_EPOCH + Duration::days(10),
            subject_alt_names: sans,
            is_ca: false,
            sha1_thumbprint: String::new(),
            spki_der: Vec::new(),
        }
    }

    #[test]
    fn host_matching() {
        let i = info(vec![
            SubjectAltName::Dns("Login.Example.com".to_owned()),
            SubjectAltName::Dns("*.cerulean.test".to_owned()),
            SubjectAltName::Ip("127.0.0.1".parse().unwrap()),
            SubjectAltName::Ip("::1".parse().unwrap()),
        ]);
        assert!(i.covers_host("login.example.com"));
        assert!(i.covers_host("login.example.com."));
        assert!(i.covers_host("drs.cerulean.test"));
        assert!(!i.covers_host("cerulean.test"));
        assert!(!i.covers_host("a.b.cerulean.test"));
        assert!(i.covers_host("127.0.0.1"));
        assert!(i.covers_host("::1"));
        assert!(!i.covers_host("127.0.0.2"));
        assert!(!i.covers_host("example.com"));
        assert!(i.covers_all(&["login.example.com".to_owned(), "127.0.0.1".to_owned()]));
        assert!(!i.covers_all(&["login.example.com".to_owned(), "other".to_owned()]));
    }

    #[test]
    fn validity_checks() {
        let i = info(vec![]);
        let day = Duration::days(1);
        assert!(i.is_valid_at(OffsetDateTime::UNIX_EPOCH + day));
        assert!(!i.is_valid_at(OffsetDateTime::UNIX_EPOCH - day));
        assert!(!i.expires_within(OffsetDateTime::UNIX_EPOCH, day * 5));
        assert!(i.expires_within(OffsetDateTime::UNIX_EPOCH + day * 6, day * 5));
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(parse_certificate_info(b"").is_err());
        assert!(parse_certificate_info(b"\x30\x03\x02\x01\x01").is_err());
    }
}
