//! The per-tenant device CA and the device certificates it issues (PROTOCOLS.md §4.6).
//!
//! Entra's device certificates are RSA-signed by an issuer whose name is one multi-valued
//! RDN, `DC=net + DC=windows + CN=MS-Organization-Access + OU=82dbaca4-…`; clients find the
//! certificate by that issuer (MSAL's PKeyAuth) or by the …284.2 extension (dsreg), and
//! take the device id from the subject, `CN=<device id>`. Cerulean's device CA uses the
//! same name for its own (self-signed) certificate, so every certificate it issues has
//! exactly Entra's issuer.
//!
//! * [`ca`]: [`DeviceCa`]: generate, load, issue.
//! * [`parse`]: [`parse_device_certificate`]: read a device certificate back (TLS client
//!   certificates, `x5c` of device-signed JWTs) and check it against a CA.
//! * [`guid`]: GUIDs in Microsoft byte order.
//! * [`ms_ext`]: the encodings of the private 1.2.840.113556.1.5.284.x extensions.
//!
//! The certificates are encoded by hand (see [`crate::der`] for why rcgen is not used).

mod builder;
pub mod ca;
pub mod guid;
pub mod ms_ext;
pub mod parse;

pub use ca::{
    DEVICE_CA_KEY_BITS, DEVICE_CA_VALIDITY_DAYS, DEVICE_CERT_VALIDITY_DAYS, DeviceCa,
    DeviceCertParams, IssuedDeviceCertificate, MS_ORGANIZATION_ACCESS_CN,
    MS_ORGANIZATION_ACCESS_OU,
};
pub use guid::{guid_to_ms_bytes, ms_bytes_to_guid, ms_bytes_to_uuid, uuid_to_ms_bytes};
pub use parse::{
    CertificateJoinType, DeviceCertificateInfo, MAX_DEVICE_CERT_LEN, parse_device_certificate,
};

/// 1.2.840.113556.1.5.284.1: invocation id of the issuing directory server (AD FS only).
pub const OID_MS_DS_INVOCATION_ID: &str = "1.2.840.113556.1.5.284.1";
/// 1.2.840.113556.1.5.284.2: the device id (same GUID as the subject CN).
pub const OID_MS_DEVICE_ID: &str = "1.2.840.113556.1.5.284.2";
/// 1.2.840.113556.1.5.284.3: object id of the user who joined or registered the device.
pub const OID_MS_USER_OBJECT_ID: &str = "1.2.840.113556.1.5.284.3";
/// 1.2.840.113556.1.5.284.4: on-premises domain object GUID (AD FS only).
pub const OID_MS_DOMAIN_ID: &str = "1.2.840.113556.1.5.284.4";
/// 1.2.840.113556.1.5.284.5: the tenant id.
pub const OID_MS_TENANT_ID: &str = "1.2.840.113556.1.5.284.5";
/// 1.2.840.113556.1.5.284.7: join type, ASCII `"1"` joined / `"0"` registered.
pub const OID_MS_JOIN_TYPE: &str = "1.2.840.113556.1.5.284.7";
/// 1.2.840.113556.1.5.284.8: tenant region, ASCII (`NA`, `EU`, …).
pub const OID_MS_TENANT_REGION: &str = "1.2.840.113556.1.5.284.8";

/// Arcs of the OIDs above, for the encoder.
pub(crate) mod arcs {
    pub(crate) const MS_DEVICE_ID: &[u64] = &[1, 2, 840, 113556, 1, 5, 284, 2];
    pub(crate) const MS_USER_OBJECT_ID: &[u64] = &[1, 2, 840, 113556, 1, 5, 284, 3];
    pub(crate) const MS_TENANT_ID: &[u64] = &[1, 2, 840, 113556, 1, 5, 284, 5];
    pub(crate) const MS_JOIN_TYPE: &[u64] = &[1, 2, 840, 113556, 1, 5, 284, 7];
    pub(crate) const MS_TENANT_REGION: &[u64] = &[1, 2, 840, 113556, 1, 5, 284, 8];

    pub(crate) const SHA256_WITH_RSA: &[u64] = &[1, 2, 840, 113549, 1, 1, 11];
    pub(crate) const COMMON_NAME: &[u64] = &[2, 5, 4, 3];
    pub(crate) const ORGANIZATIONAL_UNIT: &[u64] = &[2, 5, 4, 11];
    pub(crate) const DOMAIN_COMPONENT: &[u64] = &[0, 9, 2342, 19200300, 100, 1, 25];
    pub(crate) const SUBJECT_KEY_IDENTIFIER: &[u64] = &[2, 5, 29, 14];
    pub(crate) const KEY_USAGE: &[u64] = &[2, 5, 29, 15];
    pub(crate) const BASIC_CONSTRAINTS: &[u64] = &[2, 5, 29, 19];
    pub(crate) const AUTHORITY_KEY_IDENTIFIER: &[u64] = &[2, 5, 29, 35];
    pub(crate) const EXTENDED_KEY_USAGE: &[u64] = &[2, 5, 29, 37];
    pub(crate) const CLIENT_AUTH: &[u64] = &[1, 3, 6, 1, 5, 5, 7, 3, 2];
}
