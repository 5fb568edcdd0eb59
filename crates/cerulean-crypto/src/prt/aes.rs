//! The two AES-256 constructions PRT messages use, over aws-lc-rs: AES-256-GCM (96-bit IV,
//! 128-bit tag) and AES-256-CBC with PKCS#7 padding (128-bit IV, no integrity of its own).
//! Every failure to open is the same opaque [`CryptoError::Decryption`].

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::cipher::{
    AES_256, DecryptionContext, EncryptionContext, PaddedBlockDecryptingKey,
    PaddedBlockEncryptingKey, UnboundCipherKey,
};
use aws_lc_rs::iv::FixedLength;

use crate::error::{CryptoError, Result};

/// AES-256 key length.
pub(crate) const KEY_LEN: usize = 32;
/// GCM IV length.
pub(crate) const GCM_IV_LEN: usize = 12;
/// GCM tag length.
pub(crate) const GCM_TAG_LEN: usize = 16;
/// CBC IV (= block) length.
pub(crate) const CBC_IV_LEN: usize = 16;

fn gcm_key(key: &[u8]) -> Result<LessSafeKey> {
    UnboundKey::new(&AES_256_GCM, key)
        .map(LessSafeKey::new)
        .map_err(|_| CryptoError::InvalidKey("an AES-256 key has 32 bytes"))
}

/// Encrypts `plaintext`; returns the ciphertext (same length) and the tag.
pub(crate) fn gcm_seal(
    key: &[u8],
    iv: &[u8; GCM_IV_LEN],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<(Vec<u8>, [u8; GCM_TAG_LEN])> {
    let key = gcm_key(key)?;
    let mut buf = plaintext.to_vec();
    let tag = key
        .seal_in_place_separate_tag(Nonce::assume_unique_for_key(*iv), Aad::from(aad), &mut buf)
        .map_err(|_| CryptoError::Encryption)?;
    let mut out = [0u8; GCM_TAG_LEN];
    let tag = tag.as_ref();
    if tag.len() != GCM_TAG_LEN {
        return Err(CryptoError::Encryption);
    }
    out.copy_from_slice(tag);
    Ok((buf, out))
}

/// Checks the tag and decrypts.
pub(crate) fn gcm_open(
    key: &[u8],
    iv: &[u8],
    aad: &[u8],
    ciphertext: &[u8],
    tag: &[u8],
) -> Result<Vec<u8>> {
    let key = gcm_key(key)?;
    let nonce = Nonce::try_assume_unique_for_key(iv).map_err(|_| CryptoError::Decryption)?;
    if tag.len() != GCM_TAG_LEN {
        return Err(CryptoError::Decryption);
    }
    let mut buf = Vec::with_capacity(ciphertext.len() + GCM_TAG_LEN);
    buf.extend_from_slice(ciphertext);
    buf.extend_from_slice(tag);
    let len = key
        .open_in_place(nonce, Aad::from(aad), &mut buf)
        .map_err(|_| CryptoError::Decryption)?
        .len();
    buf.truncate(len);
    Ok(buf)
}

fn cbc_unbound(key: &[u8]) -> Result<UnboundCipherKey> {
    if key.len() != KEY_LEN {
        return Err(CryptoError::InvalidKey("an AES-256 key has 32 bytes"));
    }
    UnboundCipherKey::new(&AES_256, key)
        .map_err(|_| CryptoError::InvalidKey("an AES-256 key has 32 bytes"))
}

/// AES-256-CBC with PKCS#7 padding under `iv`.
pub(crate) fn cbc_encrypt(key: &[u8], iv: &[u8; CBC_IV_LEN], plaintext: &[u8]) -> Result<Vec<u8>> {
    let key = PaddedBlockEncryptingKey::cbc_pkcs7(cbc_unbound(key)?)
        .map_err(|_| CryptoError::Encryption)?;
    let mut buf = plaintext.to_vec();
    key.less_safe_encrypt(&mut buf, EncryptionContext::Iv128(FixedLength::from(*iv)))
        .map_err(|_| CryptoError::Encryption)?;
    Ok(buf)
}

/// Decrypts AES-256-CBC and removes PKCS#7 padding. Unauthenticated: the caller must not
/// reveal *why* this failed (padding oracles), and must treat the plaintext as untrusted.
pub(crate) fn cbc_decrypt(key: &[u8], iv: &[u8], ciphertext: &[u8]) -> Result<Vec<u8>> {
    let iv: [u8; CBC_IV_LEN] = iv.try_into().map_err(|_| CryptoError::Decryption)?;
    if ciphertext.is_empty() || ciphertext.len() % CBC_IV_LEN != 0 {
        return Err(CryptoError::Decryption);
    }
    let key = PaddedBlockDecryptingKey::cbc_pkcs7(cbc_unbound(key)?)
        .map_err(|_| CryptoError::Decryption)?;
    let mut buf = ciphertext.to_vec();
    let len = key
        .decrypt(&mut buf, DecryptionContext::Iv128(FixedLength::from(iv)))
        .map_err(|_| CryptoError::Decryption)?
        .len();
    buf.truncate(len);
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// NIST SP 800-38D / McGrew–Viega GCM test case 14: AES-256, zero key, zero IV, one
    /// zero block.
    #[test]
    fn gcm_known_answer() -> Result<()> {
        let (ct, tag) = gcm_seal(&[0; 32], &[0; 12], b"", &[0; 16])?;
        assert_eq!(hex::encode(&ct), "cea7403d4d606b6e074ec5d3baf39d18");
        assert_eq!(hex::encode(tag), "d0d1c8a799996bf0265b98b5d48ab919");
        assert_eq!(gcm_open(&[0; 32], &[0; 12], b"", &ct, &tag)?, vec![0; 16]);
        assert!(gcm_open(&[0; 32], &[0; 12], b"x", &ct, &tag).is_err());
        assert!(gcm_open(&[0; 32], &[0; 16], b"", &ct, &tag).is_err());
        assert!(gcm_open(&[0; 32], &[0; 12], b"", &ct, &tag[..15]).is_err());
        assert!(gcm_seal(&[0; 16], &[0; 12], b"", b"").is_err());
        Ok(())
    }

    /// NIST SP 800-38A F.2.5 (CBC-AES256.Encrypt), first block; PKCS#7 adds one block.
    #[test]
    fn cbc_known_answer() -> Result<()> {
        let key = hex::decode("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4")
            .map_err(|_| CryptoError::Base64)?;
        let iv: [u8; 16] = core::array::from_fn(|i| i as u8);
        let pt =
            hex::decode("6bc1bee22e409f96e93d7e117393172a").map_err(|_| CryptoError::Base64)?;
        let ct = cbc_encrypt(&key, &iv, &pt)?;
        assert_eq!(ct.len(), 32);
        assert_eq!(hex::encode(&ct[..16]), "f58c4c04d6e5f1ba779eabfb5f7bfbd6");
        assert_eq!(cbc_decrypt(&key, &iv, &ct)?, pt);
        assert!(cbc_decrypt(&key, &iv, &ct[..16]).is_err(), "bad padding");
        assert!(cbc_decrypt(&key, &iv, &ct[..31]).is_err());
        assert!(cbc_decrypt(&key, &iv, &[]).is_err());
        assert!(cbc_decrypt(&key, &iv[..12], &ct).is_err());
        assert!(cbc_decrypt(&key[..16], &iv, &ct).is_err());
        Ok(())
    }
}
