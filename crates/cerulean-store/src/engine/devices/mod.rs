//! Devices, Windows Hello keys, device registration policies and the tenants' device CAs
//! (`cerulean_directory::DeviceStore`), written once for both backends like the rest of
//! the engine.
//!
//! Registration (`register`) is the one interesting transaction: it locks the owner
//! first (SQLite's `BEGIN IMMEDIATE` writer; PostgreSQL's `FOR NO KEY UPDATE` on the
//! user's row, which does not block the foreign-key checks of other writers), then looks
//! for a retried request, counts the owner's devices and inserts — so concurrent
//! registrations by one user on any number of nodes apply one after another.

pub(crate) mod ca;
pub(crate) mod hello;
pub(crate) mod policy;
pub(crate) mod query;
pub(crate) mod register;
pub(crate) mod rows;

use cerulean_directory::{AuditEvent, Device, DeviceId, DeviceObjectId, StoreError, StoreResult};
use cerulean_directory::{TenantId, UserId};
use time::OffsetDateTime;

use super::{Backend, audit};
use crate::codec::{Arg, fold_case, id_text, micros};

/// Every column of `devices`, in the order `rows::device` reads them.
pub(crate) const COLUMNS: &str = "object_id, device_id, tenant_id, display_name, trust_type, \
     operating_system, operating_system_version, owner_user_id, registered_at, \
     approximate_last_sign_in, enabled, cert_thumbprint, cert_der, cert_public_key_spki, \
     transport_key_spki, registration_fingerprint, mdm_managed, mdm_compliant, mdm_app_id, \
     version";

const UPDATE: &str = "UPDATE devices SET display_name = $3, display_name_lower = $4, \
     operating_system = $5, operating_system_lower = $6, operating_system_version = $7, \
     enabled = $8, mdm_managed = $9, mdm_compliant = $10, mdm_app_id = $11, version = $12 \
     WHERE object_id = $1 AND tenant_id = $2 AND version = $13";

const EXISTS: &str = "SELECT object_id FROM devices WHERE object_id = $1 AND tenant_id = $2";

const DELETE: &[&str] = &[
    "DELETE FROM hello_keys WHERE device_object_id = $1 AND tenant_id = $2",
    "DELETE FROM group_members WHERE member_id = $1 AND tenant_id = $2 \
     AND member_kind = 'device'",
];
const DELETE_DEVICE: &str = "DELETE FROM devices WHERE object_id = $1 AND tenant_id = $2";

const TOUCH: &str = "UPDATE devices SET approximate_last_sign_in = $3 \
     WHERE object_id = $1 AND tenant_id = $2 \
     AND (approximate_last_sign_in IS NULL OR approximate_last_sign_in < $4)";

fn key(tenant: TenantId, device: DeviceObjectId) -> Vec<Arg> {
    vec![id_text(&device.0).into(), id_text(&tenant.0).into()]
}

/// Writes the editable properties of `device` if the stored version is one less.
pub(crate) async fn update_device<B: Backend>(
    b: &B,
    device: &Device,
    event: &AuditEvent,
) -> StoreResult<()> {
    let Some(expected) = device.version.checked_sub(1) else {
        return Err(StoreError::Conflict { what: "device" });
    };
    let mut args = key(device.tenant_id, device.object_id);
    args.extend([
        device.display_name.as_str().into(),
        fold_case(&device.display_name).into(),
        device.operating_system.as_str().into(),
        fold_case(&device.operating_system).into(),
        device.operating_system_version.as_str().into(),
        device.enabled.into(),
        device.mdm.managed.into(),
        device.mdm.compliant.into(),
        device.mdm.mdm_app_id.map(|id| id_text(&id.0)).into(),
        device.version.into(),
        expected.into(),
    ]);
    let mut tx = b.begin_write().await?;
    if b.execute(&mut tx, UPDATE, args).await? == 0 {
        let key = key(device.tenant_id, device.object_id);
        return Err(match b.fetch_optional_in(&mut tx, EXISTS, key).await? {
            Some(_) => StoreError::Conflict { what: "device" },
            None => StoreError::NotFound { what: "device" },
        });
    }
    audit::insert(b, &mut tx, event).await?;
    b.commit(tx).await
}

/// Deletes the device with its Hello keys and group memberships; false if it is absent.
pub(crate) async fn delete_device<B: Backend>(
    b: &B,
    tenant: TenantId,
    device: DeviceObjectId,
    event: &AuditEvent,
) -> StoreResult<bool> {
    let mut tx = b.begin_write().await?;
    for sql in DELETE {
        b.execute(&mut tx, sql, key(tenant, device)).await?;
    }
    if b.execute(&mut tx, DELETE_DEVICE, key(tenant, device))
        .await?
        == 0
    {
        // Nothing to delete: `tx` rolls back and no audit is recorded.
        return Ok(false);
    }
    audit::insert(b, &mut tx, event).await?;
    b.commit(tx).await?;
    Ok(true)
}

pub(crate) async fn record_device_sign_in<B: Backend>(
    b: &B,
    tenant: TenantId,
    device: DeviceObjectId,
    at: OffsetDateTime,
    not_before: OffsetDateTime,
) -> StoreResult<bool> {
    let mut args = key(tenant, device);
    args.extend([Arg::from(micros(at)), Arg::from(micros(not_before))]);
    let written = b.execute_alone(TOUCH, args).await? > 0;
    Ok(written)
}

async fn one<B: Backend>(b: &B, condition: &str, args: Vec<Arg>) -> StoreResult<Option<Device>> {
    let sql = format!("SELECT {COLUMNS} FROM devices WHERE {condition}");
    b.fetch_optional(&sql, args)
        .await?
        .as_ref()
        .map(rows::device)
        .transpose()
}

pub(crate) async fn device<B: Backend>(
    b: &B,
    tenant: TenantId,
    id: DeviceObjectId,
) -> StoreResult<Option<Device>> {
    one(b, "object_id = $1 AND tenant_id = $2", key(tenant, id)).await
}

pub(crate) async fn device_by_device_id<B: Backend>(
    b: &B,
    tenant: TenantId,
    id: DeviceId,
) -> StoreResult<Option<Device>> {
    let args: Vec<Arg> = vec![id_text(&id.0).into(), id_text(&tenant.0).into()];
    one(b, "device_id = $1 AND tenant_id = $2", args).await
}

pub(crate) async fn device_by_thumbprint<B: Backend>(
    b: &B,
    thumbprint: &str,
) -> StoreResult<Option<Device>> {
    one(
        b,
        "cert_thumbprint = $1",
        vec![thumbprint.to_ascii_uppercase().into()],
    )
    .await
}

pub(crate) async fn device_by_fingerprint<B: Backend>(
    b: &B,
    tenant: TenantId,
    owner: UserId,
    fingerprint: &str,
) -> StoreResult<Option<Device>> {
    one(
        b,
        register::BY_FINGERPRINT_CONDITION,
        register::fingerprint_args(tenant, owner, fingerprint),
    )
    .await
}

pub(crate) async fn count_devices_of_user<B: Backend>(
    b: &B,
    tenant: TenantId,
    owner: UserId,
) -> StoreResult<u32> {
    let rows = b
        .fetch_all(register::COUNT, register::owner_args(tenant, owner))
        .await?;
    rows::count(rows.first())
}

pub(crate) async fn devices_of_user<B: Backend>(
    b: &B,
    tenant: TenantId,
    owner: UserId,
) -> StoreResult<Vec<Device>> {
    let sql = format!("SELECT {COLUMNS} FROM devices WHERE tenant_id = $1 AND owner_user_id = $2");
    let found = b
        .fetch_all(&sql, register::owner_args(tenant, owner))
        .await?;
    let mut devices = crate::codec::decode_all(&found, rows::device)?;
    devices.sort_by_key(|d| (d.registered_at, d.object_id));
    Ok(devices)
}

/// Implements `cerulean_directory::DeviceStore` for a [`Backend`] by forwarding to the
/// engine.
macro_rules! impl_device_store {
    ($ty:ty) => {
        #[async_trait::async_trait]
        impl cerulean_directory::DeviceStore for $ty {
            async fn register_device(
                &self,
                registration: &cerulean_directory::DeviceRegistration<'_>,
                audit: &cerulean_directory::AuditEvent,
            ) -> cerulean_directory::StoreResult<cerulean_directory::RegistrationOutcome> {
                $crate::engine::devices::register::register_device(self, registration, audit)
                    .await
            }
            async fn device_by_fingerprint(
                &self,
                tenant: cerulean_directory::TenantId,
                owner: cerulean_directory::UserId,
                fingerprint: &str,
            ) -> cerulean_directory::StoreResult<Option<cerulean_directory::Device>> {
                $crate::engine::devices::device_by_fingerprint(self, tenant, owner, fingerprint)
                    .await
            }
            async fn count_devices_of_user(
                &self,
                tenant: cerulean_directory::TenantId,
                owner: cerulean_directory::UserId,
            ) -> cerulean_directory::StoreResult<u32> {
                $crate::engine::devices::count_devices_of_user(self, tenant, owner).await
            }
            async fn update_device(
                &self,
                device: &cerulean_directory::Device,
                audit: &cerulean_directory::AuditEvent,
            ) -> cerulean_directory::StoreResult<()> {
                $crate::engine::devices::update_device(self, device, audit).await
            }
            async fn delete_device(
                &self,
                tenant: cerulean_directory::TenantId,
                device: cerulean_directory::DeviceObjectId,
                audit: &cerulean_directory::AuditEvent,
            ) -> cerulean_directory::StoreResult<bool> {
                $crate::engine::devices::delete_device(self, tenant, device, audit).await
            }
            async fn record_device_sign_in(
                &self,
                tenant: cerulean_directory::TenantId,
                device: cerulean_directory::DeviceObjectId,
                at: time::OffsetDateTime,
                not_before: time::OffsetDateTime,
            ) -> cerulean_directory::StoreResult<bool> {
                $crate::engine::devices::record_device_sign_in(self, tenant, device, at, not_before)
                    .await
            }
            async fn device(
                &self,
                tenant: cerulean_directory::TenantId,
                id: cerulean_directory::DeviceObjectId,
            ) -> cerulean_directory::StoreResult<Option<cerulean_directory::Device>> {
                $crate::engine::devices::device(self, tenant, id).await
            }
            async fn device_by_device_id(
                &self,
                tenant: cerulean_directory::TenantId,
                id: cerulean_directory::DeviceId,
            ) -> cerulean_directory::StoreResult<Option<cerulean_directory::Device>> {
                $crate::engine::devices::device_by_device_id(self, tenant, id).await
            }
            async fn device_by_thumbprint(
                &self,
                thumbprint: &str,
            ) -> cerulean_directory::StoreResult<Option<cerulean_directory::Device>> {
                $crate::engine::devices::device_by_thumbprint(self, thumbprint).await
            }
            async fn devices_of_user(
                &self,
                tenant: cerulean_directory::TenantId,
                owner: cerulean_directory::UserId,
            ) -> cerulean_directory::StoreResult<Vec<cerulean_directory::Device>> {
                $crate::engine::devices::devices_of_user(self, tenant, owner).await
            }
            async fn list_devices(
                &self,
                tenant: cerulean_directory::TenantId,
                query: &cerulean_directory::DeviceQuery,
            ) -> cerulean_directory::StoreResult<cerulean_directory::DevicePage> {
                $crate::engine::devices::query::list_devices(self, tenant, query).await
            }
            async fn add_hello_key(
                &self,
                key: &cerulean_directory::HelloKey,
                audit: &cerulean_directory::AuditEvent,
            ) -> cerulean_directory::StoreResult<()> {
                $crate::engine::devices::hello::add_hello_key(self, key, audit).await
            }
            async fn hello_key_by_hash(
                &self,
                tenant: cerulean_directory::TenantId,
                key_hash: &str,
            ) -> cerulean_directory::StoreResult<Option<cerulean_directory::HelloKey>> {
                $crate::engine::devices::hello::hello_key_by_hash(self, tenant, key_hash).await
            }
            async fn hello_keys_of_user(
                &self,
                tenant: cerulean_directory::TenantId,
                user: cerulean_directory::UserId,
            ) -> cerulean_directory::StoreResult<Vec<cerulean_directory::HelloKey>> {
                $crate::engine::devices::hello::hello_keys_of_user(self, tenant, user).await
            }
            async fn device_registration_policy(
                &self,
                tenant: cerulean_directory::TenantId,
            ) -> cerulean_directory::StoreResult<
                Option<cerulean_directory::DeviceRegistrationPolicy>,
            > {
                $crate::engine::devices::policy::device_registration_policy(self, tenant).await
            }
            async fn put_device_registration_policy(
                &self,
                tenant: cerulean_directory::TenantId,
                policy: &cerulean_directory::DeviceRegistrationPolicy,
                audit: &cerulean_directory::AuditEvent,
            ) -> cerulean_directory::StoreResult<()> {
                $crate::engine::devices::policy::put_device_registration_policy(
                    self, tenant, policy, audit,
                )
                .await
            }
            async fn insert_device_ca(
                &self,
                ca: &cerulean_directory::TenantDeviceCa,
                audit: &cerulean_directory::AuditEvent,
            ) -> cerulean_directory::StoreResult<cerulean_directory::TenantDeviceCa> {
                $crate::engine::devices::ca::insert_device_ca(self, ca, audit).await
            }
            async fn device_ca(
                &self,
                tenant: cerulean_directory::TenantId,
            ) -> cerulean_directory::StoreResult<Option<cerulean_directory::TenantDeviceCa>> {
                $crate::engine::devices::ca::device_ca(self, tenant).await
            }
            async fn device_cas(
                &self,
            ) -> cerulean_directory::StoreResult<Vec<cerulean_directory::TenantDeviceCa>> {
                $crate::engine::devices::ca::device_cas(self).await
            }
            async fn insert_server_secret(
                &self,
                secret: &cerulean_directory::ServerSecret,
                audit: &cerulean_directory::AuditEvent,
            ) -> cerulean_directory::StoreResult<cerulean_directory::ServerSecret> {
                $crate::engine::secrets::insert_server_secret(self, secret, audit).await
            }
            async fn server_secret(
                &self,
                name: &str,
            ) -> cerulean_directory::StoreResult<Option<cerulean_directory::ServerSecret>> {
                $crate::engine::secrets::server_secret(self, name).await
            }
        }
    };
}
pub(crate) use impl_device_store;
