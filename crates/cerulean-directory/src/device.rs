//! Devices registered in a tenant (Entra joined or registered) and the Windows Hello for
//! Business keys their users provision.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::ids::{ClientId, DeviceId, DeviceObjectId, HelloKeyId, TenantId, UserId};

/// How the device trusts the directory (Graph's `trustType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum TrustType {
    /// Entra joined (DRS `JoinType` 0): the device's identity is the organization's.
    AzureAd,
    /// Entra registered, "workplace join" (DRS `JoinType` 4): a personal device with a
    /// work account added.
    Workplace,
}

impl TrustType {
    /// Graph's string (`AzureAd`, `Workplace`); also how the store keeps it.
    pub fn as_str(&self) -> &'static str {
        match self {
            TrustType::AzureAd => "AzureAd",
            TrustType::Workplace => "Workplace",
        }
    }

    /// Parses Graph's string, case-insensitively (as `$filter` compares it).
    pub fn parse(s: &str) -> Option<TrustType> {
        [TrustType::AzureAd, TrustType::Workplace]
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(s.trim()))
    }

    /// The verb audit events use: `device.join` or `device.register`.
    pub fn audit_action(&self) -> &'static str {
        match self {
            TrustType::AzureAd => "device.join",
            TrustType::Workplace => "device.register",
        }
    }
}

impl std::fmt::Display for TrustType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Device management state (Graph's `isManaged`, `isCompliant`, `mdmAppId`). Set by the
/// MDM service once the device enrolls; unmanaged and not compliant until then.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MdmState {
    pub managed: bool,
    pub compliant: bool,
    pub mdm_app_id: Option<ClientId>,
}

/// A device object.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    pub object_id: DeviceObjectId,
    /// The certificate's subject CN; fresh from Cerulean, never taken from the client.
    pub device_id: DeviceId,
    pub tenant_id: TenantId,
    pub display_name: String,
    pub trust_type: TrustType,
    /// `Windows`, `Linux`, `MacOS`, `Android`, … as the device reported it.
    pub operating_system: String,
    pub operating_system_version: String,
    /// The user who joined or registered it (`registeredOwners`); `None` once that user
    /// is deleted.
    pub owner_user_id: Option<UserId>,
    #[serde(with = "time::serde::rfc3339")]
    pub registered_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub approximate_last_sign_in: Option<OffsetDateTime>,
    /// Graph's `accountEnabled`; a disabled device gets no tokens.
    pub enabled: bool,
    /// Upper-case hex SHA-1 of `cert_der` (the join response's `Thumbprint`).
    pub cert_thumbprint: String,
    /// The device certificate issued at registration (returned again on a retried join).
    #[serde(with = "crate::serde_b64")]
    pub cert_der: Vec<u8>,
    /// DER SubjectPublicKeyInfo of the certificate's key: matches TLS client certificates
    /// and verifies PRT request signatures.
    #[serde(with = "crate::serde_b64")]
    pub cert_public_key_spki: Vec<u8>,
    /// DER SubjectPublicKeyInfo of the transport key (encrypts PRT session keys).
    #[serde(with = "crate::serde_b64")]
    pub transport_key_spki: Vec<u8>,
    /// The DRS's hash of the registration request that created (or last re-keyed) this
    /// device: an identical retried request finds this device instead of creating one.
    pub registration_fingerprint: Option<String>,
    pub mdm: MdmState,
    /// Optimistic-concurrency version, as for users.
    pub version: i64,
}

/// Byte strings shown by length: certificates and keys drown everything else.
struct Bytes<'a>(&'a [u8]);

impl std::fmt::Debug for Bytes<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "<{} bytes>", self.0.len())
    }
}

impl std::fmt::Debug for Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Device")
            .field("object_id", &self.object_id)
            .field("device_id", &self.device_id)
            .field("tenant_id", &self.tenant_id)
            .field("display_name", &self.display_name)
            .field("trust_type", &self.trust_type)
            .field("operating_system", &self.operating_system)
            .field("operating_system_version", &self.operating_system_version)
            .field("owner_user_id", &self.owner_user_id)
            .field("registered_at", &self.registered_at)
            .field("approximate_last_sign_in", &self.approximate_last_sign_in)
            .field("enabled", &self.enabled)
            .field("cert_thumbprint", &self.cert_thumbprint)
            .field("cert_der", &Bytes(&self.cert_der))
            .field("cert_public_key_spki", &Bytes(&self.cert_public_key_spki))
            .field("transport_key_spki", &Bytes(&self.transport_key_spki))
            .field("registration_fingerprint", &self.registration_fingerprint)
            .field("mdm", &self.mdm)
            .field("version", &self.version)
            .finish()
    }
}

impl Device {
    /// The time of the last sign-in, or of registration if it never signed in: what
    /// stale-device clean-up compares.
    pub fn last_activity(&self) -> OffsetDateTime {
        self.approximate_last_sign_in.unwrap_or(self.registered_at)
    }
}

/// A Windows Hello for Business key ([MS-KPP] `kngc`), provisioned by a user on a device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HelloKey {
    /// The `kid` the key registration returns.
    pub key_id: HelloKeyId,
    pub tenant_id: TenantId,
    pub user_id: UserId,
    /// The device it was provisioned on (object id and device id).
    pub device: DeviceObjectId,
    pub device_id: DeviceId,
    /// The `BCRYPT_RSAKEY_BLOB` public key exactly as the client sent it.
    #[serde(with = "crate::serde_b64")]
    pub key_blob: Vec<u8>,
    /// Standard base64 of SHA-256 of `key_blob`: the `kid` PRT requests signed with this
    /// key carry (PROTOCOLS.md §5.8); unique per tenant.
    pub key_hash: String,
    /// The same key as DER SubjectPublicKeyInfo, for verifying signatures.
    #[serde(with = "crate::serde_b64")]
    pub public_key_spki: Vec<u8>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// `HelloKey::key_hash` of a blob.
pub fn hello_key_hash(key_blob: &[u8]) -> String {
    use sha2::Digest;
    cerulean_crypto::b64::b64_std_encode(&sha2::Sha256::digest(key_blob))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trust_types_use_graph_strings() {
        assert_eq!(
            serde_json::to_string(&TrustType::AzureAd).unwrap(),
            "\"AzureAd\""
        );
        assert_eq!(
            serde_json::from_str::<TrustType>("\"Workplace\"").unwrap(),
            TrustType::Workplace
        );
        assert_eq!(TrustType::parse("azuread"), Some(TrustType::AzureAd));
        assert_eq!(TrustType::parse("ServerAd"), None);
    }

    #[test]
    fn key_hash_is_base64_sha256() {
        assert_eq!(
            hello_key_hash(b"abc"),
            "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="
        );
    }
}
