//! SP 800-108 counter-mode KDF over HMAC-SHA256, as Microsoft uses it for session keys
//! (PROTOCOLS.md §5.4, INTEROP.md §3.3):
//!
//! ```text
//! K = HMAC-SHA256(key = S, msg = 00000001 ‖ "AzureAD-SecureConversation" ‖ 00 ‖ C ‖ 00000100)
//! ```
//!
//! One iteration gives the 256-bit key. KDFv1 uses `C = ctx`; KDFv2 (header `kdf_ver: 2`)
//! uses `C = SHA-256(ctx ‖ payload)`, where `payload` is the exact decoded JWS payload.

use aws_lc_rs::digest;
use zeroize::Zeroize;

use crate::mac::hmac_sha256;
use crate::secret::SecretBytes;

/// The KDF label (26 ASCII bytes, no terminator).
pub const KDF_LABEL: &[u8] = b"AzureAD-SecureConversation";

/// Which context the KDF is fed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KdfVersion {
    /// `C = ctx` (no `kdf_ver` header; libhimmelblau, every encrypted response).
    #[default]
    V1,
    /// `C = SHA-256(ctx ‖ payload)` (`kdf_ver: 2`; Windows, roadtx, AADInternals).
    V2,
}

/// One round of the counter-mode KDF with context `context`.
fn derive(session_key: &[u8], context: &[u8]) -> SecretBytes {
    let mut msg = Vec::with_capacity(4 + KDF_LABEL.len() + 1 + context.len() + 4);
    msg.extend_from_slice(&1u32.to_be_bytes());
    msg.extend_from_slice(KDF_LABEL);
    msg.push(0);
    msg.extend_from_slice(context);
    msg.extend_from_slice(&256u32.to_be_bytes());
    let mut key = hmac_sha256(session_key, &msg);
    let out = SecretBytes::new(key.to_vec());
    key.zeroize();
    out
}

/// KDFv1: the key for `ctx` (the base64-decoded `ctx` header value, any length).
pub fn derive_key_v1(session_key: &[u8], ctx: &[u8]) -> SecretBytes {
    derive(session_key, ctx)
}

/// The KDFv2 context `SHA-256(ctx ‖ payload)`.
pub fn kdf_v2_context(ctx: &[u8], payload: &[u8]) -> [u8; 32] {
    let mut d = digest::Context::new(&digest::SHA256);
    d.update(ctx);
    d.update(payload);
    let mut out = [0u8; 32];
    out.copy_from_slice(d.finish().as_ref());
    out
}

/// KDFv2: the key for `ctx` and the exact decoded JWS payload bytes.
pub fn derive_key_v2(session_key: &[u8], ctx: &[u8], payload: &[u8]) -> SecretBytes {
    derive(session_key, &kdf_v2_context(ctx, payload))
}

/// The key for `version`; `payload` is only read by KDFv2.
pub fn derive_key(
    version: KdfVersion,
    session_key: &[u8],
    ctx: &[u8],
    payload: &[u8],
) -> SecretBytes {
    match version {
        KdfVersion::V1 => derive_key_v1(session_key, ctx),
        KdfVersion::V2 => derive_key_v2(session_key, ctx, payload),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// S = 00..1f.
    pub(crate) fn s() -> Vec<u8> {
        (0u8..32).collect()
    }

    /// ctx = 00..17.
    pub(crate) fn ctx() -> Vec<u8> {
        (0u8..24).collect()
    }

    pub(crate) const PAYLOAD: &[u8] =
        br#"{"refresh_token":"x","is_primary":"true","request_nonce":"n"}"#;

    /// PROTOCOLS.md §5.4 / Appendix B.
    #[test]
    fn v1_known_answer() {
        assert_eq!(
            hex::encode(derive_key_v1(&s(), &ctx()).expose()),
            "70296b4334bf08f7bc6953575e6b6c18959dbcad6adb263fb625939d099456b3"
        );
    }

    /// PROTOCOLS.md §5.4 / Appendix B.
    #[test]
    fn v2_known_answer() {
        assert_eq!(
            hex::encode(kdf_v2_context(&ctx(), PAYLOAD)),
            "1f609edb149b2510a303563bd07e5ae95b26c320a52394c066db8fc5be944ec4"
        );
        assert_eq!(
            hex::encode(derive_key_v2(&s(), &ctx(), PAYLOAD).expose()),
            "db1900caf75f900d8f0dcc4a41351c5e9a3f66be42f9af41b958e93430f40137"
        );
        assert_eq!(
            derive_key(KdfVersion::V2, &s(), &ctx(), PAYLOAD),
            derive_key_v2(&s(), &ctx(), PAYLOAD)
        );
        assert_eq!(
            derive_key(KdfVersion::V1, &s(), &ctx(), PAYLOAD),
            derive_key_v1(&s(), &ctx())
        );
    }

    #[test]
    fn any_ctx_length_and_distinct_keys() {
        let empty = derive_key_v1(&s(), &[]);
        let long = derive_key_v1(&s(), &[0xab; 300]);
        assert_eq!(empty.len(), 32);
        assert_ne!(empty, long);
        assert_ne!(derive_key_v1(&s(), &ctx()), derive_key_v1(&[1; 32], &ctx()));
        assert_eq!(
            format!("{:?}", derive_key_v1(&s(), &ctx())),
            "SecretBytes(***)"
        );
    }
}
