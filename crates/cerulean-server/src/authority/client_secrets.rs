//! A short-lived memory of client secrets that verified recently.
//!
//! The directory stores client secrets as argon2id verifiers, which costs tens of
//! milliseconds per check: fine for a person's password, ruinous for a daemon calling the
//! client-credentials grant hundreds of times a second. Client secrets are 240-bit random
//! strings, so a SHA-256 digest is as unguessable as the secret itself; after one
//! successful argon2id check we remember the digest for a few minutes, bound to the
//! application's `version` (adding or removing a secret bumps it, which invalidates every
//! entry at once). Failures are never remembered.

use std::collections::HashMap;
use std::sync::Mutex;

use cerulean_crypto::constant_time_eq;
use cerulean_directory::{Application, ClientId, TenantId};
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};

/// How long a verified secret is trusted without another argon2id check.
const TTL: Duration = Duration::minutes(5);
/// Entries kept at most; the whole cache is dropped when it would grow past this.
const MAX_ENTRIES: usize = 4096;

#[derive(Debug)]
struct Entry {
    digest: [u8; 32],
    app_version: i64,
    verified_at: OffsetDateTime,
}

/// The cache (one per node).
#[derive(Debug, Default)]
pub(crate) struct SecretCache {
    entries: Mutex<HashMap<(TenantId, ClientId), Vec<Entry>>>,
}

impl SecretCache {
    /// Whether `secret` verified for this version of `app` less than [`TTL`] ago.
    pub(crate) fn contains(&self, app: &Application, secret: &str, now: OffsetDateTime) -> bool {
        let digest = digest(secret);
        let entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        entries
            .get(&(app.tenant_id, app.client_id))
            .is_some_and(|list| {
                list.iter().any(|e| {
                    e.app_version == app.version
                        && now - e.verified_at < TTL
                        && e.verified_at <= now
                        && constant_time_eq(&e.digest, &digest)
                })
            })
    }

    /// Remembers a secret that just passed the argon2id check.
    pub(crate) fn insert(&self, app: &Application, secret: &str, now: OffsetDateTime) {
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let total: usize = entries.values().map(Vec::len).sum();
        if total >= MAX_ENTRIES {
            entries.clear();
        }
        let list = entries.entry((app.tenant_id, app.client_id)).or_default();
        list.retain(|e| e.app_version == app.version && now - e.verified_at < TTL);
        list.push(Entry {
            digest: digest(secret),
            app_version: app.version,
            verified_at: now,
        });
    }
}

fn digest(secret: &str) -> [u8; 32] {
    Sha256::digest(secret.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(version: i64) -> Application {
        Application {
            tenant_id: TenantId::random(),
            client_id: ClientId::random(),
            display_name: "daemon".into(),
            first_party: false,
            public_client: false,
            redirect_uris: vec![],
            identifier_uris: vec![],
            scopes: vec![],
            secrets: vec![],
            created_at: OffsetDateTime::UNIX_EPOCH,
            version,
        }
    }

    #[test]
    fn remembers_only_the_right_secret_for_a_while() {
        let cache = SecretCache::default();
        let mut a = app(1);
        let t0 = OffsetDateTime::UNIX_EPOCH + Duration::days(1);
        assert!(!cache.contains(&a, "s3cret", t0));
        cache.insert(&a, "s3cret", t0);
        assert!(cache.contains(&a, "s3cret", t0 + Duration::minutes(1)));
        assert!(!cache.contains(&a, "other", t0));
        assert!(!cache.contains(&a, "s3cret", t0 + TTL));
        // A changed application (secret added or removed) forgets everything.
        a.version = 2;
        assert!(!cache.contains(&a, "s3cret", t0));
    }
}
