//! The encrypted token response to a session-key-signed request (PROTOCOLS.md §5.5, §8
//! items 11–12; INTEROP.md §3.5). The HTTP body is a compact JWE:
//!
//! ```text
//! BASE64URL({"alg":"dir","enc":"A256GCM","ctx":"<std b64>","kid":"session"}) . "" . IV
//!   . CIPHERTEXT . TAG
//! key = KDFv1(session key, ctx)   -- even when the request used KDFv2
//! ```
//!
//! Two ciphers hide behind the same header ([`ResponseCipher`]): A256GCM as the spec says
//! (12-byte IV, AAD = the ASCII header segment), and what Entra actually sends, AES-256-CBC
//! with PKCS#7 padding and a 16-byte IV (the tag segment is then 16 bytes nobody checks).
//! Decryption tells them apart by the IV length, as roadtx does.

use std::fmt;

use serde_json::{Map, Value};

use crate::b64::{b64_std_decode, b64_std_encode, b64url_encode};
use crate::error::{CryptoError, Result};
use crate::prt::aes::{
    CBC_IV_LEN, GCM_IV_LEN, GCM_TAG_LEN, cbc_decrypt, cbc_encrypt, gcm_open, gcm_seal,
};
use crate::prt::compact::CompactJwe;
use crate::prt::kdf::derive_key_v1;
use crate::prt::{CTX_LEN, MAX_CTX_LEN};
use crate::random::{fill_random, random_bytes};
use crate::secret::SecretBytes;

/// Largest encrypted response accepted (token responses with Kerberos material included).
pub const MAX_RESPONSE_JWE_LEN: usize = 512 * 1024;

/// How the response body is encrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ResponseCipher {
    /// A256GCM with a 12-byte IV, as the header and [MS-OAPXBC] say. roadtx accepts it;
    /// libhimmelblau and AADInternals do not (they only decrypt CBC).
    #[default]
    A256Gcm,
    /// AES-256-CBC + PKCS#7 with a 16-byte IV under the same `A256GCM` header: what Entra
    /// sends and every known client decrypts. Unauthenticated.
    Aes256Cbc,
}

/// A decrypted response. The plaintext holds tokens, so `Debug` shows only its length.
pub struct DecryptedResponse {
    /// The protected header.
    pub header: Map<String, Value>,
    /// Which cipher the body used.
    pub cipher: ResponseCipher,
    /// The token-response JSON.
    pub plaintext: SecretBytes,
}

impl fmt::Debug for DecryptedResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecryptedResponse")
            .field("header", &self.header)
            .field("cipher", &self.cipher)
            .field("plaintext_len", &self.plaintext.len())
            .finish()
    }
}

/// Server side: encrypts `plaintext` (the token-response JSON) under `session_key` with a
/// fresh random `ctx` ([`CTX_LEN`] bytes) and IV.
pub fn encrypt_response(
    session_key: &SecretBytes,
    plaintext: &[u8],
    cipher: ResponseCipher,
) -> Result<String> {
    let ctx = random_bytes::<CTX_LEN>()?;
    let mut iv = vec![
        0u8;
        match cipher {
            ResponseCipher::A256Gcm => GCM_IV_LEN,
            ResponseCipher::Aes256Cbc => CBC_IV_LEN,
        }
    ];
    fill_random(&mut iv)?;
    encrypt_response_with(session_key, plaintext, cipher, &ctx, &iv)
}

/// [`encrypt_response`] with a caller-chosen `ctx` and IV (12 bytes for GCM, 16 for CBC).
/// For fixed test vectors; a server must never reuse an IV under one key.
pub fn encrypt_response_with(
    session_key: &SecretBytes,
    plaintext: &[u8],
    cipher: ResponseCipher,
    ctx: &[u8],
    iv: &[u8],
) -> Result<String> {
    // In the spec's member order; standard base64 needs no JSON escaping.
    let header = format!(
        r#"{{"alg":"dir","enc":"A256GCM","ctx":"{}","kid":"session"}}"#,
        b64_std_encode(ctx)
    );
    let header = b64url_encode(header.as_bytes());
    let key = derive_key_v1(session_key.expose(), ctx);
    let (ciphertext, tag) = match cipher {
        ResponseCipher::A256Gcm => {
            let iv: &[u8; GCM_IV_LEN] = iv
                .try_into()
                .map_err(|_| CryptoError::InvalidKey("an A256GCM IV has 12 bytes"))?;
            let (ct, tag) = gcm_seal(key.expose(), iv, header.as_bytes(), plaintext)?;
            (ct, tag.to_vec())
        }
        ResponseCipher::Aes256Cbc => {
            let iv: &[u8; CBC_IV_LEN] = iv
                .try_into()
                .map_err(|_| CryptoError::InvalidKey("an AES-CBC IV has 16 bytes"))?;
            let ct = cbc_encrypt(key.expose(), iv, plaintext)?;
            // Clients expect a tag-sized fifth segment and do not check it on this path.
            (ct, random_bytes::<GCM_TAG_LEN>()?.to_vec())
        }
    };
    Ok(format!(
        "{header}..{}.{}.{}",
        b64url_encode(iv),
        b64url_encode(&ciphertext),
        b64url_encode(&tag)
    ))
}

/// Device side: decrypts a response body with the session key.
///
/// Requires `alg: dir`, `enc: A256GCM`, a standard-base64 `ctx` and an empty encrypted-key
/// segment; a 12-byte IV means A256GCM (tag checked, AAD = the header segment as received),
/// a 16-byte IV means AES-256-CBC + PKCS#7; any other IV is refused. Every cryptographic
/// failure is the same [`CryptoError::Decryption`].
pub fn decrypt_response(session_key: &SecretBytes, body: &str) -> Result<DecryptedResponse> {
    let jwe = CompactJwe::parse(body.trim(), MAX_RESPONSE_JWE_LEN)?;
    jwe.require("alg", "dir")?;
    jwe.require("enc", "A256GCM")?;
    if !jwe.encrypted_key.is_empty() {
        return Err(CryptoError::MalformedToken(
            "a dir JWE has an empty encrypted key",
        ));
    }
    let ctx = jwe
        .header_str("ctx")
        .ok_or(CryptoError::MalformedToken("JWE header has no string ctx"))
        .and_then(|c| {
            b64_std_decode(c).map_err(|_| CryptoError::MalformedToken("ctx is not base64"))
        })?;
    if ctx.is_empty() || ctx.len() > MAX_CTX_LEN {
        return Err(CryptoError::MalformedToken("ctx has an unusable length"));
    }
    let key = derive_key_v1(session_key.expose(), &ctx);
    let (cipher, plaintext) = match jwe.iv.len() {
        GCM_IV_LEN => (
            ResponseCipher::A256Gcm,
            gcm_open(
                key.expose(),
                &jwe.iv,
                jwe.header_segment.as_bytes(),
                &jwe.ciphertext,
                &jwe.tag,
            )?,
        ),
        CBC_IV_LEN => (
            ResponseCipher::Aes256Cbc,
            cbc_decrypt(key.expose(), &jwe.iv, &jwe.ciphertext)?,
        ),
        _ => return Err(CryptoError::MalformedToken("JWE IV has an unusable length")),
    };
    Ok(DecryptedResponse {
        header: jwe.header,
        cipher,
        plaintext: SecretBytes::new(plaintext),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::b64::b64url_decode;
    use crate::prt::kdf::tests::{ctx, s};

    const BODY: &[u8] = br#"{"access_token":"at","token_type":"Bearer","expires_in":"3599"}"#;

    fn session() -> SecretBytes {
        SecretBytes::new(s())
    }

    fn flip(token: &str, part: usize, byte: usize) -> String {
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        let mut raw = b64url_decode(&parts[part]).unwrap_or_default();
        if let Some(b) = raw.get_mut(byte) {
            *b ^= 0x01;
        }
        parts[part] = b64url_encode(&raw);
        parts.join(".")
    }

    /// Fixed vector: S = 00..1f, ctx = 00..17, IV = 00..0b; the key is the §5.4 KDFv1 key.
    #[test]
    fn gcm_known_answer() -> Result<()> {
        let iv: Vec<u8> = (0u8..12).collect();
        let jwe = encrypt_response_with(&session(), BODY, ResponseCipher::A256Gcm, &ctx(), &iv)?;
        let parts: Vec<&str> = jwe.split('.').collect();
        assert_eq!(
            String::from_utf8(b64url_decode(parts[0])?).unwrap_or_default(),
            r#"{"alg":"dir","enc":"A256GCM","ctx":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYX","kid":"session"}"#
        );
        assert_eq!(parts[1], "");
        // Independently: GCM under the published KDFv1 key.
        let k = hex::decode("70296b4334bf08f7bc6953575e6b6c18959dbcad6adb263fb625939d099456b3")
            .map_err(|_| CryptoError::Base64)?;
        let expected = gcm_seal(
            &k,
            &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
            parts[0].as_bytes(),
            BODY,
        )?;
        assert_eq!(b64url_decode(parts[3])?, expected.0);
        assert_eq!(b64url_decode(parts[4])?, expected.1);
        let out = decrypt_response(&session(), &jwe)?;
        assert_eq!(out.cipher, ResponseCipher::A256Gcm);
        assert_eq!(out.plaintext.expose(), BODY);
        assert_eq!(out.header["kid"], "session");
        assert!(!format!("{out:?}").contains("access_token"));
        Ok(())
    }

    /// Fixed vector for the CBC form, checked against an independent CBC encryption.
    #[test]
    fn cbc_known_answer() -> Result<()> {
        let iv: Vec<u8> = (0u8..16).collect();
        let jwe = encrypt_response_with(&session(), BODY, ResponseCipher::Aes256Cbc, &ctx(), &iv)?;
        let parts: Vec<&str> = jwe.split('.').collect();
        let k = derive_key_v1(&s(), &ctx());
        let iv16: [u8; 16] = core::array::from_fn(|i| i as u8);
        assert_eq!(
            b64url_decode(parts[3])?,
            cbc_encrypt(k.expose(), &iv16, BODY)?
        );
        assert_eq!(b64url_decode(parts[3])?.len(), 64);
        assert_eq!(b64url_decode(parts[4])?.len(), 16);
        let out = decrypt_response(&session(), &jwe)?;
        assert_eq!(out.cipher, ResponseCipher::Aes256Cbc);
        assert_eq!(out.plaintext.expose(), BODY);
        Ok(())
    }

    #[test]
    fn random_round_trips_both_ciphers() -> Result<()> {
        assert_eq!(ResponseCipher::default(), ResponseCipher::A256Gcm);
        for cipher in [ResponseCipher::A256Gcm, ResponseCipher::Aes256Cbc] {
            let a = encrypt_response(&session(), BODY, cipher)?;
            let b = encrypt_response(&session(), BODY, cipher)?;
            assert_ne!(a, b, "fresh ctx and IV");
            assert_eq!(decrypt_response(&session(), &a)?.plaintext.expose(), BODY);
            assert_eq!(decrypt_response(&session(), &a)?.cipher, cipher);
            let empty = encrypt_response(&session(), b"", cipher)?;
            assert!(decrypt_response(&session(), &empty)?.plaintext.is_empty());
            // The wrong session key never decrypts (CBC: almost always bad padding; the
            // chance of valid padding is why CBC plaintext stays untrusted).
            assert!(decrypt_response(&SecretBytes::new(vec![9; 32]), &a).is_err());
        }
        Ok(())
    }

    #[test]
    fn gcm_tampering_fails() -> Result<()> {
        let jwe = encrypt_response(&session(), BODY, ResponseCipher::A256Gcm)?;
        for (part, byte) in [(2, 0), (3, 0), (3, 20), (4, 0), (4, 15)] {
            assert!(
                matches!(
                    decrypt_response(&session(), &flip(&jwe, part, byte)),
                    Err(CryptoError::Decryption)
                ),
                "part {part} byte {byte}"
            );
        }
        // Another header (same ctx) changes the AAD.
        let parts: Vec<&str> = jwe.split('.').collect();
        let header: Value = serde_json::from_slice(&b64url_decode(parts[0])?)?;
        let reordered =
            json!({"kid": "session", "ctx": header["ctx"], "enc": "A256GCM", "alg": "dir"});
        let forged = format!(
            "{}.{}",
            b64url_encode(&serde_json::to_vec(&reordered)?),
            parts[1..].join(".")
        );
        assert!(matches!(
            decrypt_response(&session(), &forged),
            Err(CryptoError::Decryption)
        ));
        // Truncated tag.
        let mut short: Vec<&str> = parts.clone();
        short[4] = "AAAA";
        assert!(decrypt_response(&session(), &short.join(".")).is_err());
        Ok(())
    }

    #[test]
    fn cbc_tampering_is_an_error_or_garbage_never_a_panic() -> Result<()> {
        let jwe = encrypt_response(&session(), BODY, ResponseCipher::Aes256Cbc)?;
        // Flipping the last ciphertext block's predecessor... the padding byte's block.
        assert!(decrypt_response(&session(), &flip(&jwe, 3, 63)).is_err());
        // The tag is not checked on this path (as in every client).
        assert!(decrypt_response(&session(), &flip(&jwe, 4, 0)).is_ok());
        for byte in 0..64 {
            if let Ok(out) = decrypt_response(&session(), &flip(&jwe, 3, byte)) {
                assert_ne!(out.plaintext.expose(), BODY);
            }
        }
        Ok(())
    }

    #[test]
    fn header_requirements() -> Result<()> {
        let jwe = encrypt_response(&session(), BODY, ResponseCipher::A256Gcm)?;
        let rest = jwe
            .split_once('.')
            .map(|(_, r)| r.to_owned())
            .unwrap_or_default();
        for header in [
            json!({"alg": "RSA-OAEP", "enc": "A256GCM", "ctx": "AAAA"}),
            json!({"alg": "dir", "enc": "A128GCM", "ctx": "AAAA"}),
            json!({"alg": "dir", "enc": "A256GCM"}),
            json!({"alg": "dir", "enc": "A256GCM", "ctx": 5}),
            json!({"alg": "dir", "enc": "A256GCM", "ctx": "-_-_"}),
            json!({"alg": "dir", "enc": "A256GCM", "ctx": ""}),
            json!({"alg": "dir", "enc": "A256GCM", "ctx": "AAAA", "crit": ["ctx"]}),
            json!("dir"),
        ] {
            let forged = format!("{}.{rest}", b64url_encode(&serde_json::to_vec(&header)?));
            assert!(decrypt_response(&session(), &forged).is_err(), "{header}");
        }
        let parts: Vec<&str> = jwe.split('.').collect();
        let with_key = format!("{}.AAAA.{}", parts[0], parts[2..].join("."));
        assert!(decrypt_response(&session(), &with_key).is_err());
        let odd_iv = format!("{}..AAAAAAAA.{}", parts[0], parts[3..].join("."));
        assert!(decrypt_response(&session(), &odd_iv).is_err());
        assert!(
            encrypt_response_with(&session(), BODY, ResponseCipher::A256Gcm, &ctx(), &[0; 16])
                .is_err()
        );
        assert!(
            encrypt_response_with(
                &session(),
                BODY,
                ResponseCipher::Aes256Cbc,
                &ctx(),
                &[0; 12]
            )
            .is_err()
        );
        for bad in [
            "",
            "{\"access_token\":\"x\"}",
            "a.b.c",
            "....",
            ".....",
            "a.b.c.d.e",
        ] {
            assert!(decrypt_response(&session(), bad).is_err(), "{bad:?}");
        }
        Ok(())
    }
}
