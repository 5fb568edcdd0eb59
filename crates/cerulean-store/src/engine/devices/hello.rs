//! Windows Hello for Business keys, stored per user with the device they were provisioned
//! on (deleted with that device).

use cerulean_directory::{AuditEvent, HelloKey, StoreError, StoreResult, TenantId, UserId};

use super::rows;
use crate::codec::{self, Arg, id_text, micros};
use crate::engine::{Backend, audit};

const COLUMNS: &str = "key_id, tenant_id, user_id, device_object_id, device_id, key_blob, \
     key_hash, public_key_spki, created_at";

const INSERT: &str = "INSERT INTO hello_keys \
     (key_id, tenant_id, user_id, device_object_id, device_id, key_blob, key_hash, \
      public_key_spki, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

const USER_EXISTS: &str = "SELECT id FROM users WHERE id = $1 AND tenant_id = $2";
const DEVICE_EXISTS: &str = "SELECT object_id FROM devices WHERE object_id = $1 AND tenant_id = $2";

pub(crate) async fn add_hello_key<B: Backend>(
    b: &B,
    key: &HelloKey,
    event: &AuditEvent,
) -> StoreResult<()> {
    let tenant = id_text(&key.tenant_id.0);
    let mut tx = b.begin_write().await?;
    let user: Vec<Arg> = vec![id_text(&key.user_id.0).into(), tenant.clone().into()];
    if b.fetch_optional_in(&mut tx, USER_EXISTS, user)
        .await?
        .is_none()
    {
        return Err(StoreError::NotFound { what: "user" });
    }
    let device: Vec<Arg> = vec![id_text(&key.device.0).into(), tenant.clone().into()];
    if b.fetch_optional_in(&mut tx, DEVICE_EXISTS, device)
        .await?
        .is_none()
    {
        return Err(StoreError::NotFound { what: "device" });
    }
    let args: Vec<Arg> = vec![
        id_text(&key.key_id.0).into(),
        tenant.into(),
        id_text(&key.user_id.0).into(),
        id_text(&key.device.0).into(),
        id_text(&key.device_id.0).into(),
        key.key_blob.clone().into(),
        key.key_hash.as_str().into(),
        key.public_key_spki.clone().into(),
        micros(key.created_at).into(),
    ];
    b.execute(&mut tx, INSERT, args).await?;
    audit::insert(b, &mut tx, event).await?;
    b.commit(tx).await
}

pub(crate) async fn hello_key_by_hash<B: Backend>(
    b: &B,
    tenant: TenantId,
    key_hash: &str,
) -> StoreResult<Option<HelloKey>> {
    let sql = format!("SELECT {COLUMNS} FROM hello_keys WHERE tenant_id = $1 AND key_hash = $2");
    b.fetch_optional(&sql, vec![id_text(&tenant.0).into(), key_hash.into()])
        .await?
        .as_ref()
        .map(rows::hello_key)
        .transpose()
}

pub(crate) async fn hello_keys_of_user<B: Backend>(
    b: &B,
    tenant: TenantId,
    user: UserId,
) -> StoreResult<Vec<HelloKey>> {
    let sql = format!("SELECT {COLUMNS} FROM hello_keys WHERE tenant_id = $1 AND user_id = $2");
    let found = b
        .fetch_all(
            &sql,
            vec![id_text(&tenant.0).into(), id_text(&user.0).into()],
        )
        .await?;
    let mut keys = codec::decode_all(&found, rows::hello_key)?;
    keys.sort_by_key(|k| (k.created_at, k.key_id));
    Ok(keys)
}
