//! Device codes (RFC 8628): the user code is unique among live codes; a decision applies
//! only to a pending, unexpired code; the approved code is redeemed by exactly one poll.
//!
//! The state is stored as `state` ('pending', 'approved', 'denied', 'redeemed') plus
//! `approval`, the approving sign-in's AuthContext as JSON while approved.

use cerulean_directory::authority::{AuthContext, DeviceCode, DeviceCodeState};
use cerulean_directory::{StoreError, StoreResult};
use time::OffsetDateTime;

use crate::codec::{Arg, Columns, Reader, id_text, micros, to_json};
use crate::engine::Backend;

const COLUMNS: &str = "device_code_hash, user_code, tenant_hint, client_id, scope, resource, \
     v2, state, approval, interval_secs, last_polled_at, created_at, expires_at";

const INSERT: &str = "INSERT INTO device_codes \
     (device_code_hash, user_code, tenant_hint, client_id, scope, resource, v2, state, \
      approval, interval_secs, last_polled_at, created_at, expires_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)";

/// Frees a user code held only by expired codes, so the unique constraint blocks live
/// codes alone.
const DELETE_EXPIRED_USER_CODE: &str =
    "DELETE FROM device_codes WHERE user_code = $1 AND expires_at <= $2";

const DECIDE: &str = "UPDATE device_codes SET state = $2, approval = $3 \
     WHERE user_code = $1 AND state = 'pending' AND expires_at > $4";

const RECORD_POLL: &str = "UPDATE device_codes SET last_polled_at = $2, state = $3, \
     approval = $4 WHERE device_code_hash = $1";

/// Inserts `code`. Codes with the same user code that expired by `code.created_at` are
/// deleted first; a live one makes this `Duplicate { what: "user code" }` (the caller
/// draws another user code). A duplicate hash is `Duplicate { what: "device code" }`.
pub(crate) async fn insert_device_code<B: Backend>(b: &B, code: &DeviceCode) -> StoreResult<()> {
    let (state, approval) = state_columns(&code.state)?;
    let args: Vec<Arg> = vec![
        code.device_code_hash.as_str().into(),
        code.user_code.as_str().into(),
        code.tenant_hint.as_str().into(),
        id_text(&code.client_id.0).into(),
        code.scope.clone().into(),
        code.resource.clone().into(),
        code.v2.into(),
        state.into(),
        approval.into(),
        i64::from(code.interval_secs).into(),
        code.last_polled_at.map(micros).into(),
        micros(code.created_at).into(),
        micros(code.expires_at).into(),
    ];
    let mut tx = b.begin_write().await?;
    b.execute(
        &mut tx,
        DELETE_EXPIRED_USER_CODE,
        vec![
            code.user_code.as_str().into(),
            micros(code.created_at).into(),
        ],
    )
    .await?;
    b.execute(&mut tx, INSERT, args).await?;
    b.commit(tx).await
}

/// The code with this user code, if it has not expired at `now`.
pub(crate) async fn device_code_by_user_code<B: Backend>(
    b: &B,
    user_code: &str,
    now: OffsetDateTime,
) -> StoreResult<Option<DeviceCode>> {
    let sql =
        format!("SELECT {COLUMNS} FROM device_codes WHERE user_code = $1 AND expires_at > $2");
    b.fetch_optional(&sql, vec![user_code.into(), micros(now).into()])
        .await?
        .as_ref()
        .map(decode)
        .transpose()
}

/// Approves (`Some`) or denies (`None`) a pending code that has not expired at `now`;
/// false if there was none.
pub(crate) async fn decide_device_code<B: Backend>(
    b: &B,
    user_code: &str,
    approval: Option<AuthContext>,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    let state = match approval {
        Some(auth) => DeviceCodeState::Approved(auth),
        None => DeviceCodeState::Denied,
    };
    let (state, approval) = state_columns(&state)?;
    let args: Vec<Arg> = vec![
        user_code.into(),
        state.into(),
        approval.into(),
        micros(now).into(),
    ];
    let decided = b.execute_alone(DECIDE, args).await?;
    Ok(decided > 0)
}

/// Records a poll at `now` and returns the code as it was before it. An approved code
/// becomes redeemed in the same transaction, so exactly one poll ever sees `Approved`
/// (whether or not the code has expired: expiry is the caller's rule here).
pub(crate) async fn poll_device_code<B: Backend>(
    b: &B,
    device_code_hash: &str,
    now: OffsetDateTime,
) -> StoreResult<Option<DeviceCode>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM device_codes WHERE device_code_hash = $1{}",
        B::FOR_UPDATE
    );
    let mut tx = b.begin_write().await?;
    let Some(before) = b
        .fetch_optional_in(&mut tx, &sql, vec![device_code_hash.into()])
        .await?
        .as_ref()
        .map(decode)
        .transpose()?
    else {
        return Ok(None);
    };
    let after = match &before.state {
        DeviceCodeState::Approved(_) => DeviceCodeState::Redeemed,
        other => other.clone(),
    };
    let (state, approval) = state_columns(&after)?;
    let args: Vec<Arg> = vec![
        device_code_hash.into(),
        micros(now).into(),
        state.into(),
        approval.into(),
    ];
    b.execute(&mut tx, RECORD_POLL, args).await?;
    b.commit(tx).await?;
    Ok(Some(before))
}

/// The `state` and `approval` columns for a state.
fn state_columns(state: &DeviceCodeState) -> StoreResult<(&'static str, Option<String>)> {
    Ok(match state {
        DeviceCodeState::Pending => ("pending", None),
        DeviceCodeState::Approved(auth) => {
            ("approved", Some(to_json("device code approval", auth)?))
        }
        DeviceCodeState::Denied => ("denied", None),
        DeviceCodeState::Redeemed => ("redeemed", None),
    })
}

fn decode<R: Columns>(row: &R) -> StoreResult<DeviceCode> {
    let r = Reader::new(row, "device_codes");
    let state = match r.text("state")?.as_str() {
        "pending" => DeviceCodeState::Pending,
        "approved" => DeviceCodeState::Approved(r.json("approval")?),
        "denied" => DeviceCodeState::Denied,
        "redeemed" => DeviceCodeState::Redeemed,
        other => {
            return Err(StoreError::Corrupt {
                what: "device_codes",
                detail: format!("column state: unknown state '{other}'"),
            });
        }
    };
    Ok(DeviceCode {
        device_code_hash: r.text("device_code_hash")?,
        user_code: r.text("user_code")?,
        tenant_hint: r.text("tenant_hint")?,
        client_id: r.id("client_id")?,
        scope: r.opt_text("scope")?,
        resource: r.opt_text("resource")?,
        v2: r.boolean("v2")?,
        state,
        interval_secs: r.u32("interval_secs")?,
        last_polled_at: r.opt_time("last_polled_at")?,
        created_at: r.time("created_at")?,
        expires_at: r.time("expires_at")?,
    })
}
