//! The authority's state (`cerulean_directory::authority::AuthorityStore`): signing keys,
//! authorization codes, refresh tokens, device codes, browser sessions, lockout
//! counters and the used-nonce guard, written once for both backends like the rest of the engine.
//!
//! Every "consume" is decided by the database inside one write transaction — a
//! conditional `UPDATE … WHERE used_at IS NULL` whose row count says who won, or a row
//! locked with [`Backend::FOR_UPDATE`] before it is read — so two nodes sharing one
//! PostgreSQL cannot both redeem the same code or token.

pub(crate) mod codes;
pub(crate) mod device_codes;
pub(crate) mod keys;
pub(crate) mod lockout;
pub(crate) mod nonces;
pub(crate) mod prt;
pub(crate) mod refresh;
pub(crate) mod sessions;

use cerulean_directory::StoreResult;
use time::OffsetDateTime;

use super::Backend;
use crate::codec::micros;

/// What `purge_expired` deletes: every row whose `expires_at` has passed. Used and
/// revoked refresh tokens stay until then, so presenting one is still recognised as reuse.
const PURGE: &[&str] = &[
    "DELETE FROM authorization_codes WHERE expires_at <= $1",
    "DELETE FROM refresh_tokens WHERE expires_at <= $1",
    "DELETE FROM device_codes WHERE expires_at <= $1",
    "DELETE FROM browser_sessions WHERE expires_at <= $1",
    "DELETE FROM signing_keys WHERE expires_at <= $1",
    "DELETE FROM used_nonces WHERE expires_at <= $1",
    "DELETE FROM primary_refresh_tokens WHERE expires_at <= $1",
];

/// Deletes expired codes, tokens, sessions, keys and used nonces in one transaction; returns how many
/// rows went.
pub(crate) async fn purge_expired<B: Backend>(b: &B, now: OffsetDateTime) -> StoreResult<u64> {
    let mut tx = b.begin_write().await?;
    let mut deleted = 0;
    for sql in PURGE {
        deleted += b.execute(&mut tx, sql, vec![micros(now).into()]).await?;
    }
    b.commit(tx).await?;
    Ok(deleted)
}

/// Implements `cerulean_directory::authority::AuthorityStore` for a [`Backend`] by
/// forwarding to the engine.
macro_rules! impl_authority_store {
    ($ty:ty) => {
        #[async_trait::async_trait]
        impl cerulean_directory::authority::AuthorityStore for $ty {
            async fn add_signing_key(
                &self,
                key: &cerulean_directory::authority::SigningKey,
                audit: &cerulean_directory::AuditEvent,
            ) -> cerulean_directory::StoreResult<()> {
                $crate::engine::authority::keys::add_signing_key(self, key, audit).await
            }
            async fn signing_keys(
                &self,
                tenant: cerulean_directory::TenantId,
                now: time::OffsetDateTime,
            ) -> cerulean_directory::StoreResult<Vec<cerulean_directory::authority::SigningKey>>
            {
                $crate::engine::authority::keys::signing_keys(self, tenant, now).await
            }
            async fn insert_authorization_code(
                &self,
                code: &cerulean_directory::authority::AuthorizationCode,
            ) -> cerulean_directory::StoreResult<()> {
                $crate::engine::authority::codes::insert_authorization_code(self, code).await
            }
            async fn consume_authorization_code(
                &self,
                code_hash: &str,
                now: time::OffsetDateTime,
            ) -> cerulean_directory::StoreResult<cerulean_directory::authority::CodeRedemption>
            {
                $crate::engine::authority::codes::consume_authorization_code(self, code_hash, now)
                    .await
            }
            async fn insert_refresh_token(
                &self,
                token: &cerulean_directory::authority::RefreshToken,
            ) -> cerulean_directory::StoreResult<()> {
                $crate::engine::authority::refresh::insert_refresh_token(self, token).await
            }
            async fn consume_refresh_token(
                &self,
                token_hash: &str,
                now: time::OffsetDateTime,
            ) -> cerulean_directory::StoreResult<cerulean_directory::authority::RefreshRedemption>
            {
                $crate::engine::authority::refresh::consume_refresh_token(self, token_hash, now)
                    .await
            }
            async fn revoke_refresh_family(
                &self,
                family_id: uuid::Uuid,
            ) -> cerulean_directory::StoreResult<u64> {
                $crate::engine::authority::refresh::revoke_refresh_family(self, family_id).await
            }
            async fn revoke_user_refresh_tokens(
                &self,
                tenant: cerulean_directory::TenantId,
                user: cerulean_directory::UserId,
                audit: &cerulean_directory::AuditEvent,
            ) -> cerulean_directory::StoreResult<u64> {
                $crate::engine::authority::refresh::revoke_user_refresh_tokens(
                    self, tenant, user, audit,
                )
                .await
            }
            async fn insert_device_code(
                &self,
                code: &cerulean_directory::authority::DeviceCode,
            ) -> cerulean_directory::StoreResult<()> {
                $crate::engine::authority::device_codes::insert_device_code(self, code).await
            }
            async fn device_code_by_user_code(
                &self,
                user_code: &str,
                now: time::OffsetDateTime,
            ) -> cerulean_directory::StoreResult<Option<cerulean_directory::authority::DeviceCode>>
            {
                $crate::engine::authority::device_codes::device_code_by_user_code(
                    self, user_code, now,
                )
                .await
            }
            async fn decide_device_code(
                &self,
                user_code: &str,
                approval: Option<cerulean_directory::authority::AuthContext>,
                now: time::OffsetDateTime,
            ) -> cerulean_directory::StoreResult<bool> {
                $crate::engine::authority::device_codes::decide_device_code(
                    self, user_code, approval, now,
                )
                .await
            }
            async fn poll_device_code(
                &self,
                device_code_hash: &str,
                now: time::OffsetDateTime,
            ) -> cerulean_directory::StoreResult<Option<cerulean_directory::authority::DeviceCode>>
            {
                $crate::engine::authority::device_codes::poll_device_code(
                    self,
                    device_code_hash,
                    now,
                )
                .await
            }
            async fn insert_session(
                &self,
                session: &cerulean_directory::authority::BrowserSession,
            ) -> cerulean_directory::StoreResult<()> {
                $crate::engine::authority::sessions::insert_session(self, session).await
            }
            async fn session(
                &self,
                session_hash: &str,
            ) -> cerulean_directory::StoreResult<
                Option<cerulean_directory::authority::BrowserSession>,
            > {
                $crate::engine::authority::sessions::session(self, session_hash).await
            }
            async fn delete_session(
                &self,
                session_hash: &str,
            ) -> cerulean_directory::StoreResult<()> {
                $crate::engine::authority::sessions::delete_session(self, session_hash).await
            }
            async fn lockout_state(
                &self,
                user: cerulean_directory::UserId,
            ) -> cerulean_directory::StoreResult<cerulean_directory::authority::LockoutState> {
                $crate::engine::authority::lockout::lockout_state(self, user).await
            }
            async fn update_lockout(
                &self,
                user: cerulean_directory::UserId,
                update: cerulean_directory::authority::LockoutUpdate<'_>,
            ) -> cerulean_directory::StoreResult<cerulean_directory::authority::LockoutState> {
                $crate::engine::authority::lockout::update_lockout(self, user, update).await
            }
            async fn consume_nonce(
                &self,
                nonce_hash: &str,
                expires_at: time::OffsetDateTime,
            ) -> cerulean_directory::StoreResult<bool> {
                $crate::engine::authority::nonces::consume_nonce(self, nonce_hash, expires_at).await
            }
            async fn insert_primary_refresh_token(
                &self,
                prt: &cerulean_directory::authority::PrimaryRefreshToken,
            ) -> cerulean_directory::StoreResult<()> {
                $crate::engine::authority::prt::insert_primary_refresh_token(self, prt).await
            }
            async fn primary_refresh_token(
                &self,
                token_hash: &str,
            ) -> cerulean_directory::StoreResult<
                Option<cerulean_directory::authority::PrimaryRefreshToken>,
            > {
                $crate::engine::authority::prt::primary_refresh_token(self, token_hash).await
            }
            async fn revoke_primary_refresh_token(
                &self,
                token_hash: &str,
            ) -> cerulean_directory::StoreResult<bool> {
                $crate::engine::authority::prt::revoke_primary_refresh_token(self, token_hash).await
            }
            async fn revoke_device_primary_refresh_tokens(
                &self,
                tenant: cerulean_directory::TenantId,
                device: cerulean_directory::DeviceObjectId,
            ) -> cerulean_directory::StoreResult<u64> {
                $crate::engine::authority::prt::revoke_device_primary_refresh_tokens(
                    self, tenant, device,
                )
                .await
            }
            async fn revoke_user_primary_refresh_tokens(
                &self,
                tenant: cerulean_directory::TenantId,
                user: cerulean_directory::UserId,
            ) -> cerulean_directory::StoreResult<u64> {
                $crate::engine::authority::prt::revoke_user_primary_refresh_tokens(
                    self, tenant, user,
                )
                .await
            }
            async fn purge_expired(
                &self,
                now: time::OffsetDateTime,
            ) -> cerulean_directory::StoreResult<u64> {
                $crate::engine::authority::purge_expired(self, now).await
            }
        }
    };
}
pub(crate) use impl_authority_store;
