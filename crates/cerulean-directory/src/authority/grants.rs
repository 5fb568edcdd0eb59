//! Short-lived grant state the authority keeps between requests: authorization codes,
//! refresh tokens, device codes and browser sessions. Secrets (codes, tokens, session ids)
//! are stored only as SHA-256 hashes, so a database leak yields nothing replayable.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::ids::{ClientId, TenantId, UserId};

/// How the user authenticated, carried from sign-in into every token derived from it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthContext {
    pub tenant_id: TenantId,
    pub user_id: UserId,
    /// `amr` values: `pwd`, `mfa`, `fido`, `ngcmfa`, `rsa`, …
    pub amr: Vec<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub auth_time: OffsetDateTime,
    /// The device the sign-in was bound to, if any (`deviceid` claim).
    pub device_id: Option<Uuid>,
}

/// An issued authorization code (RFC 6749 §4.1), single use, bound to client and redirect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthorizationCode {
    pub code_hash: String,
    pub client_id: ClientId,
    pub redirect_uri: String,
    /// The requested scope (v2) or resource (v1), as sent.
    pub scope: Option<String>,
    pub resource: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    /// `S256` or `plain`.
    pub code_challenge_method: Option<String>,
    pub auth: AuthContext,
    /// The refresh-token family minted on redemption; a replayed code revokes it.
    pub family_id: Uuid,
    /// Whether the request used the v2 endpoint.
    pub v2: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

/// What happened when a code was presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeRedemption {
    /// First use: the code is now consumed.
    Fresh(AuthorizationCode),
    /// Already consumed before: a replay.
    Replayed(AuthorizationCode),
    NotFound,
}

/// A refresh token. Rotated on every use; a used token presented again is a replay and
/// revokes its whole family (RFC 9700 §4.14.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshToken {
    pub token_hash: String,
    pub family_id: Uuid,
    pub client_id: ClientId,
    /// Scopes granted (space-separated), e.g. `openid profile offline_access User.Read`.
    pub scope: String,
    pub auth: AuthContext,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub used_at: Option<OffsetDateTime>,
    pub revoked: bool,
}

/// What happened when a refresh token was presented.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefreshRedemption {
    /// First use: now marked used; the caller issues its successor in the same family.
    Fresh(RefreshToken),
    /// Used before (or revoked): the store has revoked the whole family.
    Reused(RefreshToken),
    NotFound,
}

/// The state of a device-code grant (RFC 8628).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum DeviceCodeState {
    Pending,
    Approved(AuthContext),
    Denied,
    /// Tokens were issued; further polls get `invalid_grant`.
    Redeemed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceCode {
    pub device_code_hash: String,
    /// What the person types, e.g. `BDKF-QMRT`; unique among live codes.
    pub user_code: String,
    /// The tenant segment the request used (`common`, a GUID or a domain).
    pub tenant_hint: String,
    pub client_id: ClientId,
    pub scope: Option<String>,
    pub resource: Option<String>,
    pub v2: bool,
    pub state: DeviceCodeState,
    /// Minimum seconds between polls.
    pub interval_secs: u32,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_polled_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}

/// A browser sign-in session (the SSO cookie names it by a random id; we keep its hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrowserSession {
    pub session_hash: String,
    pub auth: AuthContext,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
}
