//! Checking a certificate (RFC 5280 §4.1) against an issuer's RSA key: the signature over
//! the TBSCertificate with aws-lc-rs, and the validity period against a caller-supplied
//! `now` (time is injected, never read from the system here).
//!
//! Only RSASSA-PKCS1-v1_5 (RFC 8017 §8.2) is implemented, which is what Entra-style device
//! certificates and the CSRs that request them use.

use aws_lc_rs::rsa::PublicKeyComponents;
use aws_lc_rs::signature::{self, RsaParameters};
use time::OffsetDateTime;
use x509_parser::certificate::X509Certificate;
use x509_parser::der_parser::asn1_rs::Tag;
use x509_parser::parse_x509_certificate;
use x509_parser::x509::AlgorithmIdentifier;

use crate::error::{CryptoError, Result};
use crate::rsa::RsaPublicKey;

/// An RSASSA-PKCS1-v1_5 signature algorithm, by digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RsaSignatureAlgorithm {
    /// `sha1WithRSAEncryption` (1.2.840.113549.1.1.5). Accepted only where the signature
    /// proves possession of a key (CSRs), never for certificates.
    RsaPkcs1Sha1,
    /// `sha256WithRSAEncryption` (1.2.840.113549.1.1.11).
    RsaPkcs1Sha256,
    /// `sha384WithRSAEncryption` (1.2.840.113549.1.1.12).
    RsaPkcs1Sha384,
    /// `sha512WithRSAEncryption` (1.2.840.113549.1.1.13).
    RsaPkcs1Sha512,
}

impl RsaSignatureAlgorithm {
    /// The algorithm named by a dotted OID, if it is one of the four above.
    pub fn from_oid(oid: &str) -> Option<Self> {
        Some(match oid {
            "1.2.840.113549.1.1.5" => Self::RsaPkcs1Sha1,
            "1.2.840.113549.1.1.11" => Self::RsaPkcs1Sha256,
            "1.2.840.113549.1.1.12" => Self::RsaPkcs1Sha384,
            "1.2.840.113549.1.1.13" => Self::RsaPkcs1Sha512,
            _ => return None,
        })
    }

    /// The dotted OID.
    pub fn oid(self) -> &'static str {
        match self {
            Self::RsaPkcs1Sha1 => "1.2.840.113549.1.1.5",
            Self::RsaPkcs1Sha256 => "1.2.840.113549.1.1.11",
            Self::RsaPkcs1Sha384 => "1.2.840.113549.1.1.12",
            Self::RsaPkcs1Sha512 => "1.2.840.113549.1.1.13",
        }
    }

    /// The name OpenSSL prints, e.g. `sha256WithRSAEncryption`.
    pub fn name(self) -> &'static str {
        match self {
            Self::RsaPkcs1Sha1 => "sha1WithRSAEncryption",
            Self::RsaPkcs1Sha256 => "sha256WithRSAEncryption",
            Self::RsaPkcs1Sha384 => "sha384WithRSAEncryption",
            Self::RsaPkcs1Sha512 => "sha512WithRSAEncryption",
        }
    }

    fn parameters(self) -> &'static RsaParameters {
        match self {
            Self::RsaPkcs1Sha1 => &signature::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY,
            Self::RsaPkcs1Sha256 => &signature::RSA_PKCS1_2048_8192_SHA256,
            Self::RsaPkcs1Sha384 => &signature::RSA_PKCS1_2048_8192_SHA384,
            Self::RsaPkcs1Sha512 => &signature::RSA_PKCS1_2048_8192_SHA512,
        }
    }

    /// Verifies `sig` over `msg` with `key`.
    pub fn verify(self, key: &RsaPublicKey, msg: &[u8], sig: &[u8]) -> Result<()> {
        PublicKeyComponents {
            n: key.modulus(),
            e: key.exponent(),
        }
        .verify(self.parameters(), msg, sig)
        .map_err(|_| CryptoError::BadSignature)
    }
}

/// Reads an RSA PKCS#1 v1.5 AlgorithmIdentifier: a known OID whose parameters are NULL
/// or absent (RFC 4055 §5 says NULL; absent is tolerated as many encoders omit it).
pub(crate) fn rsa_algorithm(
    alg: &AlgorithmIdentifier<'_>,
    allow_sha1: bool,
) -> Result<RsaSignatureAlgorithm> {
    let oid = alg.algorithm.to_id_string();
    let found = RsaSignatureAlgorithm::from_oid(&oid)
        .filter(|a| allow_sha1 || *a != RsaSignatureAlgorithm::RsaPkcs1Sha1)
        .ok_or(CryptoError::UnsupportedAlgorithm(oid))?;
    match &alg.parameters {
        None => Ok(found),
        Some(p) if p.header.tag() == Tag::Null && p.data.is_empty() => Ok(found),
        Some(_) => Err(CryptoError::UnsupportedAlgorithm(
            "RSA signature algorithm with parameters".to_owned(),
        )),
    }
}

/// Checks that `der` is exactly `SEQUENCE { signed, AlgorithmIdentifier { alg, NULL or
/// nothing }, BIT STRING signature }` in DER. The outer algorithm identifier and the
/// framing are not covered by the signature; without this check a parser's BER leniency
/// would let one signed object take many byte forms (and many thumbprints).
pub(crate) fn require_canonical_outer(
    der: &[u8],
    signed: &[u8],
    alg: RsaSignatureAlgorithm,
    signature: &[u8],
) -> Result<()> {
    let arcs: Vec<u64> = alg
        .oid()
        .split('.')
        .map(|arc| arc.parse().unwrap_or(0))
        .collect();
    let oid = crate::der::oid(&arcs)?;
    let sig = crate::der::bit_string(signature);
    for alg_der in [
        crate::der::sequence(&[&oid, &crate::der::null()]),
        crate::der::sequence(&[&oid]),
    ] {
        if crate::der::sequence(&[signed, &alg_der, &sig]) == der {
            return Ok(());
        }
    }
    Err(CryptoError::InvalidCertificate(
        "not DER: unexpected encoding around the signed data".to_owned(),
    ))
}

/// Parses a DER certificate, refusing trailing bytes.
pub(crate) fn parse_certificate(der: &[u8]) -> Result<X509Certificate<'_>> {
    let (rest, cert) =
        parse_x509_certificate(der).map_err(|e| CryptoError::InvalidCertificate(e.to_string()))?;
    if !rest.is_empty() {
        return Err(CryptoError::InvalidCertificate(
            "trailing data after certificate".to_owned(),
        ));
    }
    Ok(cert)
}

/// Checks the signature of `cert` (parsed from `der`) with `issuer_key`: the outer and
/// inner algorithm identifiers must agree (RFC 5280 §4.1.1.2), the algorithm must be RSA
/// PKCS#1 v1.5 with SHA-256/384/512, the unsigned outer layer must be DER, and the
/// signature must verify over the TBSCertificate.
pub(crate) fn verify_parsed_signature(
    der: &[u8],
    cert: &X509Certificate<'_>,
    issuer_key: &RsaPublicKey,
) -> Result<()> {
    if cert.signature_algorithm != cert.tbs_certificate.signature {
        return Err(CryptoError::InvalidCertificate(
            "signatureAlgorithm differs from the TBSCertificate's signature field".to_owned(),
        ));
    }
    let alg = rsa_algorithm(&cert.signature_algorithm, false)?;
    if cert.signature_value.unused_bits != 0 {
        return Err(CryptoError::BadSignature);
    }
    require_canonical_outer(
        der,
        cert.tbs_certificate.as_ref(),
        alg,
        &cert.signature_value.data,
    )?;
    alg.verify(
        issuer_key,
        cert.tbs_certificate.as_ref(),
        &cert.signature_value.data,
    )
}

/// Verifies a DER certificate's signature with the issuer's RSA public key. Says nothing
/// about names, validity or extensions.
pub fn verify_certificate_signature(cert_der: &[u8], issuer_key: &RsaPublicKey) -> Result<()> {
    let cert = parse_certificate(cert_der)?;
    verify_parsed_signature(cert_der, &cert, issuer_key)
}

/// Whether `now` lies within `[not_before, not_after]` (both ends inclusive, RFC 5280
/// §4.1.2.5).
pub fn check_validity(
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
    now: OffsetDateTime,
) -> Result<()> {
    if now < not_before {
        return Err(CryptoError::CertificateNotYetValid);
    }
    if now > not_after {
        return Err(CryptoError::CertificateExpired);
    }
    Ok(())
}

/// Verifies a DER certificate's signature with `issuer_key` and that it is valid at `now`.
pub fn verify_certificate(
    cert_der: &[u8],
    issuer_key: &RsaPublicKey,
    now: OffsetDateTime,
) -> Result<()> {
    let cert = parse_certificate(cert_der)?;
    verify_parsed_signature(cert_der, &cert, issuer_key)?;
    let validity = cert.validity();
    check_validity(
        validity.not_before.to_datetime(),
        validity.not_after.to_datetime(),
        now,
    )
}

#[cfg(test)]
mod tests {
    use time::Duration;

    use super::*;

    #[test]
    fn oids_round_trip() {
        for alg in [
            RsaSignatureAlgorithm::RsaPkcs1Sha1,
            RsaSignatureAlgorithm::RsaPkcs1Sha256,
            RsaSignatureAlgorithm::RsaPkcs1Sha384,
            RsaSignatureAlgorithm::RsaPkcs1Sha512,
        ] {
            assert_eq!(RsaSignatureAlgorithm::from_oid(alg.oid()), Some(alg));
            assert!(alg.name().ends_with("WithRSAEncryption"));
        }
        assert_eq!(RsaSignatureAlgorithm::from_oid("1.2.840.10045.4.3.2"), None);
    }

    #[test]
    fn validity_bounds_are_inclusive() {
        let start = OffsetDateTime::UNIX_EPOCH;
        let end = start + Duration::days(1);
        assert!(check_validity(start, end, start).is_ok());
        assert!(check_validity(start, end, end).is_ok());
        assert!(matches!(
            check_validity(start, end, start - Duration::seconds(1)),
            Err(CryptoError::CertificateNotYetValid)
        ));
        assert!(matches!(
            check_validity(start, end, end + Duration::seconds(1)),
            Err(CryptoError::CertificateExpired)
        ));
    }

    #[test]
    fn garbage_is_not_a_certificate() {
        let key = crate::rsa::tests::test_key().public_key();
        for input in [
            &b""[..],
            b"\x30",
            b"\x30\x00",
            b"\x30\x80\x00\x00",
            &[0xff; 64],
        ] {
            assert!(verify_certificate_signature(input, &key).is_err());
        }
    }
}
