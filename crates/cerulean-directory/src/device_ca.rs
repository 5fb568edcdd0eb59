//! Rows that back two per-deployment secrets of the DRS: each tenant's device CA (the
//! issuer of device certificates, PROTOCOLS.md §4.6) and the named secrets every node
//! shares (the key that signs DRS nonces).
//!
//! Both are created once, by whichever node needs them first, and never change: the
//! store inserts them only if absent and hands back the row that won, so nodes racing to
//! create one converge on a single value. Neither `Debug` shows the secret.

use time::OffsetDateTime;

use crate::ids::TenantId;

/// A tenant's device CA as stored: certificate and PKCS#8 private key, both PEM.
#[derive(Clone, PartialEq, Eq)]
pub struct TenantDeviceCa {
    pub tenant_id: TenantId,
    /// PEM `CERTIFICATE`: what device TLS client certificates chain to.
    pub cert_pem: String,
    /// PEM `PRIVATE KEY` (PKCS#8). Stored as is, like the token-signing keys.
    pub key_pem: String,
    pub created_at: OffsetDateTime,
}

impl std::fmt::Debug for TenantDeviceCa {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TenantDeviceCa")
            .field("tenant_id", &self.tenant_id)
            .field("cert_pem", &format_args!("<{} bytes>", self.cert_pem.len()))
            .field("key_pem", &"***")
            .field("created_at", &self.created_at)
            .finish()
    }
}

/// A secret shared by every node of the deployment, by name (e.g. `drs.nonce.hmac`).
#[derive(Clone, PartialEq, Eq)]
pub struct ServerSecret {
    /// Dotted name, at most 128 printable ASCII characters.
    pub name: String,
    pub value: Vec<u8>,
    pub created_at: OffsetDateTime,
}

impl std::fmt::Debug for ServerSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerSecret")
            .field("name", &self.name)
            .field("value", &"***")
            .field("created_at", &self.created_at)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_secrets() {
        let now = OffsetDateTime::UNIX_EPOCH;
        let ca = TenantDeviceCa {
            tenant_id: TenantId::random(),
            cert_pem: "CERT".into(),
            key_pem: "-----BEGIN PRIVATE KEY----- secret".into(),
            created_at: now,
        };
        let secret = ServerSecret {
            name: "drs.nonce.hmac".into(),
            value: b"secret".to_vec(),
            created_at: now,
        };
        for text in [format!("{ca:?}"), format!("{secret:?}")] {
            assert!(!text.contains("secret"), "{text}");
            assert!(text.contains("***"), "{text}");
        }
    }
}
