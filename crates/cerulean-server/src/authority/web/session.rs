//! The single-sign-on session: a random id in the session cookie, a [`BrowserSession`]
//! (keyed by the id's hash) in the store, so every node sees it.

use axum::http::HeaderMap;
use cerulean_directory::User;
use cerulean_directory::authority::{AuthContext, BrowserSession};
use time::{Duration, OffsetDateTime};

use super::cookies::{Jar, PERSISTENT_SECS};
use crate::app::AppState;
use crate::authority::secrets::{hash_secret, new_secret};

/// A session that lasts the browser session (no "stay signed in").
const SESSION_HOURS: i64 = 24;
/// `prompt=login` is satisfied by a sign-in at most this old.
const FRESH_MINUTES: i64 = 10;

/// Someone already signed in: the user and how they authenticated. Today it comes from
/// the session cookie; a PRT presented at authorize (PROTOCOLS.md §5.6) will produce the
/// same thing, with `auth.device_id` set.
#[derive(Debug, Clone)]
pub struct Signed {
    pub user: User,
    pub auth: AuthContext,
}

impl Signed {
    pub fn auth(&self) -> &AuthContext {
        &self.auth
    }

    /// Whether the user entered credentials recently enough for `prompt=login`.
    pub fn is_fresh(&self, now: OffsetDateTime) -> bool {
        now - self.auth.auth_time <= Duration::minutes(FRESH_MINUTES)
    }
}

/// The browser's session, if it has a valid one: known to the store, not expired, its
/// user still present and enabled, and no password change since it was made.
pub async fn current(state: &AppState, jar: Jar, headers: &HeaderMap) -> Option<Signed> {
    let cookie = jar.session(headers)?;
    let session_hash = hash_secret(&cookie);
    let store = state.directory.store();
    let now = state.directory.clock().now();
    let session = match store.session(&session_hash).await {
        Ok(Some(s)) if now < s.expires_at => s,
        Ok(_) => return None,
        Err(e) => {
            tracing::error!("session lookup failed: {e}");
            return None;
        }
    };
    let user = match store
        .user(session.auth.tenant_id, session.auth.user_id)
        .await
    {
        Ok(Some(user)) => user,
        Ok(None) => return None,
        Err(e) => {
            tracing::error!("session user lookup failed: {e}");
            return None;
        }
    };
    let changed_since = user
        .password_changed_at
        .is_some_and(|t| t > session.auth.auth_time);
    if !user.enabled || changed_since {
        return None;
    }
    Some(Signed {
        user,
        auth: session.auth,
    })
}

/// Stores a new session for `auth` and returns its `Set-Cookie`. The browser's previous
/// session, if any, is deleted.
pub async fn create(
    state: &AppState,
    jar: Jar,
    headers: &HeaderMap,
    auth: AuthContext,
    persistent: bool,
) -> Result<String, String> {
    let (plaintext, session_hash) = new_secret(32).map_err(|e| e.to_string())?;
    let now = state.directory.clock().now();
    let lifetime = if persistent {
        Duration::seconds(PERSISTENT_SECS)
    } else {
        Duration::hours(SESSION_HOURS)
    };
    let session = BrowserSession {
        session_hash,
        auth,
        created_at: now,
        expires_at: now + lifetime,
    };
    let store = state.directory.store();
    store
        .insert_session(&session)
        .await
        .map_err(|e| e.to_string())?;
    if let Some(old) = jar.session(headers) {
        if let Err(e) = store.delete_session(&hash_secret(&old)).await {
            tracing::warn!("could not delete the replaced session: {e}");
        }
    }
    Ok(jar.set_session(&plaintext, persistent))
}

/// Ends the browser's session (store row and cookie); returns the clearing `Set-Cookie`.
pub async fn end(state: &AppState, jar: Jar, headers: &HeaderMap) -> String {
    if let Some(cookie) = jar.session(headers) {
        if let Err(e) = state
            .directory
            .store()
            .delete_session(&hash_secret(&cookie))
            .await
        {
            tracing::error!("session delete failed: {e}");
        }
    }
    jar.clear_session()
}
