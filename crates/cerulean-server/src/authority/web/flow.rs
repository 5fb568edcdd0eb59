//! The `flow` hidden field: what a multi-page sign-in is about, carried by the browser
//! between pages and sealed to it.
//!
//! A flow is `base64url(json) "." base64url(HMAC-SHA256(key, "cerulean.flow.v1." json_b64))`
//! where the key is the browser's own CSRF secret (the `__Host-` cookie). So:
//!
//! - any node behind a load balancer can open it (no per-node or per-deployment key to
//!   share, and nothing to store for pages that are merely being filled in);
//! - no one else can forge or alter a flow for a victim's browser (they would need its
//!   HttpOnly cookie), and a flow lifted from one browser is useless in another;
//! - the browser's owner *can* edit their own flow, so a flow never carries authority: it
//!   holds the authorize parameters (which the owner could put in a URL anyway) and they
//!   are re-validated from scratch — tenant, client, redirect URI — on every step. Who
//!   signed in lives only in the server-side session (store) named by the session cookie.
//!   The one exception, the device proven by `x-ms-DeviceCredential`, is carried under a
//!   seal of its own that the owner cannot make (`device_proof.rs`).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cerulean_crypto::constant_time_eq;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// How long a sign-in page stays usable.
pub const FLOW_LIFETIME_SECS: i64 = 3600;

/// What the sign-in is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FlowKind {
    /// An authorize request: finishes with a code for the client.
    #[serde(rename = "a")]
    Authorize,
    /// The device-code verification page: finishes by approving a user code.
    #[serde(rename = "d")]
    Device,
}

/// The sealed contents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flow {
    #[serde(rename = "k")]
    pub kind: FlowKind,
    /// The `{tenant}` path segment the flow started under.
    #[serde(rename = "t")]
    pub tenant: String,
    /// v2 endpoint (`scope`) rather than v1 (`resource`).
    #[serde(rename = "v2", default)]
    pub v2: bool,
    /// The authorize parameters (authorize flows).
    #[serde(rename = "q", default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<(String, String)>,
    /// The user code being approved (device flows, after the code was entered).
    #[serde(rename = "uc", default, skip_serializing_if = "Option::is_none")]
    pub user_code: Option<String>,
    /// The device an `x-ms-DeviceCredential` proved at the authorize request, sealed
    /// with a server secret the browser does not know (`device_proof.rs`): the owner can
    /// drop it from the flow, not forge or alter it.
    #[serde(rename = "dv", default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// Issued at (Unix seconds).
    #[serde(rename = "iat")]
    pub issued_at: i64,
}

const CONTEXT: &[u8] = b"cerulean.flow.v1.";

impl Flow {
    /// Seals the flow to the browser whose CSRF secret is `key`.
    pub fn seal(&self, key: &str) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        let payload = URL_SAFE_NO_PAD.encode(json);
        let mac = mac(key, &payload);
        format!("{payload}.{}", URL_SAFE_NO_PAD.encode(mac))
    }

    /// Opens a sealed flow; `None` if it was altered, sealed for another browser, or is
    /// older than [`FLOW_LIFETIME_SECS`] at `now`.
    pub fn open(sealed: &str, key: &str, now: i64) -> Option<Self> {
        let (payload, tag) = sealed.split_once('.')?;
        let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
        if !constant_time_eq(&tag, &mac(key, payload)) {
            return None;
        }
        let json = URL_SAFE_NO_PAD.decode(payload).ok()?;
        let flow: Flow = serde_json::from_slice(&json).ok()?;
        let age = now.saturating_sub(flow.issued_at);
        (0..=FLOW_LIFETIME_SECS).contains(&age).then_some(flow)
    }
}

fn mac(key: &str, payload: &str) -> [u8; 32] {
    let mut message = Vec::with_capacity(CONTEXT.len() + payload.len());
    message.extend_from_slice(CONTEXT);
    message.extend_from_slice(payload.as_bytes());
    hmac_sha256(key.as_bytes(), &message)
}

/// HMAC-SHA256 (RFC 2104).
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(block.map(|b| b ^ 0x36));
    inner.update(message);
    let inner = inner.finalize();
    let mut outer = Sha256::new();
    outer.update(block.map(|b| b ^ 0x5c));
    outer.update(inner);
    outer.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flow() -> Flow {
        Flow {
            kind: FlowKind::Authorize,
            tenant: "common".into(),
            v2: true,
            params: vec![
                ("client_id".into(), "x".into()),
                ("state".into(), "s".into()),
            ],
            user_code: None,
            device: None,
            issued_at: 1_000,
        }
    }

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            hex(&mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // Case 6: a key longer than the block is hashed first.
        let mac = hmac_sha256(
            &[0xaa; 131],
            b"Test Using Larger Than Block-Size Key - Hash Key First",
        );
        assert_eq!(
            hex(&mac),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn round_trip_and_tamper() {
        let sealed = flow().seal("key-one");
        assert_eq!(Flow::open(&sealed, "key-one", 1_010), Some(flow()));
        assert_eq!(Flow::open(&sealed, "key-two", 1_010), None);
        assert_eq!(
            Flow::open(&sealed, "key-one", 1_000 + FLOW_LIFETIME_SECS + 1),
            None
        );
        let (payload, tag) = sealed.split_once('.').unwrap();
        let mut other = flow();
        other.params[0].1 = "evil".into();
        let forged_payload = other
            .seal("attacker")
            .split_once('.')
            .unwrap()
            .0
            .to_string();
        assert_eq!(
            Flow::open(&format!("{forged_payload}.{tag}"), "key-one", 1_010),
            None
        );
        assert_eq!(Flow::open(payload, "key-one", 1_010), None);
        assert_eq!(Flow::open("garbage", "key-one", 1_010), None);
    }
}
