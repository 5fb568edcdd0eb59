//! Assembling and signing the X.509 v3 certificates of the device-certificate profile
//! (RFC 5280 §4.1) with the DER helpers of [`crate::der`].

use time::OffsetDateTime;

use super::arcs;
use crate::der;
use crate::error::Result;
use crate::pki::sha1_digest;
use crate::random::random_bytes;
use crate::rsa::{RsaPrivateKey, RsaPublicKey, pkcs1_der};

/// The fields of a TBSCertificate this profile varies; everything else is fixed
/// (version 3, sha256WithRSAEncryption, no unique ids).
pub(super) struct Tbs<'a> {
    /// Serial number, unsigned big-endian.
    pub serial: &'a [u8],
    /// Issuer `Name`, DER.
    pub issuer: &'a [u8],
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    /// Subject `Name`, DER.
    pub subject: &'a [u8],
    /// SubjectPublicKeyInfo, DER.
    pub spki: &'a [u8],
    /// `Extension` values, DER, in the order they are written.
    pub extensions: &'a [Vec<u8>],
}

/// `AlgorithmIdentifier { sha256WithRSAEncryption, NULL }`.
fn sha256_with_rsa() -> Result<Vec<u8>> {
    Ok(der::sequence(&[
        &der::oid(arcs::SHA256_WITH_RSA)?,
        &der::null(),
    ]))
}

/// Encodes the TBSCertificate, signs it with RSASSA-PKCS1-v1_5/SHA-256 and returns the
/// DER `Certificate`.
pub(super) fn sign(tbs: &Tbs<'_>, key: &RsaPrivateKey) -> Result<Vec<u8>> {
    let alg = sha256_with_rsa()?;
    let validity = der::sequence(&[&der::time(tbs.not_before)?, &der::time(tbs.not_after)?]);
    let extensions = der::explicit(
        3,
        &der::sequence(&tbs.extensions.iter().map(Vec::as_slice).collect::<Vec<_>>()),
    );
    let tbs_der = der::sequence(&[
        &der::explicit(0, &der::unsigned_integer(&[2])),
        &der::unsigned_integer(tbs.serial),
        &alg,
        tbs.issuer,
        &validity,
        tbs.subject,
        tbs.spki,
        &extensions,
    ]);
    let signature = key.sign_rs256(&tbs_der)?;
    Ok(der::sequence(&[
        &tbs_der,
        &alg,
        &der::bit_string(&signature),
    ]))
}

/// `Extension { extnID, critical DEFAULT FALSE, extnValue OCTET STRING }`.
pub(super) fn extension(oid: &[u64], critical: bool, value: &[u8]) -> Result<Vec<u8>> {
    let id = der::oid(oid)?;
    let value = der::octet_string(value);
    Ok(if critical {
        der::sequence(&[&id, &der::boolean(true), &value])
    } else {
        // DER omits a BOOLEAN equal to its DEFAULT.
        der::sequence(&[&id, &value])
    })
}

/// basicConstraints (critical): `cA TRUE, pathLenConstraint 0` for the CA; an empty
/// SEQUENCE (cA defaults to FALSE) for leaves.
pub(super) fn basic_constraints(is_ca: bool) -> Result<Vec<u8>> {
    let value = if is_ca {
        der::sequence(&[&der::boolean(true), &der::unsigned_integer(&[0])])
    } else {
        der::sequence(&[])
    };
    extension(arcs::BASIC_CONSTRAINTS, true, &value)
}

/// keyUsage (critical) with the given bit numbers (RFC 5280 §4.2.1.3).
pub(super) fn key_usage(bits: &[u8]) -> Result<Vec<u8>> {
    extension(arcs::KEY_USAGE, true, &der::named_bits(bits))
}

/// extendedKeyUsage (critical) = clientAuth.
pub(super) fn client_auth_eku() -> Result<Vec<u8>> {
    extension(
        arcs::EXTENDED_KEY_USAGE,
        true,
        &der::sequence(&[&der::oid(arcs::CLIENT_AUTH)?]),
    )
}

/// subjectKeyIdentifier (non-critical).
pub(super) fn subject_key_identifier(key_id: &[u8]) -> Result<Vec<u8>> {
    extension(
        arcs::SUBJECT_KEY_IDENTIFIER,
        false,
        &der::octet_string(key_id),
    )
}

/// authorityKeyIdentifier (non-critical) with `[0] keyIdentifier` only.
pub(super) fn authority_key_identifier(key_id: &[u8]) -> Result<Vec<u8>> {
    extension(
        arcs::AUTHORITY_KEY_IDENTIFIER,
        false,
        &der::sequence(&[&der::tlv(0x80, key_id)]),
    )
}

/// RFC 5280 §4.2.1.2 method (1): SHA-1 of the subjectPublicKey bits (the PKCS#1 key).
pub(super) fn key_identifier(key: &RsaPublicKey) -> [u8; 20] {
    sha1_digest(&pkcs1_der(key))
}

/// 128 random bits as a positive serial that always encodes in 16 bytes.
pub(super) fn random_serial() -> Result<[u8; 16]> {
    let mut serial = random_bytes::<16>()?;
    serial[0] = (serial[0] & 0x7f) | 0x40;
    Ok(serial)
}

/// `Name` with a single RDN holding `CN=<common_name>` (UTF8String).
pub(super) fn common_name_only(common_name: &str) -> Result<Vec<u8>> {
    let atv = der::sequence(&[
        &der::oid(arcs::COMMON_NAME)?,
        &der::utf8_string(common_name),
    ]);
    Ok(der::sequence(&[&der::set_of(vec![atv])]))
}

/// `Name` with one multi-valued RDN:
/// `DC=net + DC=windows + CN=<cn> + OU=<ou>` (DC as IA5String, CN and OU as UTF8String).
pub(super) fn ms_organization_access_name(cn: &str, ou: &str) -> Result<Vec<u8>> {
    let dc = |value: &str| -> Result<Vec<u8>> {
        Ok(der::sequence(&[
            &der::oid(arcs::DOMAIN_COMPONENT)?,
            &der::ia5_string(value)?,
        ]))
    };
    let rdn = der::set_of(vec![
        dc("net")?,
        dc("windows")?,
        der::sequence(&[&der::oid(arcs::COMMON_NAME)?, &der::utf8_string(cn)]),
        der::sequence(&[&der::oid(arcs::ORGANIZATIONAL_UNIT)?, &der::utf8_string(ou)]),
    ]);
    Ok(der::sequence(&[&rdn]))
}
