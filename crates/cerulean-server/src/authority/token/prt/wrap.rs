//! The server secret that seals PRT session keys at rest ([`WRAP_SECRET_NAME`], 32 random
//! bytes): created by the first node that issues a PRT (insert-if-absent, so every node
//! ends up with the same key) and read from the store once per process: a server secret
//! never changes once it exists, so [`PrtWrapKey`] keeps it after the first use. The key never
//! reaches a log: it lives in a [`SecretBytes`] (redacted `Debug`, zeroized on drop) and
//! errors name only its length.

use cerulean_crypto::SecretBytes;
use cerulean_directory::Directory;

use crate::server_secret::{self, ServerSecretError};

/// The server secret holding the AES-256-GCM key that seals session keys in the store.
pub(crate) const WRAP_SECRET_NAME: &str = "prt.session-key-wrap.v1";

/// The wrap key, read (or created) on first use and then kept: it is one of the server's
/// own secrets, which never change, and every PRT use needs it.
#[derive(Debug, Default)]
pub struct PrtWrapKey {
    key: tokio::sync::OnceCell<SecretBytes>,
}

impl PrtWrapKey {
    /// The wrap key, created if the deployment has none yet.
    pub(crate) async fn get(
        &self,
        directory: &Directory,
    ) -> Result<&SecretBytes, ServerSecretError> {
        self.key
            .get_or_try_init(|| {
                server_secret::load_or_create(
                    directory,
                    WRAP_SECRET_NAME,
                    "seals PRT session keys at rest (AES-256-GCM)",
                )
            })
            .await
    }
}
