//! The cryptography of the Primary Refresh Token ([MS-OAPXBC], PROTOCOLS.md §5.3–5.6):
//!
//! * [`kdf`] — SP 800-108 counter-mode HMAC-SHA256 with the label
//!   `AzureAD-SecureConversation`, in its two context forms (KDFv1, KDFv2);
//! * [`session_jwe`] — the `session_key_jwe` of a PRT response: a fresh 32-byte session key
//!   wrapped with RSA-OAEP (SHA-1) under the device's transport key;
//! * [`hs256`] — compact JWS signed with a key derived from the session key (the
//!   `request` of a PRT-based token request, `x-ms-RefreshTokenCredential`);
//! * [`response_jwe`] — the `dir` JWE a server answers such a request with (A256GCM as the
//!   spec says, or the AES-256-CBC form Entra actually sends).
//!
//! Both roles live here: the server wraps keys, verifies HS256 and encrypts responses; the
//! device unwraps, signs and decrypts. Session keys and derived keys are only ever held in
//! [`SecretBytes`](crate::SecretBytes); nothing here logs.

mod aes;
pub mod at_rest;
mod compact;
pub mod hs256;
pub mod kdf;
pub mod response_jwe;
pub mod session_jwe;

pub use at_rest::{SEALED_SESSION_KEY_LEN, open_session_key_at_rest, seal_session_key_at_rest};
pub use hs256::{SessionJws, VerifiedSessionJws, sign_session_jws, sign_session_jws_with_ctx};
pub use kdf::{KDF_LABEL, KdfVersion, derive_key, derive_key_v1, derive_key_v2, kdf_v2_context};
pub use response_jwe::{
    DecryptedResponse, ResponseCipher, decrypt_response, encrypt_response, encrypt_response_with,
};
pub use session_jwe::{
    SESSION_KEY_JWE_HEADER, SESSION_KEY_LEN, new_session_key, open_session_key_jwe,
    seal_session_key_jwe,
};

/// Length of a random `ctx` this crate generates (what Windows and roadtx send).
pub const CTX_LEN: usize = 24;

/// Longest `ctx` (decoded) accepted from a peer. Real clients send 24 or 32 bytes.
pub const MAX_CTX_LEN: usize = 256;
