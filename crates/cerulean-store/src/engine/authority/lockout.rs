//! Smart-lockout counters, one row per user, updated read-modify-write under a row lock.

use cerulean_directory::authority::{LockoutState, LockoutUpdate};
use cerulean_directory::{StoreError, StoreResult, UserId};

use crate::codec::{Arg, Columns, Reader, id_text, micros};
use crate::engine::Backend;

const COLUMNS: &str = "failures, lockouts, locked_until, last_failure_at";

const USER_EXISTS: &str = "SELECT id FROM users WHERE id = $1";

/// Gives the transaction a row to lock; a concurrent insert of the same row waits for
/// this one and then does nothing.
const ENSURE_ROW: &str = "INSERT INTO user_lockout (user_id, failures, lockouts) \
     VALUES ($1, 0, 0) ON CONFLICT (user_id) DO NOTHING";

const UPDATE: &str = "UPDATE user_lockout SET failures = $2, lockouts = $3, \
     locked_until = $4, last_failure_at = $5 WHERE user_id = $1";

/// The user's state; the default (no failures, unlocked) if none was ever recorded.
pub(crate) async fn lockout_state<B: Backend>(b: &B, user: UserId) -> StoreResult<LockoutState> {
    let sql = format!("SELECT {COLUMNS} FROM user_lockout WHERE user_id = $1");
    Ok(b.fetch_optional(&sql, vec![id_text(&user.0).into()])
        .await?
        .as_ref()
        .map(decode)
        .transpose()?
        .unwrap_or_default())
}

/// Reads the state, applies `update` and writes the result, all in one write transaction
/// holding the row's lock, so concurrent updates (on any node) apply one after another.
/// `NotFound { what: "user" }` if the user does not exist.
pub(crate) async fn update_lockout<B: Backend>(
    b: &B,
    user: UserId,
    update: LockoutUpdate<'_>,
) -> StoreResult<LockoutState> {
    let key: Vec<Arg> = vec![id_text(&user.0).into()];
    let mut tx = b.begin_write().await?;
    if b.fetch_optional_in(&mut tx, USER_EXISTS, key.clone())
        .await?
        .is_none()
    {
        return Err(StoreError::NotFound { what: "user" });
    }
    b.execute(&mut tx, ENSURE_ROW, key.clone()).await?;
    let sql = format!(
        "SELECT {COLUMNS} FROM user_lockout WHERE user_id = $1{}",
        B::FOR_UPDATE
    );
    let current = b
        .fetch_optional_in(&mut tx, &sql, key.clone())
        .await?
        .as_ref()
        .map(decode)
        .transpose()?
        .unwrap_or_default();
    let next = update(current);
    let mut args = key;
    args.extend([
        Arg::from(i64::from(next.failures)),
        Arg::from(i64::from(next.lockouts)),
        Arg::from(next.locked_until.map(micros)),
        Arg::from(next.last_failure_at.map(micros)),
    ]);
    b.execute(&mut tx, UPDATE, args).await?;
    b.commit(tx).await?;
    Ok(next)
}

fn decode<R: Columns>(row: &R) -> StoreResult<LockoutState> {
    let r = Reader::new(row, "user_lockout");
    Ok(LockoutState {
        failures: r.u32("failures")?,
        lockouts: r.u32("lockouts")?,
        locked_until: r.opt_time("locked_until")?,
        last_failure_at: r.opt_time("last_failure_at")?,
    })
}
