//! Opaque one-time secrets (authorization codes, refresh tokens, device codes, session
//! ids): handed out in plaintext once, stored only as a hash.

use cerulean_crypto::b64::b64url_encode;
use cerulean_crypto::random_token;
use sha2::{Digest, Sha256};

/// A fresh secret with `bytes` of entropy and its storage hash.
pub fn new_secret(bytes: usize) -> Result<(String, String), cerulean_crypto::CryptoError> {
    let plaintext = random_token(bytes)?;
    let hash = hash_secret(&plaintext);
    Ok((plaintext, hash))
}

/// The storage key of a secret: base64url(SHA-256(secret)). A fast hash is right here:
/// the secrets are 256-bit random, so there is nothing to brute-force.
pub fn hash_secret(plaintext: &str) -> String {
    b64url_encode(&Sha256::digest(plaintext.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_stable_and_secret_is_random() {
        let (a, ha) = new_secret(32).unwrap();
        let (b, hb) = new_secret(32).unwrap();
        assert_ne!(a, b);
        assert_ne!(ha, hb);
        assert_eq!(hash_secret(&a), ha);
        assert_eq!(ha.len(), 43);
    }
}
