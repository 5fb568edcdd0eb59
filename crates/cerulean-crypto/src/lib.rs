//! Cryptography for Cerulean: secrets, randomness, Argon2id password hashing, RSA keys,
//! RS256 JWS, JWKs and the X.509 certificates Cerulean issues for its own TLS.
//!
//! All primitives come from aws-lc-rs (RSA, ECDSA, digests, randomness), `argon2` and
//! `rcgen`; this crate only shapes them into the forms Entra ID's protocols use, so that
//! the rest of the workspace never touches a raw crypto API.
//!
//! House rules: no panics on any input, secrets live in [`SecretString`] /
//! [`SecretBytes`] (redacted `Debug`, zeroized on drop), and every failure is a
//! [`CryptoError`] whose message is safe to log.

pub mod b64;
mod error;
pub mod jwk;
pub mod jws;
pub mod password;
mod pem;
pub mod pki;
pub mod random;
pub mod rsa;
pub mod secret;

pub use error::{CryptoError, Result};
pub use jwk::{Jwk, Jwks, key_id_for};
pub use jws::{UnverifiedJws, sign_jwt, sign_rs256_compact};
pub use password::{PasswordHasher, PasswordParams};
pub use pem::encode_pem;
pub use pki::{
    CertificateAuthority, CertificateInfo, IssuedCertificate, SubjectAltName,
    certificate_der_from_pem, certificates_der_from_pem, parse_certificate_info,
    self_signed_signing_certificate, sha1_thumbprint_hex, sha256_hex,
};
pub use random::{fill_random, random_bytes, random_token, random_uuid_bytes};
pub use rsa::{RsaPrivateKey, RsaPublicKey};
pub use secret::{SecretBytes, SecretString, constant_time_eq};

#[cfg(test)]
mod tests {
    /// The server shares keys, the hasher and the CA across request tasks.
    #[test]
    fn shared_types_are_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<crate::RsaPrivateKey>();
        assert_send_sync::<crate::RsaPublicKey>();
        assert_send_sync::<crate::PasswordHasher>();
        assert_send_sync::<crate::CertificateAuthority>();
        assert_send_sync::<crate::SecretString>();
        assert_send_sync::<crate::UnverifiedJws>();
    }
}
