//! Primary Refresh Tokens ([MS-OAPXBC]): what the authority keeps about each PRT it
//! issued. The PRT itself is a random secret stored only as its SHA-256 hash; the session
//! key bound to it is stored sealed (AES-256-GCM under a server secret, by the server),
//! so a database leak yields neither a usable PRT nor its session key.

use std::fmt;

use time::OffsetDateTime;

use crate::ids::{DeviceObjectId, TenantId, UserId};

/// The session key of a PRT as stored: `nonce (12) ‖ ciphertext ‖ tag (16)` of an
/// AES-256-GCM encryption under the server's wrap key. Opaque to the store; its `Debug`
/// shows the length only.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedSessionKey(pub Vec<u8>);

impl fmt::Debug for SealedSessionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SealedSessionKey({} bytes)", self.0.len())
    }
}

/// One issued PRT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrimaryRefreshToken {
    /// SHA-256 (hex) of the PRT's bytes.
    pub token_hash: String,
    pub tenant_id: TenantId,
    pub user_id: UserId,
    /// The device whose key signed the request (the PRT is bound to it).
    pub device_object_id: DeviceObjectId,
    pub sealed_session_key: SealedSessionKey,
    /// How the user authenticated (`pwd`, `ngcmfa`, …).
    pub amr: Vec<String>,
    pub auth_time: OffsetDateTime,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub revoked: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_sealed_key() {
        let key = SealedSessionKey(vec![0xAB; 60]);
        assert_eq!(format!("{key:?}"), "SealedSessionKey(60 bytes)");
    }
}
