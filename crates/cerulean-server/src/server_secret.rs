//! Deployment-wide 32-byte secrets kept in the store (the nonce HMAC key, the key that
//! seals PRT session keys at rest): the first node that needs one creates it
//! (insert-if-absent, audited), so every node ends up with the same value. Values live in
//! [`SecretBytes`] (redacted `Debug`, zeroized on drop); errors name only their length.

use cerulean_crypto::{SecretBytes, random_bytes};
use cerulean_directory::{ActionContext, Actor, Directory, ServerSecret, StoreError};
use serde_json::json;

/// The length of every server secret.
pub const SECRET_LEN: usize = 32;

#[derive(Debug, thiserror::Error)]
pub enum ServerSecretError {
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("randomness: {0}")]
    Random(#[from] cerulean_crypto::CryptoError),
    #[error("the stored secret {name} has {len} bytes, not {SECRET_LEN}")]
    Length { name: &'static str, len: usize },
}

/// The secret `name`, created now if the deployment has none yet; `purpose` goes into
/// the audit event of the creation.
pub async fn load_or_create(
    directory: &Directory,
    name: &'static str,
    purpose: &str,
) -> Result<SecretBytes, ServerSecretError> {
    let store = directory.store();
    let secret = match store.server_secret(name).await? {
        Some(secret) => secret,
        None => {
            let now = directory.clock().now();
            let candidate = ServerSecret {
                name: name.to_owned(),
                value: random_bytes::<SECRET_LEN>()?.to_vec(),
                created_at: now,
            };
            let audit = ActionContext::new(Actor::System).event(
                now,
                None,
                "server.secret.create",
                format!("secret:{name}"),
                json!({ "purpose": purpose }),
            );
            store.insert_server_secret(&candidate, &audit).await?
        }
    };
    let ServerSecret { value, .. } = secret;
    if value.len() != SECRET_LEN {
        return Err(ServerSecretError::Length {
            name,
            len: value.len(),
        });
    }
    Ok(SecretBytes::new(value))
}
