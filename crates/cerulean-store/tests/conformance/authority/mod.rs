//! The authority's state (`AuthorityStore`): signing keys, authorization codes, refresh
//! tokens, device codes, browser sessions, lockout counters, used nonces and purging — including the
//! races that must have exactly one winner on every backend.

mod codes;
mod device_codes;
mod keys;
mod lockout;
mod nonces;
mod prt;
mod purge;
mod races;
mod refresh;
mod sessions;

pub use codes::*;
pub use device_codes::*;
pub use keys::*;
pub use lockout::*;
pub use nonces::*;
pub use prt::*;
pub use purge::*;
pub use races::*;
pub use refresh::*;
pub use sessions::*;

use std::sync::Arc;

use cerulean_directory::authority::{
    AuthContext, AuthorizationCode, BrowserSession, DeviceCode, DeviceCodeState, RefreshToken,
    SigningKey,
};
use cerulean_directory::{ClientId, Store, TenantId, User, UserId};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use super::{at, create_tenant, create_user, unique};

/// A tenant with one user, the usual starting point.
pub async fn tenant_and_user(store: &Arc<dyn Store>, name: &str) -> (TenantId, User) {
    let (tenant, domain) = create_tenant(store, name).await;
    let user = create_user(
        store,
        tenant.id,
        &format!("{}@{}", unique("u"), domain.name),
    )
    .await;
    (tenant.id, user)
}

pub fn auth_context(tenant: TenantId, user: UserId) -> AuthContext {
    AuthContext {
        tenant_id: tenant,
        user_id: user,
        amr: vec!["pwd".into(), "mfa".into()],
        auth_time: at(-30),
        device_id: Some(Uuid::new_v4()),
    }
}

/// A hash-shaped random secret (the store never sees the secret itself).
pub fn secret_hash() -> String {
    format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple())
}

/// A key created at `at(created)` that expires at `at(expires)`.
pub fn signing_key_model(tenant: TenantId, created: i64, expires: i64) -> SigningKey {
    SigningKey {
        tenant_id: tenant,
        kid: unique("kid"),
        private_key_pem: "-----BEGIN PRIVATE KEY-----\nMIIE…\n-----END PRIVATE KEY-----\n".into(),
        // Includes a zero byte and high bytes: stored as bytes, not text.
        certificate_der: vec![0x30, 0x82, 0x00, 0xff, 0x7f, 0x80, 0x00, 0x01],
        created_at: at(created),
        activates_at: at(created + 60),
        retires_at: at(expires - 600),
        expires_at: at(expires),
    }
}

/// A code issued at `at(0)` that expires at `at(expires)`, with every optional field set.
pub fn code_model(auth: &AuthContext, expires: i64) -> AuthorizationCode {
    AuthorizationCode {
        code_hash: secret_hash(),
        client_id: ClientId::random(),
        redirect_uri: "http://localhost:8400/callback".into(),
        scope: Some("openid profile offline_access".into()),
        resource: Some("https://graph.microsoft.com".into()),
        nonce: Some(unique("nonce")),
        code_challenge: Some("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into()),
        code_challenge_method: Some("S256".into()),
        auth: auth.clone(),
        family_id: Uuid::new_v4(),
        v2: true,
        created_at: at(0),
        expires_at: at(expires),
    }
}

/// A fresh (unused, unrevoked) token of `family` issued at `at(0)`, expiring at
/// `at(expires)`.
pub fn refresh_model(auth: &AuthContext, family: Uuid, expires: i64) -> RefreshToken {
    RefreshToken {
        token_hash: secret_hash(),
        family_id: family,
        client_id: ClientId::random(),
        scope: "openid profile offline_access User.Read".into(),
        auth: auth.clone(),
        created_at: at(0),
        expires_at: at(expires),
        used_at: None,
        revoked: false,
    }
}

/// A pending device code created at `at(created)`, valid for `lifetime` seconds.
pub fn device_code_model(user_code: &str, created: i64, lifetime: i64) -> DeviceCode {
    DeviceCode {
        device_code_hash: secret_hash(),
        user_code: user_code.to_string(),
        tenant_hint: "common".into(),
        client_id: ClientId::random(),
        scope: Some("openid offline_access".into()),
        resource: None,
        v2: true,
        state: DeviceCodeState::Pending,
        interval_secs: 5,
        last_polled_at: None,
        created_at: at(created),
        expires_at: at(created) + Duration::seconds(lifetime),
    }
}

pub fn unique_user_code() -> String {
    let raw = Uuid::new_v4().simple().to_string().to_uppercase();
    format!("{}-{}", &raw[..4], &raw[4..8])
}

/// A session created at `at(0)` that expires at `at(expires)`.
pub fn session_model(auth: &AuthContext, expires: i64) -> BrowserSession {
    BrowserSession {
        session_hash: secret_hash(),
        auth: auth.clone(),
        created_at: at(0),
        expires_at: at(expires),
    }
}

/// `t` plus `secs` seconds.
pub fn plus(t: OffsetDateTime, secs: i64) -> OffsetDateTime {
    t + Duration::seconds(secs)
}
