//! Persistence the authority needs. Implemented by both store backends and covered by the
//! same conformance suite as the directory's `Store`.
//!
//! Every "consume" operation is atomic: two nodes racing to redeem one code or one refresh
//! token cannot both win.

use async_trait::async_trait;
use time::OffsetDateTime;
use uuid::Uuid;

use super::grants::{
    AuthContext, AuthorizationCode, BrowserSession, CodeRedemption, DeviceCode, RefreshRedemption,
    RefreshToken,
};
use super::keys::SigningKey;
use super::lockout::LockoutState;
use super::prt::PrimaryRefreshToken;
use crate::audit::AuditEvent;
use crate::ids::{DeviceObjectId, TenantId, UserId};
use crate::store::StoreResult;

/// A pure state transition applied inside the store's transaction (used for lockout, whose
/// rule lives in `LockoutPolicy` but whose read-modify-write must be atomic across nodes).
pub type LockoutUpdate<'a> = &'a (dyn Fn(LockoutState) -> LockoutState + Send + Sync);

#[async_trait]
pub trait AuthorityStore: Send + Sync {
    // ── signing keys ────────────────────────────────────────────────────────────────
    async fn add_signing_key(&self, key: &SigningKey, audit: &AuditEvent) -> StoreResult<()>;
    /// All keys of a tenant that are not yet expired at `now`, newest first.
    async fn signing_keys(
        &self,
        tenant: TenantId,
        now: OffsetDateTime,
    ) -> StoreResult<Vec<SigningKey>>;

    // ── authorization codes ─────────────────────────────────────────────────────────
    async fn insert_authorization_code(&self, code: &AuthorizationCode) -> StoreResult<()>;
    /// Marks the code used and returns it (`Fresh`) — or `Replayed` if it was used before,
    /// or `NotFound`. Expiry is the caller's rule (the code is returned either way).
    async fn consume_authorization_code(
        &self,
        code_hash: &str,
        now: OffsetDateTime,
    ) -> StoreResult<CodeRedemption>;

    // ── refresh tokens ──────────────────────────────────────────────────────────────
    async fn insert_refresh_token(&self, token: &RefreshToken) -> StoreResult<()>;
    /// Marks the token used (`Fresh`). If it was already used or revoked, revokes every
    /// token of its family and returns `Reused`. Expiry is the caller's rule.
    async fn consume_refresh_token(
        &self,
        token_hash: &str,
        now: OffsetDateTime,
    ) -> StoreResult<RefreshRedemption>;
    /// Revokes every token of a family (e.g. a replayed authorization code's).
    async fn revoke_refresh_family(&self, family_id: Uuid) -> StoreResult<u64>;
    /// Revokes every refresh token of a user ("revoke sessions"); returns how many.
    async fn revoke_user_refresh_tokens(
        &self,
        tenant: TenantId,
        user: UserId,
        audit: &AuditEvent,
    ) -> StoreResult<u64>;

    // ── device codes ────────────────────────────────────────────────────────────────
    /// `Duplicate { what: "user code" }` if a live code has the same user code.
    async fn insert_device_code(&self, code: &DeviceCode) -> StoreResult<()>;
    async fn device_code_by_user_code(
        &self,
        user_code: &str,
        now: OffsetDateTime,
    ) -> StoreResult<Option<DeviceCode>>;
    /// Approves (with the signed-in user's context) or denies a pending code. Returns
    /// false if it was not pending (already decided, redeemed or unknown).
    async fn decide_device_code(
        &self,
        user_code: &str,
        approval: Option<AuthContext>,
        now: OffsetDateTime,
    ) -> StoreResult<bool>;
    /// Records a poll and returns the code as it was before this poll (so the caller can
    /// apply `slow_down` from `last_polled_at`). If it was `Approved`, it becomes
    /// `Redeemed` atomically and the returned copy carries the approval.
    async fn poll_device_code(
        &self,
        device_code_hash: &str,
        now: OffsetDateTime,
    ) -> StoreResult<Option<DeviceCode>>;

    // ── browser sessions ────────────────────────────────────────────────────────────
    async fn insert_session(&self, session: &BrowserSession) -> StoreResult<()>;
    async fn session(&self, session_hash: &str) -> StoreResult<Option<BrowserSession>>;
    async fn delete_session(&self, session_hash: &str) -> StoreResult<()>;

    // ── smart lockout ───────────────────────────────────────────────────────────────
    async fn lockout_state(&self, user: UserId) -> StoreResult<LockoutState>;
    /// Applies `update` to the user's lockout state atomically and returns the new state.
    async fn update_lockout(
        &self,
        user: UserId,
        update: LockoutUpdate<'_>,
    ) -> StoreResult<LockoutState>;

    // ── nonces ──────────────────────────────────────────────────────────────────────
    /// Records that the nonce whose hash is `nonce_hash` has been used; `true` the first
    /// time, `false` on every later call (insert-if-absent, atomic across nodes).
    /// `expires_at` is when the nonce stops verifying anyway; `purge_expired` forgets it
    /// then.
    async fn consume_nonce(
        &self,
        nonce_hash: &str,
        expires_at: OffsetDateTime,
    ) -> StoreResult<bool>;

    // ── primary refresh tokens ──────────────────────────────────────────────────────
    /// `Duplicate { what: "primary refresh token" }` if the hash exists, `NotFound {
    /// what: "tenant" }` if the tenant does not.
    async fn insert_primary_refresh_token(&self, prt: &PrimaryRefreshToken) -> StoreResult<()>;
    /// The PRT with this hash, expired or revoked or not (those are the caller's rules).
    async fn primary_refresh_token(
        &self,
        token_hash: &str,
    ) -> StoreResult<Option<PrimaryRefreshToken>>;

    /// Revokes one PRT (the one a renewal replaces); `true` if it was live before.
    async fn revoke_primary_refresh_token(&self, token_hash: &str) -> StoreResult<bool>;
    /// Revokes every PRT bound to the device (disabled or deleted); returns how many were
    /// live before. Revoked rows stay revoked if the device is enabled again.
    async fn revoke_device_primary_refresh_tokens(
        &self,
        tenant: TenantId,
        device: DeviceObjectId,
    ) -> StoreResult<u64>;
    /// Revokes every PRT of the user (disabled, or password reset); returns how many were
    /// live before.
    async fn revoke_user_primary_refresh_tokens(
        &self,
        tenant: TenantId,
        user: UserId,
    ) -> StoreResult<u64>;

    // ── housekeeping ────────────────────────────────────────────────────────────────
    /// Deletes expired codes, tokens, sessions, keys and used nonces; returns how many
    /// rows went.
    async fn purge_expired(&self, now: OffsetDateTime) -> StoreResult<u64>;
}
