//! Primary Refresh Tokens, by the hash of the token. The session key arrives sealed by
//! the server and is stored as it came.

use cerulean_directory::StoreResult;
use cerulean_directory::authority::{PrimaryRefreshToken, SealedSessionKey};

use cerulean_directory::{DeviceObjectId, TenantId, UserId};

use crate::codec::{Arg, Columns, Reader, id_text, micros, to_json};
use crate::engine::Backend;

const COLUMNS: &str = "token_hash, tenant_id, user_id, device_object_id, session_key, amr, \
     auth_time, created_at, expires_at, revoked";

const INSERT: &str = "INSERT INTO primary_refresh_tokens \
     (token_hash, tenant_id, user_id, device_object_id, session_key, amr, auth_time, \
      created_at, expires_at, revoked) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";

/// `Duplicate { what: "primary refresh token" }` if the hash exists, `NotFound { what:
/// "tenant" }` if the tenant does not.
pub(crate) async fn insert_primary_refresh_token<B: Backend>(
    b: &B,
    prt: &PrimaryRefreshToken,
) -> StoreResult<()> {
    let args: Vec<Arg> = vec![
        prt.token_hash.as_str().into(),
        id_text(&prt.tenant_id.0).into(),
        id_text(&prt.user_id.0).into(),
        id_text(&prt.device_object_id.0).into(),
        prt.sealed_session_key.0.clone().into(),
        to_json("PRT amr", &prt.amr)?.into(),
        micros(prt.auth_time).into(),
        micros(prt.created_at).into(),
        micros(prt.expires_at).into(),
        prt.revoked.into(),
    ];
    b.execute_alone(INSERT, args).await.map(|_| ())
}

/// The PRT, expired or revoked or not (those are the caller's rules).
pub(crate) async fn primary_refresh_token<B: Backend>(
    b: &B,
    token_hash: &str,
) -> StoreResult<Option<PrimaryRefreshToken>> {
    let sql = format!("SELECT {COLUMNS} FROM primary_refresh_tokens WHERE token_hash = $1");
    b.fetch_optional(&sql, vec![token_hash.into()])
        .await?
        .as_ref()
        .map(decode)
        .transpose()
}

const REVOKE_ONE: &str = "UPDATE primary_refresh_tokens SET revoked = $2 \
     WHERE token_hash = $1 AND revoked = $3";
const REVOKE_DEVICE: &str = "UPDATE primary_refresh_tokens SET revoked = $3 \
     WHERE tenant_id = $1 AND device_object_id = $2 AND revoked = $4";
const REVOKE_USER: &str = "UPDATE primary_refresh_tokens SET revoked = $3 \
     WHERE tenant_id = $1 AND user_id = $2 AND revoked = $4";

/// Revokes one PRT (the one a renewal replaces); `true` if it was live before.
pub(crate) async fn revoke_primary_refresh_token<B: Backend>(
    b: &B,
    token_hash: &str,
) -> StoreResult<bool> {
    let args: Vec<Arg> = vec![token_hash.into(), true.into(), false.into()];
    let n = b.execute_alone(REVOKE_ONE, args).await?;
    Ok(n > 0)
}

/// Revokes every PRT bound to the device; returns how many were not revoked before.
pub(crate) async fn revoke_device_primary_refresh_tokens<B: Backend>(
    b: &B,
    tenant: TenantId,
    device: DeviceObjectId,
) -> StoreResult<u64> {
    revoke_where(b, REVOKE_DEVICE, id_text(&tenant.0), id_text(&device.0)).await
}

/// Revokes every PRT of the user; returns how many were not revoked before.
pub(crate) async fn revoke_user_primary_refresh_tokens<B: Backend>(
    b: &B,
    tenant: TenantId,
    user: UserId,
) -> StoreResult<u64> {
    revoke_where(b, REVOKE_USER, id_text(&tenant.0), id_text(&user.0)).await
}

async fn revoke_where<B: Backend>(
    b: &B,
    sql: &str,
    tenant: String,
    key: String,
) -> StoreResult<u64> {
    let args: Vec<Arg> = vec![tenant.into(), key.into(), true.into(), false.into()];
    let n = b.execute_alone(sql, args).await?;
    Ok(n)
}

fn decode<R: Columns>(row: &R) -> StoreResult<PrimaryRefreshToken> {
    let r = Reader::new(row, "primary_refresh_tokens");
    Ok(PrimaryRefreshToken {
        token_hash: r.text("token_hash")?,
        tenant_id: r.id("tenant_id")?,
        user_id: r.id("user_id")?,
        device_object_id: r.id("device_object_id")?,
        sealed_session_key: SealedSessionKey(r.bytes("session_key")?),
        amr: r.json("amr")?,
        auth_time: r.time("auth_time")?,
        created_at: r.time("created_at")?,
        expires_at: r.time("expires_at")?,
        revoked: r.boolean("revoked")?,
    })
}
