//! Cryptography for Cerulean: secrets, randomness, Argon2id password hashing, RSA keys,
//! RS256 JWS, JWKs, the X.509 certificates Cerulean issues for its own TLS, and the
//! device-registration building blocks: PKCS#10 CSRs ([`csr`]), `BCRYPT_RSAKEY_BLOB`
//! keys ([`bcrypt_blob`]), the per-tenant device CA and device certificates
//! ([`device_ca`]) and certificate signature checks ([`x509_verify`]); and the Primary
//! Refresh Token's session-key cryptography ([`prt`]: the MS KDF, HS256, the JWEs).
//!
//! All primitives come from aws-lc-rs (RSA, ECDSA, digests, randomness), `argon2` and
//! `rcgen`; this crate only shapes them into the forms Entra ID's protocols use, so that
//! the rest of the workspace never touches a raw crypto API.
//!
//! House rules: no panics on any input, secrets live in [`SecretString`] /
//! [`SecretBytes`] (redacted `Debug`, zeroized on drop), and every failure is a
//! [`CryptoError`] whose message is safe to log.

pub mod b64;
pub mod bcrypt_blob;
pub mod csr;
pub mod csr_build;
mod der;
pub mod device_ca;
mod error;
pub mod jwk;
pub mod jws;
pub mod mac;
pub mod password;
mod pem;
pub mod pki;
pub mod prt;
pub mod random;
pub mod rsa;
pub mod secret;
pub mod x509_verify;

pub use bcrypt_blob::{
    encode_bcrypt_rsa_public_blob, parse_bcrypt_rsa_public_blob, parse_transport_key,
};
pub use csr::{CertificationRequest, parse_and_verify_csr};
pub use csr_build::{CSR_PLACEHOLDER_CN, build_csr};
pub use device_ca::{
    CertificateJoinType, DeviceCa, DeviceCertParams, DeviceCertificateInfo,
    IssuedDeviceCertificate, guid_to_ms_bytes, ms_bytes_to_guid, ms_bytes_to_uuid,
    parse_device_certificate, uuid_to_ms_bytes,
};
pub use error::{CryptoError, Result};
pub use jwk::{Jwk, Jwks, key_id_for};
pub use jws::{UnverifiedJws, sign_jwt, sign_rs256_compact};
pub use mac::{hmac_sha256, verify_hmac_sha256};
pub use password::{PasswordHasher, PasswordParams};
pub use pem::encode_pem;
pub use pki::{
    CertificateAuthority, CertificateInfo, IssuedCertificate, SubjectAltName,
    certificate_der_from_pem, certificates_der_from_pem, parse_certificate_info,
    self_signed_signing_certificate, sha1_thumbprint_hex, sha256_hex,
};
pub use random::{fill_random, random_bytes, random_token, random_uuid_bytes};
pub use rsa::{MIN_RSA_BITS, RsaPrivateKey, RsaPublicKey};
pub use secret::{SecretBytes, SecretString, constant_time_eq};
pub use uuid::Uuid;
pub use x509_verify::{
    RsaSignatureAlgorithm, check_validity, verify_certificate, verify_certificate_signature,
};

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
        assert_send_sync::<crate::DeviceCa>();
        assert_send_sync::<crate::DeviceCertificateInfo>();
    }
}
