//! The device registration policy, one JSON document per tenant.

use cerulean_directory::{AuditEvent, DeviceRegistrationPolicy, StoreResult, TenantId};

use crate::codec::{Arg, Reader, id_text, micros, to_json};
use crate::engine::{Backend, audit};

const UPSERT: &str = "INSERT INTO device_registration_policies (tenant_id, policy, updated_at) \
     VALUES ($1, $2, $3) ON CONFLICT (tenant_id) \
     DO UPDATE SET policy = excluded.policy, updated_at = excluded.updated_at";

pub(crate) async fn device_registration_policy<B: Backend>(
    b: &B,
    tenant: TenantId,
) -> StoreResult<Option<DeviceRegistrationPolicy>> {
    let sql = "SELECT policy FROM device_registration_policies WHERE tenant_id = $1";
    b.fetch_optional(sql, vec![id_text(&tenant.0).into()])
        .await?
        .as_ref()
        .map(|row| Reader::new(row, "device_registration_policies").json("policy"))
        .transpose()
}

pub(crate) async fn put_device_registration_policy<B: Backend>(
    b: &B,
    tenant: TenantId,
    policy: &DeviceRegistrationPolicy,
    event: &AuditEvent,
) -> StoreResult<()> {
    let args: Vec<Arg> = vec![
        id_text(&tenant.0).into(),
        to_json("device registration policy", policy)?.into(),
        micros(event.time).into(),
    ];
    let mut tx = b.begin_write().await?;
    b.execute(&mut tx, UPSERT, args).await?;
    audit::insert(b, &mut tx, event).await?;
    b.commit(tx).await
}
