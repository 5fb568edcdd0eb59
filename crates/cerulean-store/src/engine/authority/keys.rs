//! Token-signing keys of a tenant.

use cerulean_directory::authority::SigningKey;
use cerulean_directory::{AuditEvent, StoreResult, TenantId};
use time::OffsetDateTime;

use crate::codec::{self, Arg, Columns, Reader, id_text, micros};
use crate::engine::{Backend, audit};

const COLUMNS: &str = "tenant_id, kid, private_key_pem, certificate_der, created_at, \
     activates_at, retires_at, expires_at";

/// The PEM is stored as is; encrypting it at rest is a later improvement (see the
/// migration).
const INSERT: &str = "INSERT INTO signing_keys \
     (tenant_id, kid, private_key_pem, certificate_der, created_at, activates_at, \
      retires_at, expires_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";

/// Writes the key and its audit event; `Duplicate { what: "signing key" }` if the tenant
/// has a key with this `kid`, `NotFound { what: "tenant" }` if the tenant does not exist.
pub(crate) async fn add_signing_key<B: Backend>(
    b: &B,
    key: &SigningKey,
    event: &AuditEvent,
) -> StoreResult<()> {
    let args: Vec<Arg> = vec![
        id_text(&key.tenant_id.0).into(),
        key.kid.as_str().into(),
        key.private_key_pem.as_str().into(),
        key.certificate_der.clone().into(),
        micros(key.created_at).into(),
        micros(key.activates_at).into(),
        micros(key.retires_at).into(),
        micros(key.expires_at).into(),
    ];
    let mut tx = b.begin_write().await?;
    b.execute(&mut tx, INSERT, args).await?;
    audit::insert(b, &mut tx, event).await?;
    b.commit(tx).await
}

/// The tenant's keys not yet expired at `now`, newest first.
pub(crate) async fn signing_keys<B: Backend>(
    b: &B,
    tenant: TenantId,
    now: OffsetDateTime,
) -> StoreResult<Vec<SigningKey>> {
    let sql =
        format!("SELECT {COLUMNS} FROM signing_keys WHERE tenant_id = $1 AND expires_at > $2");
    let rows = b
        .fetch_all(&sql, vec![id_text(&tenant.0).into(), micros(now).into()])
        .await?;
    let mut keys = codec::decode_all(&rows, decode)?;
    keys.sort_by(|a, b| (b.created_at, &b.kid).cmp(&(a.created_at, &a.kid)));
    Ok(keys)
}

fn decode<R: Columns>(row: &R) -> StoreResult<SigningKey> {
    let r = Reader::new(row, "signing_keys");
    Ok(SigningKey {
        tenant_id: r.id("tenant_id")?,
        kid: r.text("kid")?,
        private_key_pem: r.text("private_key_pem")?,
        certificate_der: r.bytes("certificate_der")?,
        created_at: r.time("created_at")?,
        activates_at: r.time("activates_at")?,
        retires_at: r.time("retires_at")?,
        expires_at: r.time("expires_at")?,
    })
}
