//! Refresh tokens: rotated on every use; presenting a used or revoked token again revokes
//! its whole family (RFC 9700 §4.14.2).
//!
//! Locking (PostgreSQL; SQLite's single writer serialises everything anyway): whatever
//! reads or revokes a family first locks all of its rows, in `token_hash` order, so a
//! successor inserted while its family is being revoked either waits for the revocation
//! and is inserted revoked, or commits first and is seen — and revoked — by it.

use cerulean_directory::authority::{RefreshRedemption, RefreshToken};
use std::future::Future;
use std::time::Duration;

use cerulean_directory::{AuditEvent, StoreError, StoreResult, TenantId, UserId};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::codec::{Arg, Columns, Reader, id_text, micros, to_json};
use crate::engine::{Backend, audit};

const COLUMNS: &str = "token_hash, family_id, client_id, scope, auth, created_at, expires_at, \
     used_at, revoked";

/// Inserts a token, stored revoked if the family already has a revoked token (a
/// successor minted while its family was being revoked for reuse): `$11` is the token's
/// own flag, `$12` is `true`. The probe is one lookup in the (family_id, revoked) index,
/// however long the family has grown.
const INSERT_UNLESS_FAMILY_REVOKED: &str = "INSERT INTO refresh_tokens \
     (token_hash, family_id, tenant_id, user_id, client_id, scope, auth, created_at, \
      expires_at, used_at, revoked) \
     SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, \
      ($11 OR EXISTS (SELECT 1 FROM refresh_tokens WHERE family_id = $2 AND revoked = $12))";

/// Affects one row only for the first use of a live token: a concurrent use waits for the
/// row lock and then no longer matches.
const MARK_USED: &str = "UPDATE refresh_tokens SET used_at = $2 \
     WHERE token_hash = $1 AND used_at IS NULL AND revoked = $3";

const REVOKE_FAMILY: &str = "UPDATE refresh_tokens SET revoked = $2 \
     WHERE family_id = $1 AND revoked = $3";

const REVOKE_USER: &str = "UPDATE refresh_tokens SET revoked = $3 \
     WHERE tenant_id = $1 AND user_id = $2 AND revoked = $4";

/// Inserts `token`; it is stored revoked if any token of its family already is (a
/// successor minted while its family was being revoked for reuse). `Duplicate { what:
/// "refresh token" }` if the hash exists, `NotFound { what: "tenant" }` if the sign-in's
/// tenant does not.
pub(crate) async fn insert_refresh_token<B: Backend>(
    b: &B,
    token: &RefreshToken,
) -> StoreResult<()> {
    retry_on_deadlock(|| insert_once(b, token)).await
}

async fn insert_once<B: Backend>(b: &B, token: &RefreshToken) -> StoreResult<()> {
    let args: Vec<Arg> = vec![
        token.token_hash.as_str().into(),
        id_text(&token.family_id).into(),
        id_text(&token.auth.tenant_id.0).into(),
        id_text(&token.auth.user_id.0).into(),
        id_text(&token.client_id.0).into(),
        token.scope.as_str().into(),
        to_json("refresh token auth context", &token.auth)?.into(),
        micros(token.created_at).into(),
        micros(token.expires_at).into(),
        token.used_at.map(micros).into(),
        token.revoked.into(),
        true.into(),
    ];
    if B::SERIALIZED_WRITES {
        // No concurrent writer can be revoking the family: one statement, one trip to
        // the writer.
        b.write_alone(INSERT_UNLESS_FAMILY_REVOKED, args).await?;
        return Ok(());
    }
    // A revocation locks every token of the family (or of the user) before it updates
    // them all, so locking any one of them waits for a revocation in progress, and a
    // revocation that starts later waits for this insert and then revokes the new row too
    // (its UPDATE reads after this commit). When the lock had to wait, PostgreSQL hands
    // the locked row back as the revocation left it (READ COMMITTED re-reads a row it
    // waited for), so its `revoked` flag tells what the statement's older snapshot
    // cannot. One statement: one round trip, with no transaction around it.
    b.write_alone(INSERT_LOCKING_FAMILY, args).await?;
    Ok(())
}

/// [`INSERT_UNLESS_FAMILY_REVOKED`] for parallel writers (see `insert_once`).
const INSERT_LOCKING_FAMILY: &str = "WITH locked AS (SELECT revoked FROM refresh_tokens \
     WHERE family_id = $2 LIMIT 1 FOR UPDATE) \
     INSERT INTO refresh_tokens \
     (token_hash, family_id, tenant_id, user_id, client_id, scope, auth, created_at, \
      expires_at, used_at, revoked) \
     SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, \
      ($11 OR EXISTS (SELECT 1 FROM locked WHERE revoked = $12) \
       OR EXISTS (SELECT 1 FROM refresh_tokens WHERE family_id = $2 AND revoked = $12))";

/// `Fresh` (carrying the token as now stored, `used_at = now`) for the first use of a
/// live token; `Reused` (carrying the token as stored before, with its family now
/// revoked) for a used or revoked one; `NotFound` for an unknown hash. Expired tokens are
/// returned too.
pub(crate) async fn consume_refresh_token<B: Backend>(
    b: &B,
    token_hash: &str,
    now: OffsetDateTime,
) -> StoreResult<RefreshRedemption> {
    retry_on_deadlock(|| consume_once(b, token_hash, now)).await
}

async fn consume_once<B: Backend>(
    b: &B,
    token_hash: &str,
    now: OffsetDateTime,
) -> StoreResult<RefreshRedemption> {
    // The common case, a live token's first use, is one atomic statement. A token never
    // goes back from used or revoked to live, so when it matches nothing the token was
    // already spent (or never existed), and the slower path below can decide which
    // without a race.
    let mark = format!("{MARK_USED} RETURNING {COLUMNS}");
    let marked = b
        .write_alone(
            &mark,
            vec![token_hash.into(), micros(now).into(), false.into()],
        )
        .await?;
    if let Some(row) = marked {
        return Ok(RefreshRedemption::Fresh(decode(&row)?));
    }
    let mut tx = b.begin_write().await?;
    let sql = format!("SELECT {COLUMNS} FROM refresh_tokens WHERE token_hash = $1");
    let row = b
        .fetch_optional_in(&mut tx, &sql, vec![token_hash.into()])
        .await?;
    let redemption = match row.as_ref().map(decode).transpose()? {
        None => RefreshRedemption::NotFound,
        Some(token) => {
            revoke_family_in(b, &mut tx, token.family_id).await?;
            RefreshRedemption::Reused(token)
        }
    };
    b.commit(tx).await?;
    Ok(redemption)
}

/// Revokes every token of the family; returns how many were not revoked before.
pub(crate) async fn revoke_refresh_family<B: Backend>(b: &B, family_id: Uuid) -> StoreResult<u64> {
    retry_on_deadlock(|| async {
        let mut tx = b.begin_write().await?;
        let revoked = revoke_family_in(b, &mut tx, family_id).await?;
        b.commit(tx).await?;
        Ok(revoked)
    })
    .await
}

/// Runs a write transaction again when PostgreSQL aborted it as a deadlock victim or for
/// a serialization failure (`Conflict { what: "transaction" }`): a reuse revoking a family
/// can still meet a concurrent consume head-on; the retry sees the committed outcome and
/// reaches the same answer a serial order would. SQLite never reports it (one writer).
async fn retry_on_deadlock<T, F, Fut>(mut attempt: F) -> StoreResult<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = StoreResult<T>>,
{
    let mut tries = 0u32;
    loop {
        match attempt().await {
            Err(StoreError::Conflict {
                what: "transaction",
            }) if tries < 5 => {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(1 << tries)).await;
            }
            other => return other,
        }
    }
}

/// Revokes every refresh token of the user and records `event`; returns how many were not
/// revoked before.
pub(crate) async fn revoke_user_refresh_tokens<B: Backend>(
    b: &B,
    tenant: TenantId,
    user: UserId,
    event: &AuditEvent,
) -> StoreResult<u64> {
    let key: Vec<Arg> = vec![id_text(&tenant.0).into(), id_text(&user.0).into()];
    let mut tx = b.begin_write().await?;
    let lock = format!(
        "SELECT token_hash FROM refresh_tokens WHERE tenant_id = $1 AND user_id = $2 \
         ORDER BY token_hash{}",
        B::FOR_UPDATE
    );
    b.fetch_all_in(&mut tx, &lock, key.clone()).await?;
    let mut args = key;
    args.extend([Arg::from(true), Arg::from(false)]);
    let revoked = b.execute(&mut tx, REVOKE_USER, args).await?;
    audit::insert(b, &mut tx, event).await?;
    b.commit(tx).await?;
    Ok(revoked)
}

/// Locks every token of the family (see the module doc) and returns `(hash, revoked)`.
async fn lock_family<B: Backend>(
    b: &B,
    tx: &mut B::Tx,
    family_id: Uuid,
) -> StoreResult<Vec<(String, bool)>> {
    let sql = format!(
        "SELECT token_hash, revoked FROM refresh_tokens WHERE family_id = $1 \
         ORDER BY token_hash{}",
        B::FOR_UPDATE
    );
    let rows = b
        .fetch_all_in(tx, &sql, vec![id_text(&family_id).into()])
        .await?;
    rows.iter()
        .map(|row| {
            let r = Reader::new(row, "refresh_tokens");
            Ok((r.text("token_hash")?, r.boolean("revoked")?))
        })
        .collect()
}

async fn revoke_family_in<B: Backend>(b: &B, tx: &mut B::Tx, family_id: Uuid) -> StoreResult<u64> {
    lock_family(b, tx, family_id).await?;
    b.execute(
        tx,
        REVOKE_FAMILY,
        vec![id_text(&family_id).into(), true.into(), false.into()],
    )
    .await
}

fn decode<R: Columns>(row: &R) -> StoreResult<RefreshToken> {
    let r = Reader::new(row, "refresh_tokens");
    Ok(RefreshToken {
        token_hash: r.text("token_hash")?,
        family_id: r.uuid("family_id")?,
        client_id: r.id("client_id")?,
        scope: r.text("scope")?,
        auth: r.json("auth")?,
        created_at: r.time("created_at")?,
        expires_at: r.time("expires_at")?,
        used_at: r.opt_time("used_at")?,
        revoked: r.boolean("revoked")?,
    })
}
