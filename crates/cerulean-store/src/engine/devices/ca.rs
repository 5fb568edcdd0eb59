//! Each tenant's device CA: written once (the first node to need one wins), read on
//! every node.

use cerulean_directory::{AuditEvent, StoreError, StoreResult, TenantDeviceCa, TenantId};

use crate::codec::{self, Arg, Columns, Reader, id_text, micros};
use crate::engine::{Backend, audit};

const COLUMNS: &str = "tenant_id, cert_pem, key_pem, created_at";

/// Concurrent inserts for one tenant: one writes, the others wait for it (PostgreSQL's
/// unique index; SQLite's single writer) and then write nothing.
const INSERT: &str = "INSERT INTO tenant_device_cas (tenant_id, cert_pem, key_pem, created_at) \
     VALUES ($1, $2, $3, $4) ON CONFLICT (tenant_id) DO NOTHING";

/// Writes `ca` (and `event`) unless the tenant has a CA; returns the tenant's CA.
pub(crate) async fn insert_device_ca<B: Backend>(
    b: &B,
    ca: &TenantDeviceCa,
    event: &AuditEvent,
) -> StoreResult<TenantDeviceCa> {
    let tenant = id_text(&ca.tenant_id.0);
    let args: Vec<Arg> = vec![
        tenant.clone().into(),
        ca.cert_pem.as_str().into(),
        ca.key_pem.as_str().into(),
        micros(ca.created_at).into(),
    ];
    let mut tx = b.begin_write().await?;
    if b.execute(&mut tx, INSERT, args).await? > 0 {
        audit::insert(b, &mut tx, event).await?;
    }
    // A new statement sees the winner's committed row (READ COMMITTED on PostgreSQL).
    let sql = format!("SELECT {COLUMNS} FROM tenant_device_cas WHERE tenant_id = $1");
    let row = b
        .fetch_optional_in(&mut tx, &sql, vec![tenant.into()])
        .await?
        .ok_or(StoreError::Conflict { what: "device CA" })?;
    let stored = decode(&row)?;
    b.commit(tx).await?;
    Ok(stored)
}

pub(crate) async fn device_ca<B: Backend>(
    b: &B,
    tenant: TenantId,
) -> StoreResult<Option<TenantDeviceCa>> {
    let sql = format!("SELECT {COLUMNS} FROM tenant_device_cas WHERE tenant_id = $1");
    b.fetch_optional(&sql, vec![id_text(&tenant.0).into()])
        .await?
        .as_ref()
        .map(decode)
        .transpose()
}

/// Every tenant's CA, oldest first.
pub(crate) async fn device_cas<B: Backend>(b: &B) -> StoreResult<Vec<TenantDeviceCa>> {
    let sql = format!("SELECT {COLUMNS} FROM tenant_device_cas");
    let rows = b.fetch_all(&sql, Vec::new()).await?;
    let mut cas = codec::decode_all(&rows, decode)?;
    cas.sort_by_key(|ca| (ca.created_at, ca.tenant_id));
    Ok(cas)
}

fn decode<R: Columns>(row: &R) -> StoreResult<TenantDeviceCa> {
    let r = Reader::new(row, "tenant_device_cas");
    Ok(TenantDeviceCa {
        tenant_id: r.id("tenant_id")?,
        cert_pem: r.text("cert_pem")?,
        key_pem: r.text("key_pem")?,
        created_at: r.time("created_at")?,
    })
}
