//! Devices after registration: lookups (by object id, device id, certificate), listing,
//! edits by administrators and by the device itself, enabling, deleting, sign-in times.

use serde_json::json;
use time::Duration;

use super::Directory;
use super::device_registration::short_text;
use crate::audit::ActionContext;
use crate::device::Device;
use crate::device_store::{DevicePage, DeviceQuery};
use crate::error::{DirectoryError, DirectoryResult};
use crate::ids::{DeviceId, DeviceObjectId, TenantId, UserId};
use crate::names;
use crate::store::StoreError;

/// How many times an edit re-reads and retries after a concurrent change.
const ATTEMPTS: usize = 5;

/// How often the approximate last sign-in is written at most (Entra's is approximate too).
pub const SIGN_IN_GRANULARITY: Duration = Duration::hours(1);

/// Properties an administrator (Graph `PATCH`) or the device itself may change; `None`
/// leaves a property as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceUpdate {
    pub display_name: Option<String>,
    pub operating_system: Option<String>,
    pub operating_system_version: Option<String>,
}

impl Directory {
    /// A device by object id; an error if absent.
    pub async fn device(&self, tenant: TenantId, id: DeviceObjectId) -> DirectoryResult<Device> {
        self.store
            .device(tenant, id)
            .await?
            .ok_or_else(|| DirectoryError::NotFound {
                what: "device",
                key: id.to_string(),
            })
    }

    /// A device by device id (the certificate CN, the token's `deviceid`).
    pub async fn device_by_device_id(
        &self,
        tenant: TenantId,
        id: DeviceId,
    ) -> DirectoryResult<Option<Device>> {
        Ok(self.store.device_by_device_id(tenant, id).await?)
    }

    /// A device by certificate thumbprint (upper- or lower-case hex), in any tenant.
    pub async fn device_by_thumbprint(&self, thumbprint: &str) -> DirectoryResult<Option<Device>> {
        Ok(self.store.device_by_thumbprint(thumbprint.trim()).await?)
    }

    /// The device a client certificate (DER, e.g. from TLS client authentication) belongs
    /// to: its thumbprint and its public key must both match the stored ones. A
    /// certificate that does not parse belongs to no device.
    pub async fn device_by_certificate(&self, cert_der: &[u8]) -> DirectoryResult<Option<Device>> {
        let Ok(info) = cerulean_crypto::parse_certificate_info(cert_der) else {
            return Ok(None);
        };
        Ok(self
            .store
            .device_by_thumbprint(&info.sha1_thumbprint)
            .await?
            .filter(|d| d.cert_public_key_spki == info.spki_der))
    }

    /// The devices a user owns, oldest first.
    pub async fn devices_of_user(
        &self,
        tenant: TenantId,
        user: UserId,
    ) -> DirectoryResult<Vec<Device>> {
        Ok(self.store.devices_of_user(tenant, user).await?)
    }

    /// One page of a tenant's devices (Graph's `GET /devices`).
    pub async fn list_devices(
        &self,
        tenant: TenantId,
        query: &DeviceQuery,
    ) -> DirectoryResult<DevicePage> {
        Ok(self.store.list_devices(tenant, query).await?)
    }

    /// Devices with no sign-in (or, never signed in, no registration) for `inactive_for`,
    /// a page at a time (`after` = the previous page's `next`).
    pub async fn stale_devices(
        &self,
        tenant: TenantId,
        inactive_for: Duration,
        after: Option<DeviceObjectId>,
    ) -> DirectoryResult<DevicePage> {
        let query = DeviceQuery {
            last_activity_before: Some(self.clock.now() - inactive_for),
            after,
            ..DeviceQuery::default()
        };
        self.list_devices(tenant, &query).await
    }

    /// Notes that the device signed in now (a PRT or device token was issued). Writes at
    /// most once per [`SIGN_IN_GRANULARITY`]; not audited.
    pub async fn record_device_sign_in(&self, device: &Device) -> DirectoryResult<()> {
        let now = self.now_micros();
        self.store
            .record_device_sign_in(
                device.tenant_id,
                device.object_id,
                now,
                now - SIGN_IN_GRANULARITY,
            )
            .await?;
        Ok(())
    }

    /// Enables or disables a device (Graph's `accountEnabled`). A disabled device gets no
    /// tokens; nothing is written if it already is as asked. Disabling revokes the
    /// device's PRTs (right after the device is written).
    pub async fn set_device_enabled(
        &self,
        ctx: &ActionContext,
        tenant: TenantId,
        id: DeviceObjectId,
        enabled: bool,
    ) -> DirectoryResult<Device> {
        let action = if enabled {
            "device.enable"
        } else {
            "device.disable"
        };
        let device = self
            .edit_device(ctx, tenant, id, action, |device| {
                if device.enabled == enabled {
                    return Ok(None);
                }
                device.enabled = enabled;
                Ok(Some(json!({ "deviceId": device.device_id })))
            })
            .await?;
        if !enabled {
            // Its PRTs stay refused even if the device is enabled again.
            self.store
                .revoke_device_primary_refresh_tokens(tenant, id)
                .await?;
        }
        Ok(device)
    }

    /// Changes a device's properties on an administrator's behalf.
    pub async fn update_device(
        &self,
        ctx: &ActionContext,
        tenant: TenantId,
        id: DeviceObjectId,
        update: DeviceUpdate,
    ) -> DirectoryResult<Device> {
        let update = validate_update(update)?;
        self.edit_device(ctx, tenant, id, "device.update", |device| {
            Ok(apply(device, &update))
        })
        .await
    }

    /// Changes a device's properties on its own behalf (the DRS, authenticated by the
    /// device certificate). A disabled device may not.
    pub async fn update_device_self(
        &self,
        ctx: &ActionContext,
        device: &Device,
        update: DeviceUpdate,
    ) -> DirectoryResult<Device> {
        let update = validate_update(update)?;
        self.edit_device(
            ctx,
            device.tenant_id,
            device.object_id,
            "device.update",
            |current| {
                if !current.enabled {
                    return Err(DirectoryError::Forbidden(
                        "this device is disabled; ask an administrator to enable it".into(),
                    ));
                }
                Ok(apply(current, &update))
            },
        )
        .await
    }

    /// Deletes a device with its Windows Hello keys and group memberships, returning what
    /// was deleted. The device (DRS `DELETE`, authenticated by its certificate) or an
    /// administrator may do this.
    pub async fn delete_device(
        &self,
        ctx: &ActionContext,
        tenant: TenantId,
        id: DeviceObjectId,
    ) -> DirectoryResult<Device> {
        let device = self.device(tenant, id).await?;
        let audit = ctx.event(
            self.clock.now(),
            Some(tenant),
            "device.delete",
            format!("device:{id}"),
            json!({ "deviceId": device.device_id, "displayName": device.display_name,
                    "trustType": device.trust_type, "owner": device.owner_user_id }),
        );
        if !self.store.delete_device(tenant, id, &audit).await? {
            return Err(DirectoryError::NotFound {
                what: "device",
                key: id.to_string(),
            });
        }
        self.store
            .revoke_device_primary_refresh_tokens(tenant, id)
            .await?;
        Ok(device)
    }

    /// Reads the device, lets `change` edit it (returning the audit details, or `None`
    /// for "nothing to do"), and writes it with optimistic concurrency, re-reading after a
    /// concurrent change.
    async fn edit_device<F>(
        &self,
        ctx: &ActionContext,
        tenant: TenantId,
        id: DeviceObjectId,
        action: &str,
        mut change: F,
    ) -> DirectoryResult<Device>
    where
        F: FnMut(&mut Device) -> DirectoryResult<Option<serde_json::Value>>,
    {
        for _ in 0..ATTEMPTS {
            let mut device = self.device(tenant, id).await?;
            let Some(details) = change(&mut device)? else {
                return Ok(device);
            };
            device.version += 1;
            let audit = ctx.event(
                self.clock.now(),
                Some(tenant),
                action,
                format!("device:{id}"),
                details,
            );
            match self.store.update_device(&device, &audit).await {
                Ok(()) => return Ok(device),
                Err(StoreError::Conflict { .. }) => continue,
                Err(StoreError::NotFound { .. }) => {
                    return Err(DirectoryError::NotFound {
                        what: "device",
                        key: id.to_string(),
                    });
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(DirectoryError::Internal(
            "the device kept changing concurrently; retry".into(),
        ))
    }
}

fn validate_update(update: DeviceUpdate) -> DirectoryResult<DeviceUpdate> {
    Ok(DeviceUpdate {
        display_name: update
            .display_name
            .map(|n| names::display_name("device display name", &n))
            .transpose()?,
        operating_system: update
            .operating_system
            .map(|os| short_text("operating system", &os, false))
            .transpose()?,
        operating_system_version: update
            .operating_system_version
            .map(|v| short_text("operating system version", &v, true))
            .transpose()?,
    })
}

/// Applies `update`; the audit details of what changed, or `None` if nothing did.
fn apply(device: &mut Device, update: &DeviceUpdate) -> Option<serde_json::Value> {
    let mut changed = serde_json::Map::new();
    let fields = [
        (
            "displayName",
            &mut device.display_name,
            &update.display_name,
        ),
        (
            "operatingSystem",
            &mut device.operating_system,
            &update.operating_system,
        ),
        (
            "operatingSystemVersion",
            &mut device.operating_system_version,
            &update.operating_system_version,
        ),
    ];
    for (name, current, wanted) in fields {
        if let Some(wanted) = wanted {
            if current != wanted {
                *current = wanted.clone();
                changed.insert(name.to_string(), json!(wanted));
            }
        }
    }
    if changed.is_empty() {
        None
    } else {
        changed.insert("deviceId".into(), json!(device.device_id));
        Some(serde_json::Value::Object(changed))
    }
}
