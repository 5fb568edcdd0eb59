//! RSA keys: RS256 signatures (RFC 7518 §3.3) and RSA-OAEP with SHA-1 (RFC 8017 §7.1,
//! JOSE `RSA-OAEP`), which is what Microsoft's session-key JWE requires.

use std::fmt;

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der};
use aws_lc_rs::rsa::{
    KeyPair, KeySize, OAEP_SHA1_MGF1SHA1, OaepPrivateDecryptingKey, OaepPublicEncryptingKey,
    PrivateDecryptingKey, PublicEncryptingKey, PublicKeyComponents,
};
use aws_lc_rs::signature::{self, KeyPair as _};
use rustls_pki_types::PrivatePkcs8KeyDer;
use rustls_pki_types::pem::PemObject;
use sha2::{Digest, Sha256};
use zeroize::Zeroize;

use crate::error::{CryptoError, Result};
use crate::pem::encode_pem;
use crate::secret::{SecretBytes, SecretString};

/// Smallest and largest modulus we accept from peers (bits).
const MIN_PUBLIC_BITS: usize = 2048;
const MAX_PUBLIC_BITS: usize = 8192;

/// Smallest RSA modulus, in bits, accepted from a peer (CSR keys, transport keys, NGC
/// keys, certificate keys).
pub const MIN_RSA_BITS: usize = MIN_PUBLIC_BITS;

/// An RSA private key used for signing (RS256) and, on the device side, OAEP decryption.
#[derive(Clone)]
pub struct RsaPrivateKey {
    key_pair: KeyPair,
    public: RsaPublicKey,
}

impl fmt::Debug for RsaPrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RsaPrivateKey")
            .field("bits", &self.public.bits())
            .field("public_sha256", &self.public.fingerprint_sha256_hex())
            .finish_non_exhaustive()
    }
}

impl RsaPrivateKey {
    /// Generates a new key of 2048, 3072 or 4096 bits.
    pub fn generate(bits: usize) -> Result<Self> {
        let size = match bits {
            2048 => KeySize::Rsa2048,
            3072 => KeySize::Rsa3072,
            4096 => KeySize::Rsa4096,
            other => return Err(CryptoError::UnsupportedKeySize(other)),
        };
        let key_pair = KeyPair::generate(size).map_err(|_| CryptoError::Random)?;
        Self::from_key_pair(key_pair)
    }

    /// Parses an unencrypted PKCS#8 (`PRIVATE KEY`) DER private key.
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self> {
        let key_pair =
            KeyPair::from_pkcs8(der).map_err(|e| CryptoError::InvalidKey(e.description_()))?;
        Self::from_key_pair(key_pair)
    }

    /// Parses a PEM `-----BEGIN PRIVATE KEY-----` block.
    pub fn from_pkcs8_pem(pem: &str) -> Result<Self> {
        let der = PrivatePkcs8KeyDer::from_pem_slice(pem.as_bytes())
            .map_err(|_| CryptoError::Pem("expected a PKCS#8 PRIVATE KEY block"))?;
        Self::from_pkcs8_der(der.secret_pkcs8_der())
    }

    /// Serialises the key as PKCS#8 DER.
    pub fn to_pkcs8_der(&self) -> Result<SecretBytes> {
        let der: Pkcs8V1Der<'static> = self
            .key_pair
            .as_der()
            .map_err(|_| CryptoError::InvalidKey("PKCS#8 serialisation failed"))?;
        Ok(SecretBytes::new(der.as_ref().to_vec()))
    }

    /// Serialises the key as a PEM `PRIVATE KEY` block.
    pub fn to_pkcs8_pem(&self) -> Result<SecretString> {
        let der = self.to_pkcs8_der()?;
        Ok(SecretString::new(encode_pem("PRIVATE KEY", der.expose())))
    }

    /// The public half.
    pub fn public_key(&self) -> RsaPublicKey {
        self.public.clone()
    }

    /// Signs `msg` with RSASSA-PKCS1-v1_5 and SHA-256 (JOSE `RS256`).
    pub fn sign_rs256(&self, msg: &[u8]) -> Result<Vec<u8>> {
        let mut sig = vec![0u8; self.key_pair.public_modulus_len()];
        let rng = aws_lc_rs::rand::SystemRandom::new();
        self.key_pair
            .sign(&signature::RSA_PKCS1_SHA256, &rng, msg, &mut sig)
            .map_err(|_| CryptoError::Signing)?;
        Ok(sig)
    }

    /// Decrypts RSA-OAEP (SHA-1, MGF1-SHA-1) ciphertext, e.g. the encrypted key of a
    /// session-key JWE on the device. Errors carry no detail, to give no padding oracle.
    pub fn decrypt_oaep_sha1(&self, ciphertext: &[u8]) -> Result<SecretBytes> {
        let der = self.to_pkcs8_der()?;
        let private = PrivateDecryptingKey::from_pkcs8(der.expose())
            .map_err(|e| CryptoError::InvalidKey(e.description_()))?;
        let oaep = OaepPrivateDecryptingKey::new(private).map_err(|_| CryptoError::Decryption)?;
        let mut out = vec![0u8; oaep.min_output_size()];
        let result = oaep
            .decrypt(&OAEP_SHA1_MGF1SHA1, ciphertext, &mut out, None)
            .map(|plain| plain.to_vec());
        out.zeroize();
        result
            .map(SecretBytes::new)
            .map_err(|_| CryptoError::Decryption)
    }

    fn from_key_pair(key_pair: KeyPair) -> Result<Self> {
        let pk = key_pair.public_key();
        let public = RsaPublicKey::from_components(
            pk.modulus().big_endian_without_leading_zero(),
            pk.exponent().big_endian_without_leading_zero(),
        )?;
        Ok(Self { key_pair, public })
    }
}

/// An RSA public key: modulus and exponent as unsigned big-endian bytes without leading
/// zeros, with its SubjectPublicKeyInfo DER computed once.
#[derive(Clone, PartialEq, Eq)]
pub struct RsaPublicKey {
    n: Vec<u8>,
    e: Vec<u8>,
    spki: Vec<u8>,
}

impl fmt::Debug for RsaPublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RsaPublicKey")
            .field("bits", &self.bits())
            .field("sha256", &self.fingerprint_sha256_hex())
            .finish()
    }
}

impl RsaPublicKey {
    /// Builds a key from its modulus `n` and exponent `e` (big-endian; leading zero bytes,
    /// as some encoders emit, are stripped). Moduli outside 2048–8192 bits are refused.
    pub fn from_components(n: &[u8], e: &[u8]) -> Result<Self> {
        let n = strip_leading_zeros(n);
        let e = strip_leading_zeros(e);
        let bits = bit_len(n);
        if !(MIN_PUBLIC_BITS..=MAX_PUBLIC_BITS).contains(&bits) {
            return Err(CryptoError::UnsupportedKeySize(bits));
        }
        // Exponent must be odd, > 1 and fit in 32 bits (what every RSA implementation,
        // including Windows' BCRYPT blobs, accepts).
        if e.is_empty() || e.len() > 4 || e.last().is_some_and(|b| b & 1 == 0) || e == [1] {
            return Err(CryptoError::InvalidKey("unusable RSA public exponent"));
        }
        let components = PublicKeyComponents { n, e };
        let spki = components
            .as_der()
            .map_err(|_| CryptoError::InvalidKey("invalid RSA public key"))?;
        Ok(Self {
            n: n.to_vec(),
            e: e.to_vec(),
            spki: spki.as_ref().to_vec(),
        })
    }

    /// As [`from_components`](Self::from_components), for keys a client offers: a modulus
    /// below [`MIN_RSA_BITS`] is reported as [`CryptoError::KeyTooSmall`], which names the
    /// size, so the refusal tells the client what to fix.
    pub fn from_peer_components(n: &[u8], e: &[u8]) -> Result<Self> {
        let bits = bit_len(strip_leading_zeros(n));
        if bits < MIN_PUBLIC_BITS {
            return Err(CryptoError::KeyTooSmall {
                bits,
                min: MIN_PUBLIC_BITS,
            });
        }
        Self::from_components(n, e)
    }

    /// Parses a DER SubjectPublicKeyInfo (also accepts a bare PKCS#1 `RSAPublicKey`).
    pub fn from_spki_der(der: &[u8]) -> Result<Self> {
        let pk = aws_lc_rs::rsa::PublicKey::from_der(der)
            .map_err(|e| CryptoError::InvalidKey(e.description_()))?;
        Self::from_components(
            pk.modulus().big_endian_without_leading_zero(),
            pk.exponent().big_endian_without_leading_zero(),
        )
    }

    /// The DER SubjectPublicKeyInfo (`rsaEncryption`), as found in certificates.
    pub fn to_spki_der(&self) -> Vec<u8> {
        self.spki.clone()
    }

    /// Borrows the DER SubjectPublicKeyInfo.
    pub fn spki_der(&self) -> &[u8] {
        &self.spki
    }

    /// Modulus, big-endian, no leading zeros.
    pub fn modulus(&self) -> &[u8] {
        &self.n
    }

    /// Public exponent, big-endian, no leading zeros.
    pub fn exponent(&self) -> &[u8] {
        &self.e
    }

    /// Modulus size in bits.
    pub fn bits(&self) -> usize {
        bit_len(&self.n)
    }

    /// Lower-case hex SHA-256 of the SPKI DER; a stable, log-safe identifier.
    pub fn fingerprint_sha256_hex(&self) -> String {
        hex::encode(Sha256::digest(&self.spki))
    }

    /// Verifies an RS256 (RSASSA-PKCS1-v1_5 with SHA-256) signature.
    pub fn verify_rs256(&self, msg: &[u8], sig: &[u8]) -> Result<()> {
        PublicKeyComponents {
            n: self.n.as_slice(),
            e: self.e.as_slice(),
        }
        .verify(&signature::RSA_PKCS1_2048_8192_SHA256, msg, sig)
        .map_err(|_| CryptoError::BadSignature)
    }

    /// Encrypts with RSA-OAEP, SHA-1 and MGF1-SHA-1 (JOSE `RSA-OAEP`), no label.
    pub fn encrypt_oaep_sha1(&self, plaintext: &[u8]) -> Result<Vec<u8>> {
        let public = PublicEncryptingKey::from_der(&self.spki)
            .map_err(|e| CryptoError::InvalidKey(e.description_()))?;
        let oaep = OaepPublicEncryptingKey::new(public).map_err(|_| CryptoError::Encryption)?;
        if plaintext.len() > oaep.max_plaintext_size(&OAEP_SHA1_MGF1SHA1) {
            return Err(CryptoError::Encryption);
        }
        let mut out = vec![0u8; oaep.ciphertext_size()];
        let len = oaep
            .encrypt(&OAEP_SHA1_MGF1SHA1, plaintext, &mut out, None)
            .map_err(|_| CryptoError::Encryption)?
            .len();
        out.truncate(len);
        Ok(out)
    }
}

/// The DER PKCS#1 `RSAPublicKey` (RFC 8017 §A.1.1): the content of the SPKI's
/// subjectPublicKey, hashed for key identifiers (RFC 5280 §4.2.1.2).
pub(crate) fn pkcs1_der(key: &RsaPublicKey) -> Vec<u8> {
    crate::der::sequence(&[
        &crate::der::unsigned_integer(key.modulus()),
        &crate::der::unsigned_integer(key.exponent()),
    ])
}

/// Number of significant bits in an unsigned big-endian integer (leading zeros allowed).
pub(crate) fn significant_bits(be: &[u8]) -> usize {
    bit_len(strip_leading_zeros(be))
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    &bytes[first..]
}

/// Number of significant bits in an unsigned big-endian integer without leading zeros.
fn bit_len(be: &[u8]) -> usize {
    match be.first() {
        None => 0,
        Some(&top) => (be.len() - 1) * 8 + (8 - top.leading_zeros() as usize),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::sync::OnceLock;

    use super::*;

    /// RSA generation is slow; the whole test binary shares two keys.
    pub(crate) fn test_key() -> &'static RsaPrivateKey {
        static KEY: OnceLock<RsaPrivateKey> = OnceLock::new();
        KEY.get_or_init(|| RsaPrivateKey::generate(2048).expect("RSA key generation"))
    }

    pub(crate) fn other_test_key() -> &'static RsaPrivateKey {
        static KEY: OnceLock<RsaPrivateKey> = OnceLock::new();
        KEY.get_or_init(|| RsaPrivateKey::generate(2048).expect("RSA key generation"))
    }

    #[test]
    fn sign_verify_round_trip() -> Result<()> {
        let key = test_key();
        let sig = key.sign_rs256(b"hello")?;
        assert_eq!(sig.len(), 256);
        key.public_key().verify_rs256(b"hello", &sig)?;
        Ok(())
    }

    #[test]
    fn tampered_signature_or_message_fails() -> Result<()> {
        let key = test_key();
        let mut sig = key.sign_rs256(b"hello")?;
        let pubkey = key.public_key();
        assert!(pubkey.verify_rs256(b"hellp", &sig).is_err());
        sig[10] ^= 1;
        assert!(matches!(
            pubkey.verify_rs256(b"hello", &sig),
            Err(CryptoError::BadSignature)
        ));
        assert!(pubkey.verify_rs256(b"hello", &[]).is_err());
        Ok(())
    }

    #[test]
    fn wrong_key_fails() -> Result<()> {
        let sig = test_key().sign_rs256(b"hello")?;
        assert!(
            other_test_key()
                .public_key()
                .verify_rs256(b"hello", &sig)
                .is_err()
        );
        Ok(())
    }

    #[test]
    fn pkcs8_der_and_pem_round_trip() -> Result<()> {
        let key = test_key();
        let der = key.to_pkcs8_der()?;
        let again = RsaPrivateKey::from_pkcs8_der(der.expose())?;
        assert_eq!(again.public_key(), key.public_key());
        let pem = key.to_pkcs8_pem()?;
        assert!(pem.expose().starts_with("-----BEGIN PRIVATE KEY-----\n"));
        let again = RsaPrivateKey::from_pkcs8_pem(pem.expose())?;
        assert_eq!(again.public_key(), key.public_key());
        assert!(RsaPrivateKey::from_pkcs8_der(b"not a key").is_err());
        assert!(RsaPrivateKey::from_pkcs8_pem("not pem").is_err());
        Ok(())
    }

    #[test]
    fn public_key_encodings_round_trip() -> Result<()> {
        let pubkey = test_key().public_key();
        assert_eq!(pubkey.bits(), 2048);
        assert_eq!(pubkey.exponent(), [1, 0, 1]);
        let from_spki = RsaPublicKey::from_spki_der(pubkey.spki_der())?;
        assert_eq!(from_spki, pubkey);
        let mut padded_n = vec![0u8];
        padded_n.extend_from_slice(pubkey.modulus());
        assert_eq!(
            RsaPublicKey::from_components(&padded_n, pubkey.exponent())?,
            pubkey
        );
        Ok(())
    }

    #[test]
    fn rejects_small_or_odd_public_keys() {
        assert!(matches!(
            RsaPublicKey::from_components(&[0xff; 128], &[1, 0, 1]),
            Err(CryptoError::UnsupportedKeySize(1024))
        ));
        let n = test_key().public_key().modulus().to_vec();
        assert!(RsaPublicKey::from_components(&n, &[2]).is_err());
        assert!(RsaPublicKey::from_components(&n, &[1]).is_err());
        assert!(RsaPublicKey::from_components(&n, &[]).is_err());
        assert!(RsaPublicKey::from_spki_der(b"garbage").is_err());
    }

    #[test]
    fn unsupported_generation_size() {
        assert!(matches!(
            RsaPrivateKey::generate(1024),
            Err(CryptoError::UnsupportedKeySize(1024))
        ));
    }

    #[test]
    fn oaep_round_trip() -> Result<()> {
        let key = test_key();
        let session_key = [7u8; 32];
        let ct = key.public_key().encrypt_oaep_sha1(&session_key)?;
        assert_eq!(ct.len(), 256);
        // OAEP is randomised.
        assert_ne!(ct, key.public_key().encrypt_oaep_sha1(&session_key)?);
        assert_eq!(key.decrypt_oaep_sha1(&ct)?.expose(), session_key);
        assert!(other_test_key().decrypt_oaep_sha1(&ct).is_err());
        assert!(key.public_key().encrypt_oaep_sha1(&[0u8; 300]).is_err());
        Ok(())
    }

    #[test]
    fn debug_shows_no_key_material() -> Result<()> {
        let key = test_key();
        let dbg = format!("{key:?}");
        let der = key.to_pkcs8_der()?;
        assert!(!dbg.contains(&hex::encode(&der.expose()[40..60])));
        assert!(dbg.starts_with("RsaPrivateKey"));
        Ok(())
    }
}
