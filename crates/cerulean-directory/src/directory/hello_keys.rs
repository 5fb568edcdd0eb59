//! Windows Hello for Business key registration ([MS-KPP] `kngc`, PROTOCOLS.md §5.8).
//!
//! The DRS calls this with the bearer token's user, `amr` and `deviceid`. A multi-factor
//! sign-in is always required (KPP's rule, independent of the registration policy). On a
//! joined device any enabled user of the tenant may provision a key (several people can
//! sign in to one joined device); on a registered device only its owner. Registering the
//! same key again returns the key as first registered.

use serde_json::json;

use super::Directory;
use super::device_refusal::DeviceRefusal;
use crate::audit::{ActionContext, AuditResult};
use crate::device::{Device, HelloKey, TrustType, hello_key_hash};
use crate::device_policy::amr_has_mfa;
use crate::error::{DirectoryError, DirectoryResult};
use crate::ids::{DeviceId, HelloKeyId, TenantId, UserId};
use crate::store::StoreError;
use crate::user::User;

/// Largest accepted key blob or SubjectPublicKeyInfo.
const MAX_KEY_LEN: usize = 4096;

/// A key registration as the DRS received it.
#[derive(Debug, Clone)]
pub struct NewHelloKey {
    pub tenant: TenantId,
    /// The token's `oid`.
    pub user: UserId,
    /// The token's `amr`.
    pub amr: Vec<String>,
    /// The token's `deviceid`.
    pub device_id: DeviceId,
    /// The `kngc` `BCRYPT_RSAKEY_BLOB`, as sent.
    pub key_blob: Vec<u8>,
    /// The same key as DER SubjectPublicKeyInfo (converted by the DRS).
    pub public_key_spki: Vec<u8>,
}

impl Directory {
    /// Registers a Windows Hello key for `new.user` on `new.device_id`, or says why not.
    pub async fn add_hello_key(
        &self,
        ctx: &ActionContext,
        new: NewHelloKey,
    ) -> DirectoryResult<Result<HelloKey, DeviceRefusal>> {
        for (field, bytes) in [
            ("key blob", &new.key_blob),
            ("public key", &new.public_key_spki),
        ] {
            if bytes.is_empty() || bytes.len() > MAX_KEY_LEN {
                return Err(DirectoryError::Invalid {
                    field,
                    reason: format!("must be 1 to {MAX_KEY_LEN} bytes"),
                });
            }
        }
        let tenant = new.tenant;
        let (user, device) = match self.key_owner_and_device(&new).await? {
            Ok(found) => found,
            Err(refusal) => {
                let mut event = ctx.event(
                    self.clock.now(),
                    Some(tenant),
                    "device.key.add",
                    format!("user:{}", new.user),
                    json!({ "deviceId": new.device_id }),
                );
                event.result = AuditResult::Failure(refusal.code().to_string());
                self.store.record_audit(&event).await?;
                return Ok(Err(refusal));
            }
        };
        let key_hash = hello_key_hash(&new.key_blob);
        if let Some(existing) = self.existing_key(tenant, user.id, &key_hash).await? {
            return Ok(Ok(existing));
        }
        let now = self.now_micros();
        let key = HelloKey {
            key_id: HelloKeyId::random(),
            tenant_id: tenant,
            user_id: user.id,
            device: device.object_id,
            device_id: device.device_id,
            key_blob: new.key_blob,
            key_hash,
            public_key_spki: new.public_key_spki,
            created_at: now,
        };
        let audit = ctx.event(
            now,
            Some(tenant),
            "device.key.add",
            format!("user:{}", user.id),
            json!({ "keyId": key.key_id, "deviceId": device.device_id,
                    "keyHash": key.key_hash }),
        );
        match self.store.add_hello_key(&key, &audit).await {
            Ok(()) => Ok(Ok(key)),
            // The same key registered concurrently: return the winner's.
            Err(StoreError::Duplicate { .. }) => {
                match self.existing_key(tenant, user.id, &key.key_hash).await? {
                    Some(existing) => Ok(Ok(existing)),
                    None => Err(DirectoryError::AlreadyExists {
                        what: "hello key",
                        key: key.key_hash,
                    }),
                }
            }
            Err(StoreError::NotFound { what: "device" }) => Ok(Err(DeviceRefusal::DeviceNotFound)),
            Err(StoreError::NotFound { what: "user" }) => Ok(Err(DeviceRefusal::UserNotFound)),
            Err(e) => Err(e.into()),
        }
    }

    /// The enabled user and the enabled device a key registration names, or the refusal.
    async fn key_owner_and_device(
        &self,
        new: &NewHelloKey,
    ) -> DirectoryResult<Result<(User, Device), DeviceRefusal>> {
        let Some(user) = self.store.user(new.tenant, new.user).await? else {
            return Ok(Err(DeviceRefusal::UserNotFound));
        };
        if !user.enabled {
            return Ok(Err(DeviceRefusal::UserDisabled));
        }
        if !amr_has_mfa(&new.amr) {
            return Ok(Err(DeviceRefusal::MfaRequired));
        }
        let Some(device) = self
            .store
            .device_by_device_id(new.tenant, new.device_id)
            .await?
        else {
            return Ok(Err(DeviceRefusal::DeviceNotFound));
        };
        if !device.enabled {
            return Ok(Err(DeviceRefusal::DeviceDisabled));
        }
        if device.trust_type == TrustType::Workplace && device.owner_user_id != Some(user.id) {
            return Ok(Err(DeviceRefusal::NotDeviceOwner));
        }
        Ok(Ok((user, device)))
    }

    /// The user's keys (oldest first).
    pub async fn hello_keys_of_user(
        &self,
        tenant: TenantId,
        user: UserId,
    ) -> DirectoryResult<Vec<HelloKey>> {
        Ok(self.store.hello_keys_of_user(tenant, user).await?)
    }

    /// The key a PRT request names by `kid` (base64 SHA-256 of the key blob).
    pub async fn hello_key_by_hash(
        &self,
        tenant: TenantId,
        key_hash: &str,
    ) -> DirectoryResult<Option<HelloKey>> {
        Ok(self.store.hello_key_by_hash(tenant, key_hash).await?)
    }

    /// The key with this hash if it is `user`'s; an error if another user registered the
    /// same public key.
    async fn existing_key(
        &self,
        tenant: TenantId,
        user: UserId,
        key_hash: &str,
    ) -> DirectoryResult<Option<HelloKey>> {
        match self.store.hello_key_by_hash(tenant, key_hash).await? {
            Some(existing) if existing.user_id == user => Ok(Some(existing)),
            Some(_) => Err(DirectoryError::AlreadyExists {
                what: "hello key",
                key: key_hash.to_string(),
            }),
            None => Ok(None),
        }
    }
}
