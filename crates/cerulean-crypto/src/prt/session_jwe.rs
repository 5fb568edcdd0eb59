//! The `session_key_jwe` of a PRT response (PROTOCOLS.md §5.3, INTEROP.md §3.4):
//!
//! ```text
//! BASE64URL({"enc":"A256GCM","alg":"RSA-OAEP"}) . BASE64URL(RSA-OAEP-SHA1(transport key, S))
//!   . BASE64URL(IV, 12 bytes) . "" . BASE64URL(GCM tag)
//! ```
//!
//! The session key `S` is the JWE's content-encryption key. The IV/ciphertext/tag parts
//! are a real A256GCM encryption of an empty payload (AAD = the header segment) so that
//! strict JWE parsers accept the structure; clients only read the encrypted key.

use crate::b64::b64url_encode;
use crate::error::{CryptoError, Result};
use crate::prt::aes::{GCM_IV_LEN, gcm_seal};
use crate::prt::compact::CompactJwe;
use crate::random::{fill_random, random_bytes};
use crate::rsa::{RsaPrivateKey, RsaPublicKey};
use crate::secret::SecretBytes;

/// The protected header, byte for byte as Entra sends it (libhimmelblau maps `enc`/`alg`
/// onto enums and refuses anything else).
pub const SESSION_KEY_JWE_HEADER: &str = r#"{"enc":"A256GCM","alg":"RSA-OAEP"}"#;

/// A session key is 32 bytes (the A256GCM CEK and the KDF's HMAC key).
pub const SESSION_KEY_LEN: usize = 32;

/// Largest `session_key_jwe` accepted (an RSA-4096 wrapped key is 683 characters).
const MAX_JWE_LEN: usize = 8 * 1024;

/// A fresh random session key.
pub fn new_session_key() -> Result<SecretBytes> {
    let mut key = vec![0u8; SESSION_KEY_LEN];
    fill_random(&mut key)?;
    Ok(SecretBytes::new(key))
}

/// Wraps `session_key` (32 bytes) for the device's transport key as a compact JWE.
pub fn seal_session_key_jwe(
    transport_key: &RsaPublicKey,
    session_key: &SecretBytes,
) -> Result<String> {
    if session_key.len() != SESSION_KEY_LEN {
        return Err(CryptoError::InvalidKey("a session key has 32 bytes"));
    }
    let header = b64url_encode(SESSION_KEY_JWE_HEADER.as_bytes());
    let wrapped = transport_key.encrypt_oaep_sha1(session_key.expose())?;
    let iv = random_bytes::<GCM_IV_LEN>()?;
    let (ciphertext, tag) = gcm_seal(session_key.expose(), &iv, header.as_bytes(), &[])?;
    Ok(format!(
        "{header}.{}.{}.{}.{}",
        b64url_encode(&wrapped),
        b64url_encode(&iv),
        b64url_encode(&ciphertext),
        b64url_encode(&tag)
    ))
}

/// Device side: unwraps the session key with the transport private key.
///
/// Checks the five-part structure, `alg: RSA-OAEP` and `enc: A256GCM` (other header members
/// are allowed), and that the unwrapped key has 32 bytes. Like every known client it does
/// not check the GCM parts (Entra's payload there is unspecified); RSA-OAEP's own padding
/// check already rejects a tampered encrypted key.
pub fn open_session_key_jwe(transport_key: &RsaPrivateKey, jwe: &str) -> Result<SecretBytes> {
    let parsed = CompactJwe::parse(jwe.trim(), MAX_JWE_LEN)?;
    parsed.require("alg", "RSA-OAEP")?;
    parsed.require("enc", "A256GCM")?;
    if parsed.encrypted_key.is_empty() {
        return Err(CryptoError::MalformedToken("JWE has no encrypted key"));
    }
    let key = transport_key.decrypt_oaep_sha1(&parsed.encrypted_key)?;
    if key.len() != SESSION_KEY_LEN {
        return Err(CryptoError::Decryption);
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::b64::b64url_decode;
    use crate::prt::aes::gcm_open;
    use crate::rsa::tests::{other_test_key, test_key};

    #[test]
    fn round_trip_and_structure() -> Result<()> {
        let key = test_key();
        let session_key = new_session_key()?;
        let jwe = seal_session_key_jwe(&key.public_key(), &session_key)?;
        let parts: Vec<&str> = jwe.split('.').collect();
        assert_eq!(parts.len(), 5);
        // The spec's example begins with these characters.
        assert!(jwe.starts_with("eyJlbmMiOiJBMjU2R0NNIi"));
        assert_eq!(b64url_decode(parts[0])?, SESSION_KEY_JWE_HEADER.as_bytes());
        assert_eq!(b64url_decode(parts[1])?.len(), 256);
        let iv = b64url_decode(parts[2])?;
        assert_eq!(iv.len(), 12);
        assert_eq!(parts[3], "", "empty payload");
        // The GCM part is a genuine encryption under the session key.
        let tag = b64url_decode(parts[4])?;
        assert!(gcm_open(session_key.expose(), &iv, parts[0].as_bytes(), &[], &tag)?.is_empty());
        assert_eq!(open_session_key_jwe(key, &jwe)?, session_key);
        // Fresh randomness every time.
        assert_ne!(jwe, seal_session_key_jwe(&key.public_key(), &session_key)?);
        assert_ne!(new_session_key()?, session_key);
        Ok(())
    }

    #[test]
    fn wrong_key_and_tampering_fail() -> Result<()> {
        let key = test_key();
        let session_key = new_session_key()?;
        let jwe = seal_session_key_jwe(&key.public_key(), &session_key)?;
        assert!(matches!(
            open_session_key_jwe(other_test_key(), &jwe),
            Err(CryptoError::Decryption)
        ));
        let parts: Vec<&str> = jwe.split('.').collect();
        let mut wrapped = b64url_decode(parts[1])?;
        wrapped[10] ^= 1;
        let forged = format!(
            "{}.{}.{}.{}.{}",
            parts[0],
            b64url_encode(&wrapped),
            parts[2],
            parts[3],
            parts[4]
        );
        assert!(open_session_key_jwe(key, &forged).is_err());
        Ok(())
    }

    #[test]
    fn header_and_shape_are_checked() -> Result<()> {
        let key = test_key();
        let session_key = new_session_key()?;
        let jwe = seal_session_key_jwe(&key.public_key(), &session_key)?;
        let rest = jwe.split_once('.').map(|(_, r)| r).unwrap_or_default();
        for header in [
            r#"{"enc":"A128GCM","alg":"RSA-OAEP"}"#,
            r#"{"enc":"A256GCM","alg":"RSA-OAEP-256"}"#,
            r#"{"enc":"A256GCM"}"#,
            r#"{"enc":"A256GCM","alg":"RSA-OAEP","crit":["x"]}"#,
            r#"["enc"]"#,
        ] {
            let forged = format!("{}.{rest}", b64url_encode(header.as_bytes()));
            assert!(open_session_key_jwe(key, &forged).is_err(), "{header}");
        }
        // Extra members are fine.
        let extra = format!(
            "{}.{rest}",
            b64url_encode(br#"{"enc":"A256GCM","alg":"RSA-OAEP","kid":"x"}"#)
        );
        assert_eq!(open_session_key_jwe(key, &extra)?, session_key);
        // A wrapped key of the wrong length.
        let short = key.public_key().encrypt_oaep_sha1(&[1; 16])?;
        let parts: Vec<&str> = jwe.split('.').collect();
        let forged = format!("{}.{}...", parts[0], b64url_encode(&short));
        assert!(open_session_key_jwe(key, &forged).is_err());
        for bad in [
            "",
            "....",
            "a.b.c.d",
            "a.b.c.d.e.f",
            "!.!.!.!.!",
            &"a".repeat(9000),
        ] {
            assert!(open_session_key_jwe(key, bad).is_err(), "{bad:?}");
        }
        assert!(seal_session_key_jwe(&key.public_key(), &SecretBytes::new(vec![0; 16])).is_err());
        Ok(())
    }
}
