//! Sealing a PRT's session key for storage: AES-256-GCM under a 32-byte server wrap key,
//! with caller-chosen associated data (the server binds the sealed key to its PRT's
//! hash, so a sealed key copied onto another row does not open).
//!
//! Layout: `IV (12, random) ‖ ciphertext (32) ‖ tag (16)` = 60 bytes.

use super::aes::{GCM_IV_LEN, GCM_TAG_LEN, KEY_LEN, gcm_open, gcm_seal};
use super::session_jwe::SESSION_KEY_LEN;
use crate::error::{CryptoError, Result};
use crate::random::fill_random;
use crate::secret::SecretBytes;

/// Length of a sealed session key.
pub const SEALED_SESSION_KEY_LEN: usize = GCM_IV_LEN + SESSION_KEY_LEN + GCM_TAG_LEN;

/// Seals `session_key` (32 bytes) under `wrap_key` (32 bytes) with a fresh random IV.
pub fn seal_session_key_at_rest(
    wrap_key: &SecretBytes,
    session_key: &SecretBytes,
    aad: &[u8],
) -> Result<Vec<u8>> {
    if wrap_key.expose().len() != KEY_LEN {
        return Err(CryptoError::InvalidKey("a wrap key has 32 bytes"));
    }
    if session_key.expose().len() != SESSION_KEY_LEN {
        return Err(CryptoError::InvalidKey("a session key has 32 bytes"));
    }
    let mut iv = [0u8; GCM_IV_LEN];
    fill_random(&mut iv)?;
    let (ciphertext, tag) = gcm_seal(wrap_key.expose(), &iv, aad, session_key.expose())?;
    let mut out = Vec::with_capacity(SEALED_SESSION_KEY_LEN);
    out.extend_from_slice(&iv);
    out.extend_from_slice(&ciphertext);
    out.extend_from_slice(&tag);
    Ok(out)
}

/// Opens what [`seal_session_key_at_rest`] sealed; any tampering, another wrap key or
/// other associated data is [`CryptoError::Decryption`].
pub fn open_session_key_at_rest(
    wrap_key: &SecretBytes,
    sealed: &[u8],
    aad: &[u8],
) -> Result<SecretBytes> {
    if sealed.len() != SEALED_SESSION_KEY_LEN {
        return Err(CryptoError::Decryption);
    }
    let (iv, rest) = sealed.split_at(GCM_IV_LEN);
    let (ciphertext, tag) = rest.split_at(SESSION_KEY_LEN);
    gcm_open(wrap_key.expose(), iv, aad, ciphertext, tag).map(SecretBytes::new)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> SecretBytes {
        SecretBytes::new(vec![byte; 32])
    }

    #[test]
    fn round_trip_and_refusals() {
        let wrap = key(1);
        let session = key(2);
        let sealed = seal_session_key_at_rest(&wrap, &session, b"row-a").unwrap();
        assert_eq!(sealed.len(), SEALED_SESSION_KEY_LEN);
        let opened = open_session_key_at_rest(&wrap, &sealed, b"row-a").unwrap();
        assert_eq!(opened.expose(), session.expose());
        // Fresh IV each time.
        assert_ne!(
            sealed,
            seal_session_key_at_rest(&wrap, &session, b"row-a").unwrap()
        );
        assert!(open_session_key_at_rest(&key(3), &sealed, b"row-a").is_err());
        assert!(open_session_key_at_rest(&wrap, &sealed, b"row-b").is_err());
        for i in [0, 12, 43, 59] {
            let mut bad = sealed.clone();
            bad[i] ^= 1;
            assert!(open_session_key_at_rest(&wrap, &bad, b"row-a").is_err());
        }
        assert!(open_session_key_at_rest(&wrap, &sealed[..59], b"row-a").is_err());
        assert!(seal_session_key_at_rest(&SecretBytes::new(vec![1; 16]), &session, b"").is_err());
        assert!(seal_session_key_at_rest(&wrap, &SecretBytes::new(vec![1; 16]), b"").is_err());
    }
}
