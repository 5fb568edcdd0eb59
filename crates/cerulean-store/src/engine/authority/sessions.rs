//! Browser sign-in sessions, by the hash of the SSO cookie's id.

use cerulean_directory::StoreResult;
use cerulean_directory::authority::BrowserSession;

use crate::codec::{Arg, Columns, Reader, id_text, micros, to_json};
use crate::engine::Backend;

const COLUMNS: &str = "session_hash, auth, created_at, expires_at";

const INSERT: &str = "INSERT INTO browser_sessions \
     (session_hash, tenant_id, user_id, auth, created_at, expires_at) \
     VALUES ($1, $2, $3, $4, $5, $6)";

const DELETE: &str = "DELETE FROM browser_sessions WHERE session_hash = $1";

/// `Duplicate { what: "session" }` if the hash exists, `NotFound { what: "tenant" }` if
/// the session's tenant does not.
pub(crate) async fn insert_session<B: Backend>(b: &B, session: &BrowserSession) -> StoreResult<()> {
    let args: Vec<Arg> = vec![
        session.session_hash.as_str().into(),
        id_text(&session.auth.tenant_id.0).into(),
        id_text(&session.auth.user_id.0).into(),
        to_json("session auth context", &session.auth)?.into(),
        micros(session.created_at).into(),
        micros(session.expires_at).into(),
    ];
    b.execute_alone(INSERT, args).await.map(|_| ())
}

/// The session, expired or not (expiry is the caller's rule).
pub(crate) async fn session<B: Backend>(
    b: &B,
    session_hash: &str,
) -> StoreResult<Option<BrowserSession>> {
    let sql = format!("SELECT {COLUMNS} FROM browser_sessions WHERE session_hash = $1");
    b.fetch_optional(&sql, vec![session_hash.into()])
        .await?
        .as_ref()
        .map(decode)
        .transpose()
}

/// Deletes the session if it exists (signing out twice is not an error).
pub(crate) async fn delete_session<B: Backend>(b: &B, session_hash: &str) -> StoreResult<()> {
    let mut tx = b.begin_write().await?;
    b.execute(&mut tx, DELETE, vec![session_hash.into()])
        .await?;
    b.commit(tx).await
}

fn decode<R: Columns>(row: &R) -> StoreResult<BrowserSession> {
    let r = Reader::new(row, "browser_sessions");
    Ok(BrowserSession {
        session_hash: r.text("session_hash")?,
        auth: r.json("auth")?,
        created_at: r.time("created_at")?,
        expires_at: r.time("expires_at")?,
    })
}
