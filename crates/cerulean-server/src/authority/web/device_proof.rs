//! The device an `x-ms-DeviceCredential` proved at `/authorize` (PROTOCOLS.md §5.6), from
//! the authorize request until its code is issued.
//!
//! The credential is verified once, on the authorize request (its nonce is single-use);
//! the user may then take several pages to sign in. Between pages the proof rides in the
//! flow (`flow.rs`, field `dv`), which the browser's owner can read and edit, so it is
//! sealed with the server secret [`SECRET_NAME`] (which no browser knows) and bound to the
//! browser's CSRF secret (the key of the flow itself):
//!
//! ```text
//! dv = base64url(json {"t": tenant id, "o": device object id, "at": unix seconds})
//!      "." base64url(HMAC-SHA256(key, "cerulean.device-proof.v1." csrf "." payload))
//! ```
//!
//! `at` is when the credential was verified; the proof is good for
//! [`FLOW_LIFETIME_SECS`] after it, however often the flow is resealed. Dropping the
//! proof only loses the `deviceid`; forging or altering it needs the key; a proof moved
//! to another browser fails the MAC. Any proof that does not open is ignored.
//!
//! When the code is issued ([`bind`]) the device is read again: it must still exist, be
//! enabled and belong to the signed-in user's tenant, or the code is issued without it.
//! A sign-in that already names a device (a PRT credential) keeps its own.

use std::sync::Arc;

use cerulean_crypto::b64::{b64url_decode, b64url_encode};
use cerulean_crypto::{SecretBytes, hmac_sha256, verify_hmac_sha256};
use cerulean_directory::authority::AuthContext;
use cerulean_directory::{Device, DeviceObjectId, Directory, TenantId};
use serde::{Deserialize, Serialize};

use super::Ctx;
use super::flow::FLOW_LIFETIME_SECS;
use crate::server_secret::{self, ServerSecretError};

/// The server secret holding the HMAC key of device proofs.
pub const SECRET_NAME: &str = "authorize.device-proof.v1";
const CONTEXT: &str = "cerulean.device-proof.v1.";
/// Longest sealed proof [`DeviceProof::open`] looks at.
const MAX_SEALED_LEN: usize = 512;

/// What the credential proved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Proven {
    #[serde(rename = "t")]
    tenant_id: TenantId,
    #[serde(rename = "o")]
    object_id: DeviceObjectId,
    /// When the credential was verified (Unix seconds).
    #[serde(rename = "at")]
    proven_at: i64,
}

/// A proven device and the key that seals it into the flow.
#[derive(Clone)]
pub struct DeviceProof {
    proven: Proven,
    key: Arc<SecretBytes>,
}

impl std::fmt::Debug for DeviceProof {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceProof")
            .field("tenant_id", &self.proven.tenant_id)
            .field("object_id", &self.proven.object_id)
            .field("proven_at", &self.proven.proven_at)
            .finish_non_exhaustive()
    }
}

impl DeviceProof {
    /// The proof for `device`, verified at `now` (Unix seconds).
    fn new(key: Arc<SecretBytes>, device: &Device, now: i64) -> Self {
        Self {
            proven: Proven {
                tenant_id: device.tenant_id,
                object_id: device.object_id,
                proven_at: now,
            },
            key,
        }
    }

    /// The `dv` value of a flow sealed to the browser whose CSRF secret is `csrf`.
    pub fn seal(&self, csrf: &str) -> String {
        let json = serde_json::to_vec(&self.proven).unwrap_or_default();
        let payload = b64url_encode(&json);
        let tag = hmac_sha256(self.key.expose(), &message(csrf, &payload));
        format!("{payload}.{}", b64url_encode(&tag))
    }

    /// Opens a sealed proof; `None` if it was altered, sealed by another key or for
    /// another browser, or is older than [`FLOW_LIFETIME_SECS`] at `now`.
    fn open(key: Arc<SecretBytes>, sealed: &str, csrf: &str, now: i64) -> Option<Self> {
        if sealed.len() > MAX_SEALED_LEN {
            return None;
        }
        let (payload, tag) = sealed.split_once('.')?;
        let tag = b64url_decode(tag).ok()?;
        if !verify_hmac_sha256(key.expose(), &message(csrf, payload), &tag) {
            return None;
        }
        let proven: Proven = serde_json::from_slice(&b64url_decode(payload).ok()?).ok()?;
        let age = now.saturating_sub(proven.proven_at);
        (0..=FLOW_LIFETIME_SECS)
            .contains(&age)
            .then_some(Self { proven, key })
    }
}

fn message(csrf: &str, payload: &str) -> Vec<u8> {
    format!("{CONTEXT}{csrf}.{payload}").into_bytes()
}

async fn key(directory: &Directory) -> Result<Arc<SecretBytes>, ServerSecretError> {
    server_secret::load_or_create(
        directory,
        SECRET_NAME,
        "seals the device proven by x-ms-DeviceCredential into the sign-in flow (HMAC-SHA256)",
    )
    .await
    .map(Arc::new)
}

/// The proof for a device whose credential just verified; `None` (logged) if the key is
/// unavailable.
pub async fn prove(ctx: &Ctx, device: &Device) -> Option<DeviceProof> {
    let directory = &ctx.state.directory;
    match key(directory).await {
        Ok(key) => Some(DeviceProof::new(
            key,
            device,
            directory.clock().now().unix_timestamp(),
        )),
        Err(e) => {
            tracing::error!("loading the device-proof key: {e}; the device credential is ignored");
            None
        }
    }
}

/// The proof a sign-in page's flow carries (`dv`), if it opens for this browser.
pub async fn from_flow(ctx: &Ctx, sealed: Option<&str>, csrf: &str) -> Option<DeviceProof> {
    let sealed = sealed?;
    let directory = &ctx.state.directory;
    let key = match key(directory).await {
        Ok(key) => key,
        Err(e) => {
            tracing::error!("loading the device-proof key: {e}; the proven device is dropped");
            return None;
        }
    };
    let now = directory.clock().now().unix_timestamp();
    let opened = DeviceProof::open(key, sealed, csrf, now);
    if opened.is_none() {
        tracing::debug!("the flow's device proof does not open (altered or expired); ignored");
    }
    opened
}

/// The sign-in to issue a code for: `auth`, plus the proven device when it is still
/// enabled and in the user's tenant. A sign-in that names a device already (a PRT
/// credential's) is left alone.
pub async fn bind(ctx: &Ctx, proof: Option<&DeviceProof>, mut auth: AuthContext) -> AuthContext {
    let Some(proof) = proof else {
        return auth;
    };
    if auth.device_id.is_some() {
        return auth;
    }
    let Proven {
        tenant_id,
        object_id,
        ..
    } = proof.proven;
    if tenant_id != auth.tenant_id {
        tracing::debug!(
            "the device credential's device is not in the signed-in user's tenant; ignored"
        );
        return auth;
    }
    match ctx
        .state
        .directory
        .store()
        .device(tenant_id, object_id)
        .await
    {
        Ok(Some(device)) if device.enabled => {
            tracing::Span::current().record("device_id", device.device_id.to_string());
            auth.device_id = Some(device.device_id.0);
        }
        Ok(_) => {
            tracing::debug!(
                "the device credential's device was deleted or disabled since; ignored"
            );
        }
        Err(e) => {
            tracing::warn!("device lookup for the device credential failed: {e}; ignored");
        }
    }
    auth
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn key(byte: u8) -> Arc<SecretBytes> {
        Arc::new(SecretBytes::new(vec![byte; 32]))
    }

    fn proof() -> DeviceProof {
        DeviceProof {
            proven: Proven {
                tenant_id: TenantId(Uuid::from_u128(1)),
                object_id: DeviceObjectId(Uuid::from_u128(2)),
                proven_at: 1_000,
            },
            key: key(7),
        }
    }

    #[test]
    fn round_trip_for_the_same_browser_only() {
        let sealed = proof().seal("csrf-one");
        let opened = DeviceProof::open(key(7), &sealed, "csrf-one", 1_010).unwrap();
        assert_eq!(opened.proven, proof().proven);
        assert!(DeviceProof::open(key(7), &sealed, "csrf-two", 1_010).is_none());
        assert!(DeviceProof::open(key(8), &sealed, "csrf-one", 1_010).is_none());
    }

    #[test]
    fn expires_with_the_flow_lifetime() {
        let sealed = proof().seal("c");
        let last = 1_000 + FLOW_LIFETIME_SECS;
        assert!(DeviceProof::open(key(7), &sealed, "c", last).is_some());
        assert!(DeviceProof::open(key(7), &sealed, "c", last + 1).is_none());
        assert!(DeviceProof::open(key(7), &sealed, "c", 999).is_none());
    }

    #[test]
    fn altered_or_garbage_proofs_do_not_open() {
        let sealed = proof().seal("c");
        let (_, tag) = sealed.split_once('.').unwrap();
        let mut other = proof();
        other.proven.object_id = DeviceObjectId(Uuid::from_u128(3));
        let forged_payload = other.seal("c").split_once('.').unwrap().0.to_owned();
        assert!(
            DeviceProof::open(key(7), &format!("{forged_payload}.{tag}"), "c", 1_010).is_none()
        );
        for garbage in ["", ".", "abc", "abc.def", &"A".repeat(600)] {
            assert!(DeviceProof::open(key(7), garbage, "c", 1_010).is_none());
        }
    }

    #[test]
    fn debug_names_the_device_not_the_key() {
        let shown = format!("{:?}", proof());
        assert!(shown.contains("DeviceObjectId"), "{shown}");
        assert!(!shown.contains("key"), "{shown}");
    }
}
