//! The crate's single error type.
//!
//! Messages never contain key material, passwords or token contents: they name what went
//! wrong, so they are safe to log at a protocol boundary.

/// Everything that can go wrong in `cerulean-crypto`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CryptoError {
    /// The operating system's random number generator failed.
    #[error("the system random number generator failed")]
    Random,

    /// An RSA key size other than 2048, 3072 or 4096 bits was requested or supplied.
    #[error("unsupported RSA key size: {0} bits")]
    UnsupportedKeySize(usize),

    /// Key bytes were not a usable key of the expected kind.
    #[error("invalid key: {0}")]
    InvalidKey(&'static str),

    /// Producing a signature failed inside the crypto library.
    #[error("signing failed")]
    Signing,

    /// A signature did not verify (wrong key, tampered data or malformed signature).
    #[error("signature verification failed")]
    BadSignature,

    /// RSA encryption failed (for example, the plaintext is too long for the key).
    #[error("encryption failed")]
    Encryption,

    /// RSA decryption failed. Deliberately carries no detail (padding oracles).
    #[error("decryption failed")]
    Decryption,

    /// Argon2 parameters out of range.
    #[error("invalid password hashing parameters: {0}")]
    PasswordParams(String),

    /// A stored password hash is not a PHC string this crate can verify.
    #[error("malformed password hash: {0}")]
    MalformedPasswordHash(String),

    /// Argon2 itself failed while hashing.
    #[error("password hashing failed: {0}")]
    PasswordHashing(String),

    /// Base64 input could not be decoded.
    #[error("invalid base64")]
    Base64,

    /// A compact JWS is structurally invalid.
    #[error("malformed token: {0}")]
    MalformedToken(&'static str),

    /// A JWS uses an algorithm the caller did not ask for or that is never acceptable.
    #[error("unsupported or unexpected algorithm: {0}")]
    UnsupportedAlgorithm(String),

    /// JSON (de)serialisation failed. serde_json's messages name a position, not content.
    #[error("invalid JSON: {0}")]
    Json(#[from] serde_json::Error),

    /// A JWK could not be turned into a key.
    #[error("invalid JWK: {0}")]
    InvalidJwk(&'static str),

    /// PEM armour could not be parsed or held the wrong kind of object.
    #[error("invalid PEM: {0}")]
    Pem(&'static str),

    /// Certificate generation failed inside rcgen.
    #[error("certificate generation failed: {0}")]
    CertificateGeneration(#[from] rcgen::Error),

    /// A certificate could not be parsed.
    #[error("invalid certificate: {0}")]
    InvalidCertificate(String),

    /// A peer's RSA key is shorter than this crate accepts.
    #[error("RSA key too small: {bits} bits, at least {min} bits are required")]
    KeyTooSmall {
        /// Size of the key that was offered.
        bits: usize,
        /// Smallest size accepted.
        min: usize,
    },

    /// A PKCS#10 certification request is malformed, unsupported or not self-signed.
    #[error("invalid certificate request: {0}")]
    InvalidCsr(String),

    /// A `BCRYPT_RSAKEY_BLOB` (or the JWK offered in its place) is malformed.
    #[error("invalid RSA public key blob: {0}")]
    InvalidKeyBlob(&'static str),

    /// A certificate's validity period starts after the time it was checked at.
    #[error("certificate is not yet valid")]
    CertificateNotYetValid,

    /// A certificate's validity period ended before the time it was checked at.
    #[error("certificate has expired")]
    CertificateExpired,

    /// A certificate was not issued by the CA it was checked against.
    #[error("certificate was not issued by this CA: {0}")]
    WrongIssuer(&'static str),

    /// A GUID string or a GUID-valued field could not be parsed.
    #[error("invalid GUID: {0}")]
    InvalidGuid(&'static str),
}

/// Shorthand used throughout the crate.
pub type Result<T, E = CryptoError> = std::result::Result<T, E>;
