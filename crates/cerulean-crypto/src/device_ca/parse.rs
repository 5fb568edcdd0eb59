//! Reading a device certificate back: the device id from the subject CN (cross-checked
//! with …284.2), the tenant, user and join type from the private extensions, and a check
//! against the [`DeviceCa`] that should have issued it.
//!
//! Used to authenticate devices by their TLS client certificate (DELETE/PUT of
//! `/EnrollmentServer/device/{id}`) and by the `x5c` of device-signed JWTs (PRT
//! requests). Parsing is strict: the subject must be exactly `CN=<GUID>`, a private
//! extension that is present must be well formed, and a CA certificate is refused.

use time::OffsetDateTime;
use uuid::Uuid;
use x509_parser::certificate::X509Certificate;

use super::ca::DeviceCa;
use super::guid::ms_bytes_to_uuid;
use super::ms_ext::{decode_ms_guid, decode_ms_text};
use super::{
    OID_MS_DEVICE_ID, OID_MS_JOIN_TYPE, OID_MS_TENANT_ID, OID_MS_TENANT_REGION,
    OID_MS_USER_OBJECT_ID,
};
use crate::error::{CryptoError, Result};
use crate::pki::sha1_thumbprint_hex;
use crate::rsa::RsaPublicKey;
use crate::x509_verify::{check_validity, parse_certificate, verify_parsed_signature};

/// Largest DER device certificate accepted (Entra's are about 1.2 KiB).
pub const MAX_DEVICE_CERT_LEN: usize = 16 * 1024;

/// The join type recorded in extension …284.7.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CertificateJoinType {
    /// `"1"`: Entra joined.
    Joined,
    /// `"0"`: Entra registered (workplace join).
    Registered,
}

/// What a device certificate says about its device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceCertificateInfo {
    /// The device id: the subject CN, equal to …284.2 when that is present.
    pub device_id: Uuid,
    /// …284.5, if present.
    pub tenant_id: Option<Uuid>,
    /// …284.3, if present.
    pub user_object_id: Option<Uuid>,
    /// …284.7, if present.
    pub join_type: Option<CertificateJoinType>,
    /// …284.8, if present.
    pub region: Option<String>,
    /// Issuer DN as text, e.g. `DC=net+DC=windows+CN=MS-Organization-Access+OU=82dbaca4-…`.
    pub issuer_dn: String,
    /// Subject DN as text (`CN=<device id>`).
    pub subject_dn: String,
    /// Serial number, lower-case hex.
    pub serial_hex: String,
    /// Start of validity.
    pub not_before: OffsetDateTime,
    /// End of validity.
    pub not_after: OffsetDateTime,
    /// The device key's SubjectPublicKeyInfo, DER, as found in the certificate.
    pub spki_der: Vec<u8>,
    /// Upper-case hex SHA-1 of the DER certificate.
    pub sha1_thumbprint: String,
    der: Vec<u8>,
}

/// Parses a DER device certificate. Checks structure, not trust: call
/// [`DeviceCertificateInfo::verify_issued_by`] (or use
/// [`DeviceCa::verify_device_certificate`]) before believing it.
pub fn parse_device_certificate(der: &[u8]) -> Result<DeviceCertificateInfo> {
    if der.len() > MAX_DEVICE_CERT_LEN {
        return Err(CryptoError::InvalidCertificate(format!(
            "certificate is larger than {MAX_DEVICE_CERT_LEN} bytes"
        )));
    }
    let cert = parse_certificate(der)?;
    if cert.is_ca() {
        return Err(CryptoError::InvalidCertificate(
            "a CA certificate is not a device certificate".to_owned(),
        ));
    }
    let device_id = subject_device_id(&cert)?;

    let mut tenant_id = None;
    let mut user_object_id = None;
    let mut join_type = None;
    let mut region = None;
    for ext in cert.extensions() {
        match ext.oid.to_id_string().as_str() {
            OID_MS_DEVICE_ID => check_device_id_extension(ext.value, device_id)?,
            OID_MS_TENANT_ID => tenant_id = Some(ms_bytes_to_uuid(&decode_ms_guid(ext.value)?)),
            OID_MS_USER_OBJECT_ID => {
                user_object_id = Some(ms_bytes_to_uuid(&decode_ms_guid(ext.value)?));
            }
            OID_MS_JOIN_TYPE => {
                join_type = Some(match decode_ms_text(ext.value)? {
                    "1" => CertificateJoinType::Joined,
                    "0" => CertificateJoinType::Registered,
                    _ => {
                        return Err(CryptoError::InvalidCertificate(
                            "join type extension is neither \"0\" nor \"1\"".to_owned(),
                        ));
                    }
                });
            }
            OID_MS_TENANT_REGION => region = Some(decode_ms_text(ext.value)?.to_owned()),
            _ => {}
        }
    }

    let validity = cert.validity();
    Ok(DeviceCertificateInfo {
        device_id,
        tenant_id,
        user_object_id,
        join_type,
        region,
        issuer_dn: cert.issuer().to_string(),
        subject_dn: cert.subject().to_string(),
        serial_hex: hex::encode(cert.raw_serial()),
        not_before: validity.not_before.to_datetime(),
        not_after: validity.not_after.to_datetime(),
        spki_der: cert.public_key().raw.to_vec(),
        sha1_thumbprint: sha1_thumbprint_hex(der),
        der: der.to_vec(),
    })
}

/// …284.2 must name the same device as the subject CN.
fn check_device_id_extension(value: &[u8], device_id: Uuid) -> Result<()> {
    if ms_bytes_to_uuid(&decode_ms_guid(value)?) == device_id {
        Ok(())
    } else {
        Err(CryptoError::InvalidCertificate(
            "device id extension differs from the subject CN".to_owned(),
        ))
    }
}

/// The subject must be exactly one attribute, a CN holding a GUID.
fn subject_device_id(cert: &X509Certificate<'_>) -> Result<Uuid> {
    let mut attributes = cert.subject().iter_attributes();
    let (Some(attr), None) = (attributes.next(), attributes.next()) else {
        return Err(CryptoError::InvalidCertificate(
            "device certificate subject must be exactly CN=<device id>".to_owned(),
        ));
    };
    if attr.attr_type().to_id_string() != "2.5.4.3" {
        return Err(CryptoError::InvalidCertificate(
            "device certificate subject is not a CN".to_owned(),
        ));
    }
    let cn = attr
        .as_str()
        .map_err(|_| CryptoError::InvalidCertificate("subject CN is not a string".to_owned()))?;
    Uuid::try_parse(cn).map_err(|_| CryptoError::InvalidGuid("subject CN is not a device id"))
}

impl DeviceCertificateInfo {
    /// The DER certificate.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The device's RSA public key.
    pub fn public_key(&self) -> Result<RsaPublicKey> {
        RsaPublicKey::from_spki_der(&self.spki_der)
    }

    /// Whether `now` is inside the validity period.
    pub fn is_valid_at(&self, now: OffsetDateTime) -> bool {
        check_validity(self.not_before, self.not_after, now).is_ok()
    }

    /// Checks that `ca` issued this certificate: the issuer name equals the CA's subject
    /// byte for byte and the signature verifies with the CA's key. Does not look at time.
    pub fn verify_issued_by(&self, ca: &DeviceCa) -> Result<()> {
        let cert = parse_certificate(&self.der)?;
        if cert.issuer().as_raw() != ca.subject_der() {
            return Err(CryptoError::WrongIssuer("issuer name differs"));
        }
        verify_parsed_signature(&self.der, &cert, ca.public_key())
    }

    /// [`verify_issued_by`](Self::verify_issued_by) plus the validity period at `now`.
    pub fn verify_issued_by_at(&self, ca: &DeviceCa, now: OffsetDateTime) -> Result<()> {
        self.verify_issued_by(ca)?;
        check_validity(self.not_before, self.not_after, now)
    }
}
