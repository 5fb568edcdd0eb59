//! Windows CNG `BCRYPT_RSAKEY_BLOB` public keys (PROTOCOLS.md §4.2): the DRS join's
//! `TransportKey` and MS-KPP's `kngc`.
//!
//! ```text
//! offset size field        value
//!      0    4 Magic        "RSA1" (BCRYPT_RSAPUBLIC_MAGIC)
//!      4    4 BitLength    u32 LE, e.g. 2048
//!      8    4 cbPublicExp  u32 LE, usually 3
//!     12    4 cbModulus    u32 LE, 256 for RSA-2048
//!     16    4 cbPrime1     u32 LE, must be 0
//!     20    4 cbPrime2     u32 LE, must be 0
//!     24    … exponent     big-endian
//!      …    … modulus      big-endian
//! ```
//!
//! Parsing is exact: the blob must be exactly header + exponent + modulus long, both
//! numbers minimal (no leading zero byte), `BitLength` must be the modulus's real size,
//! and blobs carrying primes (or private magics) are refused, as Entra refuses them. So
//! a blob that parses re-encodes to exactly the same bytes. Android and macOS registrations send a JWK
//! instead of a blob; [`parse_transport_key`] accepts both.

use crate::error::{CryptoError, Result};
use crate::jwk::Jwk;
use crate::rsa::{MIN_RSA_BITS, RsaPublicKey, significant_bits};

/// `BCRYPT_RSAPUBLIC_MAGIC`.
pub const RSA_PUBLIC_MAGIC: [u8; 4] = *b"RSA1";
const RSA_PRIVATE_MAGIC: [u8; 4] = *b"RSA2";
const RSA_FULL_PRIVATE_MAGIC: [u8; 4] = *b"RSA3";

const HEADER_LEN: usize = 24;
/// The key type requires a public exponent that fits in 32 bits.
const MAX_EXPONENT_LEN: usize = 4;
/// RSA-8192, the largest key this crate accepts.
const MAX_MODULUS_LEN: usize = 1024;

/// Largest transport-key input [`parse_transport_key`] looks at (a JWK of an RSA-8192 key
/// with a few extra members is well below this).
pub const MAX_TRANSPORT_KEY_LEN: usize = 16 * 1024;

/// Parses a `BCRYPT_RSAKEY_BLOB` holding an RSA public key of at least 2048 bits.
pub fn parse_bcrypt_rsa_public_blob(bytes: &[u8]) -> Result<RsaPublicKey> {
    let header = bytes.get(..HEADER_LEN).ok_or(CryptoError::InvalidKeyBlob(
        "shorter than the 24-byte header",
    ))?;
    let magic = &header[0..4];
    if magic == RSA_PRIVATE_MAGIC || magic == RSA_FULL_PRIVATE_MAGIC {
        return Err(CryptoError::InvalidKeyBlob(
            "private key blob; send the public key only (RSA1)",
        ));
    }
    if magic != RSA_PUBLIC_MAGIC {
        return Err(CryptoError::InvalidKeyBlob("magic is not RSA1"));
    }
    let field = |i: usize| {
        let mut le = [0u8; 4];
        le.copy_from_slice(&header[4 + 4 * i..8 + 4 * i]);
        u32::from_le_bytes(le) as usize
    };
    let (bit_length, exp_len, mod_len, prime1, prime2) =
        (field(0), field(1), field(2), field(3), field(4));
    if prime1 != 0 || prime2 != 0 {
        return Err(CryptoError::InvalidKeyBlob(
            "cbPrime1 and cbPrime2 must be 0 (the blob must not carry primes)",
        ));
    }
    if exp_len == 0 || exp_len > MAX_EXPONENT_LEN {
        return Err(CryptoError::InvalidKeyBlob("cbPublicExp out of range"));
    }
    if mod_len == 0 || mod_len > MAX_MODULUS_LEN {
        return Err(CryptoError::InvalidKeyBlob("cbModulus out of range"));
    }
    let expected = HEADER_LEN + exp_len + mod_len;
    if bytes.len() < expected {
        return Err(CryptoError::InvalidKeyBlob(
            "shorter than cbPublicExp + cbModulus announce",
        ));
    }
    if bytes.len() > expected {
        return Err(CryptoError::InvalidKeyBlob(
            "trailing bytes after the modulus",
        ));
    }
    let exponent = &bytes[HEADER_LEN..HEADER_LEN + exp_len];
    let modulus = &bytes[HEADER_LEN + exp_len..];
    if exponent.first() == Some(&0) {
        return Err(CryptoError::InvalidKeyBlob(
            "exponent has a leading zero byte",
        ));
    }
    if modulus.first() == Some(&0) {
        return Err(CryptoError::InvalidKeyBlob(
            "modulus has a leading zero byte",
        ));
    }
    let actual_bits = significant_bits(modulus);
    if actual_bits != bit_length {
        return Err(CryptoError::InvalidKeyBlob(
            "BitLength does not match the modulus",
        ));
    }
    if actual_bits < MIN_RSA_BITS {
        return Err(CryptoError::KeyTooSmall {
            bits: actual_bits,
            min: MIN_RSA_BITS,
        });
    }
    RsaPublicKey::from_peer_components(modulus, exponent)
}

/// Encodes `key` as a public `BCRYPT_RSAKEY_BLOB` (minimal big-endian numbers, no primes),
/// exactly what Windows' `BCryptExportKey(BCRYPT_RSAPUBLIC_BLOB)` produces.
pub fn encode_bcrypt_rsa_public_blob(key: &RsaPublicKey) -> Vec<u8> {
    let (e, n) = (key.exponent(), key.modulus());
    let mut out = Vec::with_capacity(HEADER_LEN + e.len() + n.len());
    out.extend_from_slice(&RSA_PUBLIC_MAGIC);
    for value in [key.bits(), e.len(), n.len(), 0, 0] {
        // Key sizes are bounded (≤ 8192 bits) by `RsaPublicKey`, so they fit in a u32.
        out.extend_from_slice(&u32::try_from(value).unwrap_or(u32::MAX).to_le_bytes());
    }
    out.extend_from_slice(e);
    out.extend_from_slice(n);
    out
}

/// Parses a DRS transport key after base64 decoding: a `BCRYPT_RSAKEY_BLOB` (Windows,
/// Linux clients) or the UTF-8 JSON of an RSA JWK (`{"kty":"RSA","n":…,"e":…}` with
/// base64url or standard base64 numbers, as roadtx's macOS/Android registrations send).
pub fn parse_transport_key(bytes: &[u8]) -> Result<RsaPublicKey> {
    if bytes.len() > MAX_TRANSPORT_KEY_LEN {
        return Err(CryptoError::InvalidKeyBlob("transport key too large"));
    }
    if bytes.starts_with(b"RSA") {
        return parse_bcrypt_rsa_public_blob(bytes);
    }
    let json = bytes.trim_ascii_start();
    if json.starts_with(b"{") {
        let jwk: Jwk = serde_json::from_slice(json)
            .map_err(|_| CryptoError::InvalidKeyBlob("not an RSA JWK (kty, n and e)"))?;
        return jwk.to_public_key().map_err(|e| match e {
            CryptoError::UnsupportedKeySize(bits) if bits < MIN_RSA_BITS => {
                CryptoError::KeyTooSmall {
                    bits,
                    min: MIN_RSA_BITS,
                }
            }
            CryptoError::InvalidJwk(why) => CryptoError::InvalidKeyBlob(why),
            other => other,
        });
    }
    Err(CryptoError::InvalidKeyBlob(
        "neither a BCRYPT_RSAKEY_BLOB nor a JWK",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::b64::{b64_std_encode, b64url_encode};
    use crate::rsa::tests::test_key;

    fn blob() -> Vec<u8> {
        encode_bcrypt_rsa_public_blob(&test_key().public_key())
    }

    fn set_u32(blob: &mut [u8], offset: usize, value: u32) {
        blob[offset..offset + 4].copy_from_slice(&value.to_le_bytes());
    }

    #[test]
    fn layout_matches_the_dvrj_example_header() {
        let b = blob();
        assert_eq!(
            &b[..27],
            &[
                b'R', b'S', b'A', b'1', 0x00, 0x08, 0, 0, 3, 0, 0, 0, 0x00, 0x01, 0, 0, 0, 0, 0, 0,
                0, 0, 0, 0, 0x01, 0x00, 0x01
            ]
        );
        assert_eq!(b.len(), 24 + 3 + 256);
        assert_eq!(
            parse_bcrypt_rsa_public_blob(&b).unwrap(),
            test_key().public_key()
        );
    }

    #[test]
    fn wrong_lengths_refused() {
        let good = blob();
        let mut trailing = good.clone();
        trailing.push(0);
        assert!(matches!(
            parse_bcrypt_rsa_public_blob(&trailing),
            Err(CryptoError::InvalidKeyBlob(m)) if m.contains("trailing")
        ));
        assert!(parse_bcrypt_rsa_public_blob(&good[..good.len() - 1]).is_err());
        assert!(parse_bcrypt_rsa_public_blob(&good[..10]).is_err());
        assert!(parse_bcrypt_rsa_public_blob(&[]).is_err());

        let mut bits = good.clone();
        set_u32(&mut bits, 4, 2047);
        assert!(parse_bcrypt_rsa_public_blob(&bits).is_err());
        let mut bits = good.clone();
        set_u32(&mut bits, 4, 4096);
        assert!(parse_bcrypt_rsa_public_blob(&bits).is_err());

        let mut exp = good.clone();
        set_u32(&mut exp, 8, 4);
        assert!(parse_bcrypt_rsa_public_blob(&exp).is_err());
        let mut exp = good.clone();
        set_u32(&mut exp, 8, 0);
        assert!(parse_bcrypt_rsa_public_blob(&exp).is_err());
        let mut exp = good.clone();
        set_u32(&mut exp, 8, u32::MAX);
        assert!(parse_bcrypt_rsa_public_blob(&exp).is_err());
        // A padded exponent (00 01 00 01) is not minimal.
        let mut padded = good.clone();
        set_u32(&mut padded, 8, 4);
        padded.insert(24, 0);
        assert!(parse_bcrypt_rsa_public_blob(&padded).is_err());
        assert_eq!(
            encode_bcrypt_rsa_public_blob(&parse_bcrypt_rsa_public_blob(&good).unwrap()),
            good
        );

        let mut modulus = good;
        set_u32(&mut modulus, 12, 255);
        assert!(parse_bcrypt_rsa_public_blob(&modulus).is_err());
    }

    #[test]
    fn primes_and_private_magics_refused() {
        let mut primes = blob();
        set_u32(&mut primes, 16, 128);
        assert!(matches!(
            parse_bcrypt_rsa_public_blob(&primes),
            Err(CryptoError::InvalidKeyBlob(m)) if m.contains("primes")
        ));
        let mut primes = blob();
        set_u32(&mut primes, 20, 1);
        assert!(parse_bcrypt_rsa_public_blob(&primes).is_err());
        for magic in [b"RSA2", b"RSA3", b"ECS1"] {
            let mut b = blob();
            b[..4].copy_from_slice(magic);
            assert!(parse_bcrypt_rsa_public_blob(&b).is_err());
        }
    }

    #[test]
    fn short_keys_refused_with_their_size() {
        let mut small = Vec::new();
        small.extend_from_slice(b"RSA1");
        for v in [1024u32, 3, 128, 0, 0] {
            small.extend_from_slice(&v.to_le_bytes());
        }
        small.extend_from_slice(&[1, 0, 1]);
        small.extend_from_slice(&[0xc5; 128]);
        let err = parse_bcrypt_rsa_public_blob(&small).unwrap_err();
        assert!(matches!(
            err,
            CryptoError::KeyTooSmall {
                bits: 1024,
                min: 2048
            }
        ));
        assert!(err.to_string().contains("1024"));
    }

    #[test]
    fn transport_key_accepts_blob_and_both_jwk_alphabets() {
        let key = test_key().public_key();
        assert_eq!(parse_transport_key(&blob()).unwrap(), key);
        for n in [b64url_encode(key.modulus()), b64_std_encode(key.modulus())] {
            let jwk = format!(r#" {{"kty":"RSA","n":"{n}","e":"AQAB","alg":"RS256","kid":"x"}}"#);
            assert_eq!(parse_transport_key(jwk.as_bytes()).unwrap(), key);
        }
        assert!(parse_transport_key(br#"{"kty":"EC","n":"AQAB","e":"AQAB"}"#).is_err());
        assert!(parse_transport_key(br#"{"kty":"RSA","n":"AQAB","e":"AQAB"}"#).is_err());
        assert!(parse_transport_key(b"{").is_err());
        assert!(parse_transport_key(b"").is_err());
        assert!(parse_transport_key(b"garbage").is_err());
    }
}
