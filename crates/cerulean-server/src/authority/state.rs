//! What the authority keeps between requests on one node: the signing-key cache, the
//! directory cache, the configured lifetimes and the token metrics. All durable state (keys, codes, tokens)
//! lives in the store; this is only cache and config.

use time::Duration;

use super::cache::DirectoryCache;
use super::keys::KeyRing;
use super::metrics::TokenMetrics;
use super::token::PrtWrapKey;
use crate::config::AuthoritySettings;
use crate::metrics::Metrics;

/// The authority's per-node state, shared by every request (`AppState::authority`).
#[derive(Debug)]
pub struct AuthorityState {
    /// Token and code lifetimes from `[authority]`.
    pub lifetimes: Lifetimes,
    /// Per-tenant signing keys (cached, rotated).
    pub keys: KeyRing,
    /// `cerulean_tokens_issued_total{grant,result}`.
    pub metrics: TokenMetrics,
    /// Tenants and applications read recently (30 s).
    pub cache: DirectoryCache,
    /// The key sealing PRT session keys at rest, kept after its first read.
    pub(crate) prt_wrap_key: PrtWrapKey,
}

/// Lifetimes of what the authority hands out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lifetimes {
    pub access_token: Duration,
    pub id_token: Duration,
    pub refresh_token: Duration,
    /// Authorization codes (the sign-in pages create them with this lifetime).
    pub auth_code: Duration,
    pub device_code: Duration,
    /// Minimum time between device-code polls.
    pub device_code_interval: Duration,
    /// Age at which a tenant's signing key is replaced.
    pub key_rotation: Duration,
}

impl Lifetimes {
    /// Lifetimes from the configuration (already validated to sane ranges).
    pub fn from_settings(s: &AuthoritySettings) -> Self {
        let secs = |v: u64| Duration::seconds(i64::try_from(v).unwrap_or(i64::MAX / 1_000));
        let days = |v: u64| Duration::days(i64::try_from(v).unwrap_or(36_500).min(36_500));
        Self {
            access_token: secs(s.access_token_lifetime_secs),
            id_token: secs(s.id_token_lifetime_secs),
            refresh_token: days(s.refresh_token_lifetime_days),
            auth_code: secs(s.auth_code_lifetime_secs),
            device_code: secs(s.device_code_lifetime_secs),
            device_code_interval: secs(s.device_code_interval_secs),
            key_rotation: days(s.key_rotation_days),
        }
    }

    /// The longest a JWT signed now can stay valid: how long a retired key must stay
    /// published.
    pub fn longest_jwt(&self) -> Duration {
        self.access_token.max(self.id_token)
    }
}

impl AuthorityState {
    /// Builds the state and registers the token metrics in `metrics`.
    pub fn new(settings: &AuthoritySettings, metrics: &Metrics) -> Self {
        let lifetimes = Lifetimes::from_settings(settings);
        Self {
            keys: KeyRing::new(&lifetimes),
            metrics: TokenMetrics::register(metrics),
            cache: DirectoryCache::default(),
            prt_wrap_key: PrtWrapKey::default(),
            lifetimes,
        }
    }
}
