//! Stateless nonces every node can issue and verify: the DRS nonce service
//! (PROTOCOLS.md §3.3) now, the PRT `srv_challenge` (§5.1) later.
//!
//! ```text
//! nonce = base64url( version (1) ‖ issued-at (8, big-endian unix seconds) ‖ random (16)
//!                    ‖ HMAC-SHA256(key, version ‖ issued-at ‖ random) (32) )
//! ```
//!
//! The key (32 random bytes) is the server secret [`SECRET_NAME`], created by the first
//! node that needs it (insert-if-absent) and read by every other, so a nonce issued by one
//! node verifies on all. A nonce is good for [`NONCE_LIFETIME`] after it was issued (a
//! minute of clock difference between nodes is tolerated the other way).
//!
//! [`NonceService::verify`] stores nothing: within its lifetime a nonce verifies more than
//! once (the DRS nonce is signed into a request with its own freshness checks).
//! [`NonceService::verify_and_consume`] adds the single-use guard the PRT's
//! `request_nonce` needs: the SHA-256 of the nonce's bytes goes into the shared store's
//! `used_nonces` (insert-if-absent, so exactly one node wins) until the nonce expires.

use cerulean_crypto::b64::{b64url_decode, b64url_encode};
use cerulean_crypto::{SecretBytes, hmac_sha256, random_bytes, sha256_hex, verify_hmac_sha256};
use cerulean_directory::Directory;
use time::{Duration, OffsetDateTime};
use tokio::sync::OnceCell;

use crate::server_secret::{self, ServerSecretError};

/// How long a nonce is accepted after it was issued.
pub const NONCE_LIFETIME: Duration = Duration::minutes(5);
/// How far in the future a nonce's issue time may be (clock difference between nodes).
const FUTURE_SKEW: Duration = Duration::minutes(1);
/// The server secret holding the HMAC key.
pub const SECRET_NAME: &str = "nonce.hmac-sha256.v1";
const KEY_LEN: usize = 32;
const VERSION: u8 = 1;
const RANDOM_LEN: usize = 16;
const SIGNED_LEN: usize = 1 + 8 + RANDOM_LEN;
const NONCE_LEN: usize = SIGNED_LEN + 32;
/// Longest text [`NonceKey::verify`] looks at (the base64url of [`NONCE_LEN`] bytes is 76).
const MAX_TEXT_LEN: usize = 128;

/// Why a nonce was refused (or could not be made).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NonceError {
    #[error("the nonce is malformed")]
    Malformed,
    #[error("the nonce was not issued by this server")]
    BadSignature,
    #[error("the nonce has expired; request a new one")]
    Expired,
    #[error("the nonce is not valid yet")]
    NotYetValid,
    #[error("the nonce has already been used; request a new one")]
    Replayed,
    #[error("nonces are temporarily unavailable")]
    Unavailable,
}

/// The HMAC key, with the pure issue/verify logic (unit-testable without a store).
pub struct NonceKey(SecretBytes);

impl std::fmt::Debug for NonceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NonceKey(***)")
    }
}

impl NonceKey {
    /// A key from 32 bytes; `None` for any other length.
    pub fn new(bytes: &[u8]) -> Option<Self> {
        (bytes.len() == KEY_LEN).then(|| Self(SecretBytes::new(bytes.to_vec())))
    }

    /// A nonce issued at `now` with the given random part.
    pub fn issue_at(&self, now: OffsetDateTime, random: [u8; RANDOM_LEN]) -> String {
        let mut bytes = Vec::with_capacity(NONCE_LEN);
        bytes.push(VERSION);
        bytes.extend_from_slice(&now.unix_timestamp().to_be_bytes());
        bytes.extend_from_slice(&random);
        let tag = hmac_sha256(self.0.expose(), &bytes);
        bytes.extend_from_slice(&tag);
        b64url_encode(&bytes)
    }

    /// Checks the format, the tag (in constant time) and then the age at `now`.
    pub fn verify(&self, nonce: &str, now: OffsetDateTime) -> Result<(), NonceError> {
        self.check(nonce, now).map(|_| ())
    }

    /// [`NonceKey::verify`], returning the nonce's bytes and the instant it expires.
    fn check(&self, nonce: &str, now: OffsetDateTime) -> Result<Checked, NonceError> {
        if nonce.len() > MAX_TEXT_LEN {
            return Err(NonceError::Malformed);
        }
        let bytes = b64url_decode(nonce.trim()).map_err(|_| NonceError::Malformed)?;
        if bytes.len() != NONCE_LEN || bytes[0] != VERSION {
            return Err(NonceError::Malformed);
        }
        let (signed, tag) = bytes.split_at(SIGNED_LEN);
        if !verify_hmac_sha256(self.0.expose(), signed, tag) {
            return Err(NonceError::BadSignature);
        }
        let mut secs = [0u8; 8];
        secs.copy_from_slice(&signed[1..9]);
        let issued = i64::from_be_bytes(secs);
        let now = now.unix_timestamp();
        if issued > now.saturating_add(FUTURE_SKEW.whole_seconds()) {
            return Err(NonceError::NotYetValid);
        }
        if now.saturating_sub(issued) >= NONCE_LIFETIME.whole_seconds() {
            return Err(NonceError::Expired);
        }
        let expires_at = OffsetDateTime::from_unix_timestamp(
            issued.saturating_add(NONCE_LIFETIME.whole_seconds()),
        )
        .map_err(|_| NonceError::Malformed)?;
        Ok(Checked { bytes, expires_at })
    }
}

/// A nonce that verified: its bytes (whose hash is the replay-guard key) and when it
/// stops verifying (when the guard may forget it).
struct Checked {
    bytes: Vec<u8>,
    expires_at: OffsetDateTime,
}

/// The nonce service of one node: the key, loaded (or created) on first use.
#[derive(Debug)]
pub struct NonceService {
    directory: Directory,
    key: OnceCell<NonceKey>,
}

impl NonceService {
    pub fn new(directory: Directory) -> Self {
        Self {
            directory,
            key: OnceCell::new(),
        }
    }

    /// A fresh nonce, issued now.
    pub async fn issue(&self) -> Result<String, NonceError> {
        let key = self.key().await?;
        let random = random_bytes::<RANDOM_LEN>().map_err(|e| {
            tracing::error!("nonce randomness: {e}");
            NonceError::Unavailable
        })?;
        Ok(key.issue_at(self.directory.clock().now(), random))
    }

    /// Whether `nonce` was issued by this deployment and is still good at `now`.
    pub async fn verify(&self, nonce: &str, now: OffsetDateTime) -> Result<(), NonceError> {
        self.key().await?.verify(nonce, now)
    }

    /// [`NonceService::verify`], then records the nonce as used in the shared store:
    /// `Replayed` if any node has consumed it before. Only the first caller wins, however
    /// many nodes race.
    pub async fn verify_and_consume(
        &self,
        nonce: &str,
        now: OffsetDateTime,
    ) -> Result<(), NonceError> {
        let checked = self.key().await?.check(nonce, now)?;
        let hash = sha256_hex(&checked.bytes);
        match self
            .directory
            .store()
            .consume_nonce(&hash, checked.expires_at)
            .await
        {
            Ok(true) => Ok(()),
            Ok(false) => Err(NonceError::Replayed),
            Err(e) => {
                tracing::error!("recording a used nonce: {e}");
                Err(NonceError::Unavailable)
            }
        }
    }

    async fn key(&self) -> Result<&NonceKey, NonceError> {
        self.key
            .get_or_try_init(|| load_or_create(&self.directory))
            .await
            .map_err(|e| {
                tracing::error!("loading the nonce key: {e}");
                NonceError::Unavailable
            })
    }
}

async fn load_or_create(directory: &Directory) -> Result<NonceKey, ServerSecretError> {
    let value = server_secret::load_or_create(
        directory,
        SECRET_NAME,
        "signs nonces (DRS nonce service, PRT srv_challenge)",
    )
    .await?;
    NonceKey::new(value.expose()).ok_or(ServerSecretError::Length {
        name: SECRET_NAME,
        len: value.expose().len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> NonceKey {
        NonceKey::new(&[byte; KEY_LEN]).unwrap()
    }

    fn t(secs: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_760_000_000 + secs).unwrap()
    }

    #[test]
    fn issue_and_verify_within_the_lifetime() {
        let k = key(7);
        let nonce = k.issue_at(t(0), [1; RANDOM_LEN]);
        assert_eq!(nonce.len(), 76);
        assert!(
            nonce
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
        assert_eq!(k.verify(&nonce, t(0)), Ok(()));
        assert_eq!(k.verify(&nonce, t(299)), Ok(()));
        assert_eq!(k.verify(&nonce, t(300)), Err(NonceError::Expired));
        assert_eq!(k.verify(&nonce, t(-60)), Ok(()), "a node a minute behind");
        assert_eq!(k.verify(&nonce, t(-61)), Err(NonceError::NotYetValid));
        assert_ne!(nonce, k.issue_at(t(0), [2; RANDOM_LEN]));
    }

    #[test]
    fn tampering_and_other_keys_are_refused() {
        let k = key(7);
        let nonce = k.issue_at(t(0), [1; RANDOM_LEN]);
        assert_eq!(key(8).verify(&nonce, t(0)), Err(NonceError::BadSignature));
        let mut bytes = b64url_decode(&nonce).unwrap();
        // Move the issue time forward by a day: the tag no longer matches.
        bytes[8] ^= 0x01;
        let forged = b64url_encode(&bytes);
        assert_eq!(k.verify(&forged, t(0)), Err(NonceError::BadSignature));
        for bad in ["", "AAAA", "!!!", &"A".repeat(500), &nonce[..70]] {
            assert_eq!(k.verify(bad, t(0)), Err(NonceError::Malformed), "{bad}");
        }
        let mut other_version = b64url_decode(&nonce).unwrap();
        other_version[0] = 2;
        assert_eq!(
            k.verify(&b64url_encode(&other_version), t(0)),
            Err(NonceError::Malformed)
        );
        assert!(NonceKey::new(&[0; 16]).is_none());
        assert_eq!(format!("{k:?}"), "NonceKey(***)");
    }
}

#[cfg(test)]
mod consume_tests {
    use std::sync::Arc;

    use cerulean_crypto::PasswordParams;
    use cerulean_directory::{Clock, ManualClock};
    use cerulean_store::SqliteStore;

    use super::*;

    async fn service() -> (NonceService, Arc<ManualClock>) {
        let store = Arc::new(SqliteStore::open_in_memory().await.unwrap());
        let clock = Arc::new(ManualClock::new(OffsetDateTime::now_utc()));
        let params = PasswordParams {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        };
        let directory = Directory::new(store, clock.clone(), params).unwrap();
        (NonceService::new(directory), clock)
    }

    #[tokio::test]
    async fn a_nonce_is_consumed_once() {
        let (service, clock) = service().await;
        let now = clock.now();
        let nonce = service.issue().await.unwrap();
        // Plain verification stores nothing and may repeat.
        assert_eq!(service.verify(&nonce, now).await, Ok(()));
        assert_eq!(service.verify(&nonce, now).await, Ok(()));
        assert_eq!(service.verify_and_consume(&nonce, now).await, Ok(()));
        assert_eq!(
            service.verify_and_consume(&nonce, now).await,
            Err(NonceError::Replayed)
        );
        // Padding does not make it a different nonce (the guard hashes the bytes).
        let other = service.issue().await.unwrap();
        assert_eq!(service.verify_and_consume(&other, now).await, Ok(()));
        assert_eq!(
            service.verify_and_consume(&format!(" {other}"), now).await,
            Err(NonceError::Replayed)
        );
        // Bad or expired nonces are refused before the store is touched.
        assert_eq!(
            service.verify_and_consume("AAAA", now).await,
            Err(NonceError::Malformed)
        );
        let fresh = service.issue().await.unwrap();
        assert_eq!(
            service
                .verify_and_consume(&fresh, now + NONCE_LIFETIME)
                .await,
            Err(NonceError::Expired)
        );
        // Purging after expiry forgets the row, but the nonce is expired by then.
        let store = service.directory.store();
        assert_eq!(store.purge_expired(now + NONCE_LIFETIME).await.unwrap(), 2);
        assert_eq!(
            service
                .verify_and_consume(&nonce, now + NONCE_LIFETIME)
                .await,
            Err(NonceError::Expired)
        );
    }

    #[test]
    fn check_reports_the_expiry() {
        let k = NonceKey::new(&[3; KEY_LEN]).unwrap();
        let t0 = OffsetDateTime::from_unix_timestamp(1_760_000_000).unwrap();
        let nonce = k.issue_at(t0, [9; RANDOM_LEN]);
        let checked = k.check(&nonce, t0).unwrap();
        assert_eq!(checked.expires_at, t0 + NONCE_LIFETIME);
        assert_eq!(checked.bytes.len(), NONCE_LEN);
    }
}
