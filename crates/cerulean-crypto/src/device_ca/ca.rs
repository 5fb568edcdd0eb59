//! [`DeviceCa`]: a tenant's device CA, and the device certificates it issues.
//!
//! CA certificate: self-signed, subject = issuer = Entra's multi-valued
//! `DC=net + DC=windows + CN=MS-Organization-Access + OU=82dbaca4-…` RDN, RSA key,
//! basicConstraints critical `CA:TRUE, pathlen:0`, keyUsage critical
//! `keyCertSign, cRLSign`, a subjectKeyIdentifier, and the tenant id in a non-critical
//! …284.5 extension so that a CA loaded from PEM still knows its tenant.
//!
//! Device certificate (PROTOCOLS.md §4.6): v3, 128-bit random serial,
//! sha256WithRSAEncryption, subject exactly one RDN `CN=<device id, lower-case>`,
//! basicConstraints critical `CA:FALSE`, extendedKeyUsage critical `clientAuth`, subject
//! and authority key identifiers, and the non-critical private extensions …284.2 (device
//! id), …284.3 (user object id), …284.5 (tenant id), …284.7 (join type) and, when given,
//! …284.8 (region), written as Entra writes them (`04 81 <len> <value>`).

use std::fmt;

use time::{Duration, OffsetDateTime};
use uuid::Uuid;
use x509_parser::extensions::ParsedExtension;
use x509_parser::oid_registry::OID_X509_EXT_SUBJECT_KEY_IDENTIFIER;

use super::builder::{self, Tbs};
use super::guid::uuid_to_ms_bytes;
use super::ms_ext::{decode_ms_guid, encode_ms_value};
use super::parse::{DeviceCertificateInfo, parse_device_certificate};
use super::{OID_MS_TENANT_ID, arcs};
use crate::error::{CryptoError, Result};
use crate::pem::encode_pem;
use crate::pki::{certificate_der_from_pem, sha1_thumbprint_hex};
use crate::rsa::{RsaPrivateKey, RsaPublicKey};
use crate::secret::SecretString;
use crate::x509_verify::{parse_certificate, verify_parsed_signature};

/// The CN of Entra's device-certificate issuer.
pub const MS_ORGANIZATION_ACCESS_CN: &str = "MS-Organization-Access";
/// The OU of Entra's device-certificate issuer (the same in every tenant). MSAL's
/// PKeyAuth and other device-certificate finders match on this CN and OU.
pub const MS_ORGANIZATION_ACCESS_OU: &str = "82dbaca4-3e81-46ca-9c73-0950c1eaca97";
/// RSA modulus size of a generated device CA key.
pub const DEVICE_CA_KEY_BITS: usize = 2048;
/// Lifetime of a generated device CA: 20 years, so that the ten-year device
/// certificates issued in its first decade are not cut short.
pub const DEVICE_CA_VALIDITY_DAYS: u32 = 7305;
/// Lifetime of a device certificate, as Entra issues them (about ten years).
pub const DEVICE_CERT_VALIDITY_DAYS: u32 = 3650;

/// The CA's certificate starts this long before "now", for clients with a slow clock.
const CA_BACKDATE: Duration = Duration::minutes(5);

/// What goes into one device certificate.
#[derive(Debug, Clone, Copy)]
pub struct DeviceCertParams<'a> {
    /// The device id: subject CN and extension …284.2.
    pub device_id: Uuid,
    /// The tenant: extension …284.5.
    pub tenant_id: Uuid,
    /// The user who joined or registered the device: extension …284.3.
    pub user_object_id: Uuid,
    /// `true` for an Entra-joined device (…284.7 = "1"), `false` for a registered one
    /// ("0").
    pub join_type_joined: bool,
    /// Tenant region for …284.8 (`NA`, `EU`, …; 1–16 ASCII letters, digits or `-`);
    /// `None` leaves the extension out.
    pub region: Option<&'a str>,
    /// The device key, from the verified CSR.
    pub public_key: &'a RsaPublicKey,
    /// Start of validity, used as given (pass "now", or a little earlier to allow for
    /// clock skew).
    pub not_before: OffsetDateTime,
    /// Lifetime in days ([`DEVICE_CERT_VALIDITY_DAYS`] as Entra); the certificate never
    /// outlives the CA.
    pub validity_days: u32,
}

/// An issued device certificate.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedDeviceCertificate {
    /// DER (for `Certificate.RawBody`, standard base64).
    pub der: Vec<u8>,
    /// PEM `CERTIFICATE`.
    pub pem: String,
    /// Upper-case hex SHA-1 of the DER (`Certificate.Thumbprint`).
    pub sha1_thumbprint_upper_hex: String,
    /// Serial number, lower-case hex.
    pub serial_hex: String,
    /// Start of validity.
    pub not_before: OffsetDateTime,
    /// End of validity.
    pub not_after: OffsetDateTime,
}

impl fmt::Debug for IssuedDeviceCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedDeviceCertificate")
            .field("sha1_thumbprint", &self.sha1_thumbprint_upper_hex)
            .field("serial_hex", &self.serial_hex)
            .field("not_after", &self.not_after)
            .finish_non_exhaustive()
    }
}

/// A tenant's device CA: its certificate and RSA private key.
pub struct DeviceCa {
    cert_der: Vec<u8>,
    cert_pem: String,
    key: RsaPrivateKey,
    key_pem: SecretString,
    public_key: RsaPublicKey,
    subject_der: Vec<u8>,
    key_id: Vec<u8>,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
    tenant_id: Option<Uuid>,
}

/// Names the CA, never the key.
impl fmt::Debug for DeviceCa {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceCa")
            .field("tenant_id", &self.tenant_id)
            .field("sha1_thumbprint", &sha1_thumbprint_hex(&self.cert_der))
            .field("not_after", &self.not_after)
            .finish_non_exhaustive()
    }
}

impl DeviceCa {
    /// Creates a device CA for `tenant_id` with a new RSA-2048 key, valid from five
    /// minutes before `now` for [`DEVICE_CA_VALIDITY_DAYS`].
    pub fn generate(tenant_id: Uuid, now: OffsetDateTime) -> Result<Self> {
        Self::generate_with(tenant_id, now, DEVICE_CA_KEY_BITS, DEVICE_CA_VALIDITY_DAYS)
    }

    /// As [`generate`](Self::generate) with the key size (2048, 3072 or 4096) and the
    /// lifetime chosen by the caller.
    pub fn generate_with(
        tenant_id: Uuid,
        now: OffsetDateTime,
        key_bits: usize,
        validity_days: u32,
    ) -> Result<Self> {
        if validity_days == 0 {
            return Err(CryptoError::InvalidCertificate(
                "a CA needs a validity of at least one day".to_owned(),
            ));
        }
        let key = RsaPrivateKey::generate(key_bits)?;
        let public_key = key.public_key();
        let key_id = builder::key_identifier(&public_key);
        let name = builder::ms_organization_access_name(
            MS_ORGANIZATION_ACCESS_CN,
            MS_ORGANIZATION_ACCESS_OU,
        )?;
        let serial = builder::random_serial()?;
        let extensions = [
            builder::basic_constraints(true)?,
            builder::key_usage(&[5, 6])?,
            builder::subject_key_identifier(&key_id)?,
            builder::extension(
                arcs::MS_TENANT_ID,
                false,
                &encode_ms_value(&uuid_to_ms_bytes(&tenant_id)),
            )?,
        ];
        let cert_der = builder::sign(
            &Tbs {
                serial: &serial,
                issuer: &name,
                not_before: now - CA_BACKDATE,
                not_after: now + Duration::days(i64::from(validity_days)),
                subject: &name,
                spki: public_key.spki_der(),
                extensions: &extensions,
            },
            &key,
        )?;
        Self::assemble(cert_der, key)
    }

    /// Loads a CA from its PEM certificate and PEM PKCS#8 RSA private key, checking that
    /// the certificate is a CA certificate with an RSA key of at least 2048 bits, that the
    /// private key belongs to it and, when it is self-issued, that its self-signature
    /// verifies.
    pub fn from_pem(cert_pem: &str, key_pem: &str) -> Result<Self> {
        let cert_der = certificate_der_from_pem(cert_pem)?;
        let key = RsaPrivateKey::from_pkcs8_pem(key_pem)?;
        Self::assemble(cert_der, key)
    }

    fn assemble(cert_der: Vec<u8>, key: RsaPrivateKey) -> Result<Self> {
        let cert = parse_certificate(&cert_der)?;
        if !cert.is_ca() {
            return Err(CryptoError::InvalidCertificate(
                "device CA certificate lacks basicConstraints CA:TRUE".to_owned(),
            ));
        }
        let public_key = RsaPublicKey::from_spki_der(cert.public_key().raw)?;
        if public_key != key.public_key() {
            return Err(CryptoError::InvalidKey(
                "private key does not match the device CA certificate",
            ));
        }
        let subject_der = cert.subject().as_raw().to_vec();
        if subject_der == cert.issuer().as_raw() {
            verify_parsed_signature(&cert_der, &cert, &public_key)?;
        }
        let key_id = match cert
            .get_extension_unique(&OID_X509_EXT_SUBJECT_KEY_IDENTIFIER)
            .map_err(|e| CryptoError::InvalidCertificate(e.to_string()))?
            .map(|ext| ext.parsed_extension())
        {
            Some(ParsedExtension::SubjectKeyIdentifier(kid)) => kid.0.to_vec(),
            _ => builder::key_identifier(&public_key).to_vec(),
        };
        let tenant_id = cert
            .extensions()
            .iter()
            .find(|ext| ext.oid.to_id_string() == OID_MS_TENANT_ID)
            .map(|ext| decode_ms_guid(ext.value).map(Uuid::from_bytes_le))
            .transpose()?;
        let validity = cert.validity();
        let (not_before, not_after) = (
            validity.not_before.to_datetime(),
            validity.not_after.to_datetime(),
        );
        let key_pem = key.to_pkcs8_pem()?;
        Ok(Self {
            cert_pem: encode_pem("CERTIFICATE", &cert_der),
            cert_der,
            key,
            key_pem,
            public_key,
            subject_der,
            key_id,
            not_before,
            not_after,
            tenant_id,
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
        self.key_pem.clone()
    }

    /// The CA's public key (what device certificates are verified with).
    pub fn public_key(&self) -> &RsaPublicKey {
        &self.public_key
    }

    /// The DER `Name` of the CA's subject: the issuer of every certificate it issues.
    pub fn subject_der(&self) -> &[u8] {
        &self.subject_der
    }

    /// The tenant recorded in the CA certificate's …284.5 extension, if it has one.
    pub fn tenant_id(&self) -> Option<Uuid> {
        self.tenant_id
    }

    /// Start of the CA's validity.
    pub fn not_before(&self) -> OffsetDateTime {
        self.not_before
    }

    /// End of the CA's validity; issued certificates never outlive it.
    pub fn not_after(&self) -> OffsetDateTime {
        self.not_after
    }

    /// Upper-case hex SHA-1 of the CA certificate.
    pub fn sha1_thumbprint(&self) -> String {
        sha1_thumbprint_hex(&self.cert_der)
    }

    /// Issues a device certificate (profile in the module documentation). One RSA
    /// signature.
    pub fn issue_device_certificate(
        &self,
        params: DeviceCertParams<'_>,
    ) -> Result<IssuedDeviceCertificate> {
        if params.validity_days == 0 {
            return Err(CryptoError::InvalidCertificate(
                "a device certificate needs a validity of at least one day".to_owned(),
            ));
        }
        let not_before = params.not_before;
        let not_after =
            (not_before + Duration::days(i64::from(params.validity_days))).min(self.not_after);
        if not_after <= not_before {
            return Err(CryptoError::InvalidCertificate(
                "the device CA expires before the certificate would start".to_owned(),
            ));
        }
        let device_id = params.device_id.hyphenated().to_string();
        let subject = builder::common_name_only(&device_id)?;
        let subject_key_id = builder::key_identifier(params.public_key);
        let join_type: &[u8] = if params.join_type_joined { b"1" } else { b"0" };

        let mut extensions = vec![
            builder::basic_constraints(false)?,
            builder::client_auth_eku()?,
            builder::subject_key_identifier(&subject_key_id)?,
            builder::authority_key_identifier(&self.key_id)?,
            builder::extension(
                arcs::MS_DEVICE_ID,
                false,
                &encode_ms_value(&uuid_to_ms_bytes(&params.device_id)),
            )?,
            builder::extension(
                arcs::MS_USER_OBJECT_ID,
                false,
                &encode_ms_value(&uuid_to_ms_bytes(&params.user_object_id)),
            )?,
            builder::extension(
                arcs::MS_TENANT_ID,
                false,
                &encode_ms_value(&uuid_to_ms_bytes(&params.tenant_id)),
            )?,
            builder::extension(arcs::MS_JOIN_TYPE, false, &encode_ms_value(join_type))?,
        ];
        if let Some(region) = params.region {
            if region.is_empty()
                || region.len() > 16
                || !region
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            {
                return Err(CryptoError::InvalidCertificate(
                    "region must be 1-16 ASCII letters, digits or '-'".to_owned(),
                ));
            }
            extensions.push(builder::extension(
                arcs::MS_TENANT_REGION,
                false,
                &encode_ms_value(region.as_bytes()),
            )?);
        }

        let serial = builder::random_serial()?;
        let der = builder::sign(
            &Tbs {
                serial: &serial,
                issuer: &self.subject_der,
                not_before,
                not_after,
                subject: &subject,
                spki: params.public_key.spki_der(),
                extensions: &extensions,
            },
            &self.key,
        )?;
        Ok(IssuedDeviceCertificate {
            pem: encode_pem("CERTIFICATE", &der),
            sha1_thumbprint_upper_hex: sha1_thumbprint_hex(&der),
            serial_hex: hex::encode(serial),
            not_before,
            not_after,
            der,
        })
    }

    /// Parses a device certificate, checks that this CA issued it (issuer name and
    /// signature) and that it is valid at `now`: what authenticating a device by its TLS
    /// client certificate or `x5c` needs. Revocation (a deleted or disabled device) is
    /// the caller's business.
    pub fn verify_device_certificate(
        &self,
        der: &[u8],
        now: OffsetDateTime,
    ) -> Result<DeviceCertificateInfo> {
        let info = parse_device_certificate(der)?;
        info.verify_issued_by_at(self, now)?;
        Ok(info)
    }
}
