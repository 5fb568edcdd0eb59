//! Randomness from the operating system via aws-lc-rs.
//!
//! Domain code receives randomness through the directory's `Rng` trait so tests can pin it;
//! these functions are what the production implementation of that trait calls.

use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use zeroize::Zeroize;

use crate::b64::b64url_encode;
use crate::error::{CryptoError, Result};

/// Fills `buf` with cryptographically secure random bytes.
pub fn fill_random(buf: &mut [u8]) -> Result<()> {
    SystemRandom::new()
        .fill(buf)
        .map_err(|_| CryptoError::Random)
}

/// Returns `N` random bytes.
pub fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut out = [0u8; N];
    fill_random(&mut out)?;
    Ok(out)
}

/// Returns `n_bytes` of randomness as unpadded base64url, suitable for URLs, cookies and
/// opaque tokens. 32 bytes (256 bits) is the usual choice for bearer secrets.
pub fn random_token(n_bytes: usize) -> Result<String> {
    let mut raw = vec![0u8; n_bytes];
    fill_random(&mut raw)?;
    let token = b64url_encode(&raw);
    // The raw bytes are as secret as the token they encode.
    raw.zeroize();
    Ok(token)
}

/// Returns 16 random bytes shaped as an RFC 9562 version-4 UUID (version nibble `4`,
/// variant bits `10`). The crate does not depend on `uuid`; callers wrap the bytes.
pub fn random_uuid_bytes() -> Result<[u8; 16]> {
    let mut b = random_bytes::<16>()?;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    Ok(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::b64::b64url_decode;

    #[test]
    fn bytes_differ_between_calls() -> Result<()> {
        assert_ne!(random_bytes::<32>()?, random_bytes::<32>()?);
        Ok(())
    }

    #[test]
    fn token_is_unpadded_base64url_of_requested_length() -> Result<()> {
        let t = random_token(32)?;
        assert_eq!(t.len(), 43);
        assert!(!t.contains(['=', '+', '/']));
        assert_eq!(b64url_decode(&t)?.len(), 32);
        assert_eq!(random_token(0)?, "");
        Ok(())
    }

    #[test]
    fn uuid_has_version_and_variant() -> Result<()> {
        for _ in 0..32 {
            let u = random_uuid_bytes()?;
            assert_eq!(u[6] >> 4, 4);
            assert_eq!(u[8] >> 6, 0b10);
        }
        Ok(())
    }
}
