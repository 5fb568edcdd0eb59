//! The crate's error type for failures that are not OAuth protocol errors.

/// Failure to decode or build a wire value.
#[derive(Debug, thiserror::Error)]
pub enum ProtoError {
    /// The JSON did not match the expected shape.
    #[error("invalid JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// A base64 / base64url value did not decode.
    #[error("invalid base64: {0}")]
    Base64(#[from] base64::DecodeError),
    /// A value was syntactically valid but not acceptable (the message names which).
    #[error("invalid value: {0}")]
    Invalid(&'static str),
}
