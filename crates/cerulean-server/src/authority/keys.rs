//! Per-tenant token-signing keys: creation on first use, rotation with overlap, and an
//! in-memory cache so that signing never parses PKCS#8 on the request path.
//!
//! Schedule (P = `key_rotation_days`, L = lead time = min(1 day, P/4), G = longest JWT
//! lifetime + 5 minutes of clock skew):
//!
//! ```text
//! key n:    created ── activates_at ───────────── retires_at ──────── expires_at
//!                      (signs new tokens)          = activates_at + P   = retires_at + G
//! key n+1:                        created at retires_at(n) − L,
//!                                 published at once, activates at retires_at(n)
//! ```
//!
//! A key is in the JWKS from creation until `expires_at`, so relying parties see a new key
//! at least L before any token carries it and an old key until every token it signed has
//! expired. The first key of a tenant (or any key created when none is active, e.g. after
//! a long outage) activates immediately.
//!
//! Several nodes may decide to create a key at the same moment. Nothing prevents both
//! inserts; both keys are published, and every node signs with the *newest* active key
//! (greatest `activates_at`, ties broken by `kid`), so all nodes converge within one cache
//! refresh. Verification finds any published key by `kid` and reloads once on a miss.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use cerulean_crypto::jwk::Jwk as CryptoJwk;
use cerulean_crypto::{
    CryptoError, RsaPrivateKey, RsaPublicKey, key_id_for, self_signed_signing_certificate,
    sign_rs256_compact,
};
use cerulean_directory::authority::SigningKey;
use cerulean_directory::{ActionContext, Actor, Directory, StoreError, TenantId};
use cerulean_proto::oidc::Jwk;
use serde::Serialize;
use serde_json::{Map, Value, json};
use time::{Duration, OffsetDateTime};

use super::state::Lifetimes;

/// How long a tenant's cached keys are trusted before the store is asked again.
const CACHE_TTL: Duration = Duration::seconds(60);
/// How old the keys behind a JWKS answer may be.
const JWKS_MAX_AGE: Duration = Duration::seconds(5);
/// Clock skew allowed on token times, added to how long old keys stay published.
pub(crate) const CLOCK_SKEW: Duration = Duration::minutes(5);
/// Subject of the self-signed certificates (Entra uses `accounts.accesscontrol.windows.net`).
const CERT_CN: &str = "Cerulean token signing";

/// Why a key could not be had.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("signing key store: {0}")]
    Store(#[from] StoreError),
    #[error("signing key crypto: {0}")]
    Crypto(#[from] CryptoError),
    #[error("signing key generation task failed")]
    Task,
    #[error("no active signing key after creating one")]
    NoActiveKey,
}

/// A parsed signing key with everything signing and publishing need.
pub struct LoadedKey {
    pub kid: String,
    private: RsaPrivateKey,
    pub public: RsaPublicKey,
    pub certificate_der: Vec<u8>,
    /// base64url SHA-1 of the certificate.
    pub x5t: String,
    pub activates_at: OffsetDateTime,
    pub retires_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    header_v1: Map<String, Value>,
    header_v2: Map<String, Value>,
    jwk: CryptoJwk,
}

impl std::fmt::Debug for LoadedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedKey")
            .field("kid", &self.kid)
            .field("activates_at", &self.activates_at)
            .field("retires_at", &self.retires_at)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

impl LoadedKey {
    fn parse(row: &SigningKey) -> Result<Self, CryptoError> {
        let private = RsaPrivateKey::from_pkcs8_pem(&row.private_key_pem)?;
        let public = private.public_key();
        let jwk = CryptoJwk::from_rsa_public(&public, &row.kid, Some(&row.certificate_der));
        let x5t = jwk.x5t.clone().unwrap_or_default();
        let header = |with_x5t: bool| {
            let mut h = Map::new();
            h.insert("typ".into(), Value::from("JWT"));
            if with_x5t {
                h.insert("x5t".into(), Value::from(x5t.clone()));
            }
            h.insert("kid".into(), Value::from(row.kid.clone()));
            h
        };
        Ok(Self {
            kid: row.kid.clone(),
            header_v1: header(true),
            header_v2: header(false),
            private,
            public,
            certificate_der: row.certificate_der.clone(),
            x5t,
            activates_at: row.activates_at,
            retires_at: row.retires_at,
            expires_at: row.expires_at,
            jwk,
        })
    }

    /// Signs `claims` as an RS256 JWT. The header carries `typ`, `kid` and, for v1 tokens
    /// (as Entra's do), `x5t`.
    pub fn sign(&self, claims: &impl Serialize, with_x5t: bool) -> Result<String, CryptoError> {
        let payload = serde_json::to_vec(claims)?;
        let header = if with_x5t {
            &self.header_v1
        } else {
            &self.header_v2
        };
        sign_rs256_compact(&self.private, header, &payload)
    }

    /// The JWKS entry: `kty, use, kid, x5t, n, e, x5c`, plus `issuer` when given (v2).
    pub fn jwk(&self, issuer: Option<String>) -> Jwk {
        let mut jwk = Jwk::rsa(&self.kid, &self.jwk.n, &self.jwk.e);
        jwk.x5t = self.jwk.x5t.clone();
        jwk.x5c = self.jwk.x5c.clone();
        jwk.issuer = issuer;
        jwk
    }

    fn is_active(&self, now: OffsetDateTime) -> bool {
        self.activates_at <= now && now < self.retires_at
    }

    fn is_published(&self, now: OffsetDateTime) -> bool {
        now < self.expires_at
    }
}

/// One tenant's keys as last read from the store.
#[derive(Debug)]
struct TenantKeys {
    loaded_at: OffsetDateTime,
    keys: Vec<Arc<LoadedKey>>,
}

impl TenantKeys {
    /// The newest active key: what every node signs with.
    fn active(&self, now: OffsetDateTime) -> Option<&Arc<LoadedKey>> {
        self.keys
            .iter()
            .filter(|k| k.is_active(now))
            .max_by(|a, b| (a.activates_at, &a.kid).cmp(&(b.activates_at, &b.kid)))
    }

    /// The key that activates last (the current one, or an already scheduled successor).
    fn newest(&self) -> Option<&Arc<LoadedKey>> {
        self.keys
            .iter()
            .max_by(|a, b| (a.activates_at, &a.kid).cmp(&(b.activates_at, &b.kid)))
    }
}

/// The per-node key cache and rotation policy.
#[derive(Debug)]
pub struct KeyRing {
    rotation: Duration,
    lead: Duration,
    publish_grace: Duration,
    cache: RwLock<HashMap<TenantId, Arc<TenantKeys>>>,
    /// One key creation at a time on this node.
    creating: tokio::sync::Mutex<()>,
}

impl KeyRing {
    pub fn new(lifetimes: &Lifetimes) -> Self {
        Self {
            rotation: lifetimes.key_rotation,
            lead: Duration::days(1).min(lifetimes.key_rotation / 4),
            publish_grace: lifetimes.longest_jwt() + CLOCK_SKEW,
            cache: RwLock::new(HashMap::new()),
            creating: tokio::sync::Mutex::new(()),
        }
    }

    /// The key to sign with now, creating the tenant's first key or the next one when the
    /// schedule says so.
    pub async fn signing_key(
        &self,
        directory: &Directory,
        tenant: TenantId,
    ) -> Result<Arc<LoadedKey>, KeyError> {
        let now = directory.clock().now();
        let ring = self.load(directory, tenant, now, CACHE_TTL).await?;
        if let Some(active) = ring.active(now) {
            if !self.successor_due(&ring, now) {
                return Ok(active.clone());
            }
        }
        let _guard = self.creating.lock().await;
        // Another task (or node) may have created what we need meanwhile.
        let ring = self.load(directory, tenant, now, Duration::ZERO).await?;
        match ring.active(now).cloned() {
            Some(active) => {
                if self.successor_due(&ring, now) {
                    let activates_at = active.retires_at.max(now);
                    // Rotation failing must not stop signing with the current key.
                    match self.create(directory, tenant, activates_at, now).await {
                        Ok(()) => {
                            self.load(directory, tenant, now, Duration::ZERO).await?;
                        }
                        Err(e) => tracing::error!(%tenant, "creating the next signing key: {e}"),
                    }
                }
                Ok(active)
            }
            None => {
                self.create(directory, tenant, now, now).await?;
                let ring = self.load(directory, tenant, now, Duration::ZERO).await?;
                ring.active(now).cloned().ok_or(KeyError::NoActiveKey)
            }
        }
    }

    /// The published key `kid` of `tenant`, if any. A miss reloads the tenant (the key
    /// may have been created by another node a moment ago; a key is always stored before
    /// any token it signs exists, so a reload finds it). A made-up `kid` thus costs one
    /// indexed read, no more than any other unauthenticated request.
    pub async fn verification_key(
        &self,
        directory: &Directory,
        tenant: TenantId,
        kid: &str,
    ) -> Result<Option<Arc<LoadedKey>>, KeyError> {
        let now = directory.clock().now();
        let find = |ring: &TenantKeys| {
            ring.keys
                .iter()
                .find(|k| k.kid == kid && k.is_published(now))
                .cloned()
        };
        let ring = self.load(directory, tenant, now, CACHE_TTL).await?;
        if let Some(key) = find(&ring) {
            return Ok(Some(key));
        }
        let ring = self.load(directory, tenant, now, Duration::ZERO).await?;
        Ok(find(&ring))
    }

    /// Every key of `tenant` that is published now (current, scheduled and retired ones
    /// whose tokens may still be valid), newest first. Read almost fresh (JWKS requests
    /// are rare), so a key another node just created shows up within seconds.
    pub async fn published(
        &self,
        directory: &Directory,
        tenant: TenantId,
    ) -> Result<Vec<Arc<LoadedKey>>, KeyError> {
        let now = directory.clock().now();
        let ring = self.load(directory, tenant, now, JWKS_MAX_AGE).await?;
        let mut keys: Vec<_> = ring
            .keys
            .iter()
            .filter(|k| k.is_published(now))
            .cloned()
            .collect();
        keys.sort_by(|a, b| (b.activates_at, &b.kid).cmp(&(a.activates_at, &a.kid)));
        Ok(keys)
    }

    /// Whether the newest key retires within the lead time, so its successor is due.
    fn successor_due(&self, ring: &TenantKeys, now: OffsetDateTime) -> bool {
        ring.newest()
            .is_some_and(|newest| now >= newest.retires_at - self.lead)
    }

    /// The cached keys of `tenant` if younger than `max_age`, else a fresh read. Already
    /// parsed keys are reused by `kid`; only tenants that have keys are cached, so
    /// lookups for made-up tenant ids cannot grow the cache.
    async fn load(
        &self,
        directory: &Directory,
        tenant: TenantId,
        now: OffsetDateTime,
        max_age: Duration,
    ) -> Result<Arc<TenantKeys>, KeyError> {
        let previous = self
            .cache
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&tenant)
            .cloned();
        if let Some(cached) = &previous {
            let age = now - cached.loaded_at;
            if max_age > Duration::ZERO && age < max_age && age >= Duration::ZERO {
                return Ok(cached.clone());
            }
        }
        let rows = directory.store().signing_keys(tenant, now).await?;
        let mut keys = Vec::with_capacity(rows.len());
        for row in &rows {
            let reused = previous
                .as_ref()
                .and_then(|p| p.keys.iter().find(|k| k.kid == row.kid).cloned());
            match reused {
                Some(key) => keys.push(key),
                None => match LoadedKey::parse(row) {
                    Ok(key) => keys.push(Arc::new(key)),
                    Err(e) => tracing::error!(%tenant, kid = %row.kid, "unusable signing key: {e}"),
                },
            }
        }
        let ring = Arc::new(TenantKeys {
            loaded_at: now,
            keys,
        });
        let mut cache = self.cache.write().unwrap_or_else(|p| p.into_inner());
        if ring.keys.is_empty() {
            cache.remove(&tenant);
        } else {
            cache.insert(tenant, ring.clone());
        }
        Ok(ring)
    }

    /// Generates, certifies and stores a key that signs from `activates_at`.
    async fn create(
        &self,
        directory: &Directory,
        tenant: TenantId,
        activates_at: OffsetDateTime,
        now: OffsetDateTime,
    ) -> Result<(), KeyError> {
        let retires_at = activates_at + self.rotation;
        let expires_at = retires_at + self.publish_grace;
        // RSA generation takes tens of milliseconds: keep it off the async workers.
        let (private, certificate_der) = tokio::task::spawn_blocking(move || {
            let key = RsaPrivateKey::generate(2048)?;
            let cert = self_signed_signing_certificate(
                &key,
                CERT_CN,
                now - CLOCK_SKEW,
                expires_at + Duration::days(1),
            )?;
            Ok::<_, CryptoError>((key, cert))
        })
        .await
        .map_err(|_| KeyError::Task)??;
        let kid = key_id_for(&private.public_key());
        let row = SigningKey {
            tenant_id: tenant,
            kid: kid.clone(),
            private_key_pem: private.to_pkcs8_pem()?.expose().to_owned(),
            certificate_der,
            created_at: now,
            activates_at,
            retires_at,
            expires_at,
        };
        let audit = ActionContext::new(Actor::System).event(
            now,
            Some(tenant),
            "signing_key.create",
            format!("signing_key:{kid}"),
            json!({
                "activatesAt": activates_at.unix_timestamp(),
                "retiresAt": retires_at.unix_timestamp(),
                "expiresAt": expires_at.unix_timestamp(),
            }),
        );
        directory.store().add_signing_key(&row, &audit).await?;
        tracing::info!(%tenant, %kid, "created a token-signing key");
        Ok(())
    }
}
