//! Token-signing keys of a tenant, with rotation and overlap.
//!
//! A key is *active* (signs new tokens) from `activates_at` until `retires_at`; it stays
//! *published* in the JWKS until `expires_at`, which is later than `retires_at` by at least
//! the longest lifetime of a token it signed, so no valid token ever loses its key.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::ids::TenantId;

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SigningKey {
    pub tenant_id: TenantId,
    /// The `kid` published in the JWKS and put in token headers.
    pub kid: String,
    /// PKCS#8 PEM of the RSA private key.
    pub private_key_pem: String,
    /// DER of the self-signed certificate published as `x5c` (with its `x5t`).
    pub certificate_der: Vec<u8>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub activates_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub retires_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("tenant_id", &self.tenant_id)
            .field("kid", &self.kid)
            .field("private_key_pem", &"***")
            .field("activates_at", &self.activates_at)
            .field("retires_at", &self.retires_at)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

impl SigningKey {
    /// Signs new tokens now.
    pub fn is_active(&self, now: OffsetDateTime) -> bool {
        self.activates_at <= now && now < self.retires_at
    }

    /// Still listed in the JWKS (tokens it signed may still be valid).
    pub fn is_published(&self, now: OffsetDateTime) -> bool {
        now < self.expires_at
    }
}
