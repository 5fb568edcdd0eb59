//! The server secret that seals PRT session keys at rest ([`WRAP_SECRET_NAME`], 32 random
//! bytes): created by the first node that issues a PRT (insert-if-absent, so every node
//! ends up with the same key) and read from the store by each issuance. The key never
//! reaches a log: it lives in a [`SecretBytes`] (redacted `Debug`, zeroized on drop) and
//! errors name only its length.

use cerulean_crypto::{SecretBytes, random_bytes};
use cerulean_directory::{ActionContext, Actor, Directory, ServerSecret, StoreError};
use serde_json::json;

/// The server secret holding the AES-256-GCM key that seals session keys in the store.
pub(crate) const WRAP_SECRET_NAME: &str = "prt.session-key-wrap.v1";
const KEY_LEN: usize = 32;

#[derive(Debug, thiserror::Error)]
pub(crate) enum WrapKeyError {
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("randomness: {0}")]
    Random(#[from] cerulean_crypto::CryptoError),
    #[error("the stored PRT wrap key has {0} bytes, not {KEY_LEN}")]
    Length(usize),
}

/// The wrap key, created if the deployment has none yet.
pub(crate) async fn wrap_key(directory: &Directory) -> Result<SecretBytes, WrapKeyError> {
    let store = directory.store();
    let secret = match store.server_secret(WRAP_SECRET_NAME).await? {
        Some(secret) => secret,
        None => {
            let now = directory.clock().now();
            let candidate = ServerSecret {
                name: WRAP_SECRET_NAME.to_owned(),
                value: random_bytes::<KEY_LEN>()?.to_vec(),
                created_at: now,
            };
            let audit = ActionContext::new(Actor::System).event(
                now,
                None,
                "server.secret.create",
                format!("secret:{WRAP_SECRET_NAME}"),
                json!({ "purpose": "seals PRT session keys at rest (AES-256-GCM)" }),
            );
            store.insert_server_secret(&candidate, &audit).await?
        }
    };
    let ServerSecret { value, .. } = secret;
    if value.len() != KEY_LEN {
        return Err(WrapKeyError::Length(value.len()));
    }
    Ok(SecretBytes::new(value))
}
