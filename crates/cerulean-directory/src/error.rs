//! The directory's errors: each says what went wrong in words an operator can act on.

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    #[error("invalid {field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    #[error("{what} '{key}' not found")]
    NotFound { what: &'static str, key: String },
    #[error("{what} '{key}' already exists")]
    AlreadyExists { what: &'static str, key: String },
    #[error("password rejected: {0}")]
    WeakPassword(String),
    #[error("not allowed: {0}")]
    Forbidden(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cryptography failed: {0}")]
    Crypto(#[from] cerulean_crypto::CryptoError),
    #[error("internal error: {0}")]
    Internal(String),
}

pub type DirectoryResult<T> = Result<T, DirectoryError>;
