//! Persistence of devices, Windows Hello keys and device registration policies. A
//! supertrait of [`Store`](crate::Store), implemented by both backends and held to the
//! same conformance suite.
//!
//! Registration is one write transaction in the store ([`DeviceStore::register_device`]):
//! the retry check, the quota count and the insert happen together under a lock on the
//! owner (SQLite's single writer; PostgreSQL's row lock on the user), so parallel
//! registrations by one user can neither exceed the quota nor duplicate a device.

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::audit::AuditEvent;
use crate::device::{Device, HelloKey, TrustType};
use crate::device_ca::{ServerSecret, TenantDeviceCa};
use crate::device_policy::DeviceRegistrationPolicy;
use crate::ids::{DeviceId, DeviceObjectId, TenantId, UserId};
use crate::store::StoreResult;

/// A registration the store writes atomically.
#[derive(Debug, Clone, Copy)]
pub struct DeviceRegistration<'a> {
    /// The complete device row, certificate included. Its owner must be set.
    pub device: &'a Device,
    /// The owner's quota: a new row is refused once they own this many devices.
    pub quota: u32,
    /// `Some(v)`: the device replaces the stored row with the same object id whose version
    /// is `v` (ReuseDevice: new keys for a known device; no quota check). `device.version`
    /// must be `v + 1`. `None`: a new row.
    pub replaces_version: Option<i64>,
}

/// What [`DeviceStore::register_device`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegistrationOutcome {
    /// A new device row was written (with its audit event).
    Created,
    /// The existing row was re-keyed (with its audit event).
    Replaced,
    /// The owner already has a device registered by a request with the same fingerprint:
    /// nothing was written, here it is.
    Existing(Box<Device>),
    /// The owner owns `owned` devices, at or above the quota: nothing was written.
    QuotaExceeded { owned: u32 },
    /// The owner does not exist in the tenant: nothing was written.
    OwnerNotFound,
    /// The owner is disabled: nothing was written.
    OwnerDisabled,
}

/// Which devices to list (the filters Graph's `/devices` supports), one page at a time in
/// object-id order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceQuery {
    pub device_id: Option<DeviceId>,
    /// Case-insensitive equality.
    pub display_name: Option<String>,
    pub trust_type: Option<TrustType>,
    pub enabled: Option<bool>,
    /// Case-insensitive equality.
    pub operating_system: Option<String>,
    pub owner: Option<UserId>,
    /// Only devices whose last activity (sign-in, else registration) is before this.
    pub last_activity_before: Option<OffsetDateTime>,
    /// Page size: 0 means [`DeviceQuery::DEFAULT_TOP`]; at most [`DeviceQuery::MAX_TOP`].
    pub top: u32,
    /// Continue after this object id (the previous page's `next`).
    pub after: Option<DeviceObjectId>,
    /// Also count every match (ignoring `top` and `after`), for `$count=true`.
    pub with_count: bool,
}

impl DeviceQuery {
    pub const DEFAULT_TOP: u32 = 100;
    pub const MAX_TOP: u32 = 999;

    /// The page size actually used.
    pub fn page_size(&self) -> u32 {
        match self.top {
            0 => Self::DEFAULT_TOP,
            n => n.min(Self::MAX_TOP),
        }
    }
}

/// One page of devices.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DevicePage {
    pub devices: Vec<Device>,
    /// Where the next page starts (`after`), if there is one.
    pub next: Option<DeviceObjectId>,
    /// All matches, when asked for.
    pub count: Option<u64>,
}

#[async_trait]
pub trait DeviceStore: Send + Sync {
    // ── registration ────────────────────────────────────────────────────────────────
    /// Writes a registration and its audit event in one transaction, deciding on the
    /// owner's current state (see [`RegistrationOutcome`]). Errors: `Duplicate { what:
    /// "device id" | "device certificate" }`; `Conflict { what: "device" }` if the row to
    /// replace changed or vanished.
    async fn register_device(
        &self,
        registration: &DeviceRegistration<'_>,
        audit: &AuditEvent,
    ) -> StoreResult<RegistrationOutcome>;
    /// The owner's device registered by the request with this fingerprint.
    async fn device_by_fingerprint(
        &self,
        tenant: TenantId,
        owner: UserId,
        fingerprint: &str,
    ) -> StoreResult<Option<Device>>;
    /// How many devices (joined + registered) the user owns.
    async fn count_devices_of_user(&self, tenant: TenantId, owner: UserId) -> StoreResult<u32>;

    // ── devices ─────────────────────────────────────────────────────────────────────
    /// Writes the editable properties (display name, operating system and version,
    /// enabled, MDM state) if the stored version is `device.version - 1`, else `Conflict`
    /// (or `NotFound`). Keys, certificate, owner and trust type change only through
    /// `register_device`; the last sign-in only through `record_device_sign_in`.
    async fn update_device(&self, device: &Device, audit: &AuditEvent) -> StoreResult<()>;
    /// Deletes the device, its Hello keys and its group memberships; `Ok(false)`, with
    /// nothing written, if it does not exist.
    async fn delete_device(
        &self,
        tenant: TenantId,
        device: DeviceObjectId,
        audit: &AuditEvent,
    ) -> StoreResult<bool>;
    /// Sets the approximate last sign-in to `at` unless it is already at or after
    /// `not_before` (so frequent sign-ins write rarely). Not audited, no version change.
    /// Returns whether it wrote.
    async fn record_device_sign_in(
        &self,
        tenant: TenantId,
        device: DeviceObjectId,
        at: OffsetDateTime,
        not_before: OffsetDateTime,
    ) -> StoreResult<bool>;
    async fn device(&self, tenant: TenantId, id: DeviceObjectId) -> StoreResult<Option<Device>>;
    async fn device_by_device_id(
        &self,
        tenant: TenantId,
        id: DeviceId,
    ) -> StoreResult<Option<Device>>;
    /// By certificate thumbprint, across tenants (the thumbprint is unique).
    async fn device_by_thumbprint(&self, thumbprint: &str) -> StoreResult<Option<Device>>;
    /// The user's devices, oldest registration first.
    async fn devices_of_user(&self, tenant: TenantId, owner: UserId) -> StoreResult<Vec<Device>>;
    async fn list_devices(&self, tenant: TenantId, query: &DeviceQuery) -> StoreResult<DevicePage>;

    // ── Windows Hello for Business keys ─────────────────────────────────────────────
    /// `Duplicate { what: "hello key" }` if the tenant has a key with the same hash;
    /// `NotFound { what: "device" | "user" }` if either is gone.
    async fn add_hello_key(&self, key: &HelloKey, audit: &AuditEvent) -> StoreResult<()>;
    /// By `key_hash` (the PRT request's `kid`).
    async fn hello_key_by_hash(
        &self,
        tenant: TenantId,
        key_hash: &str,
    ) -> StoreResult<Option<HelloKey>>;
    /// The user's keys, oldest first.
    async fn hello_keys_of_user(
        &self,
        tenant: TenantId,
        user: UserId,
    ) -> StoreResult<Vec<HelloKey>>;

    // ── the tenant's device CA and shared secrets ───────────────────────────────────
    /// Stores `ca` unless the tenant has a device CA already, and returns the tenant's CA
    /// either way: the one just written (with `audit`, in the same transaction) or the
    /// one that was there (nothing written). Nodes creating a CA at once all get the same
    /// row back. `NotFound { what: "tenant" }` for an unknown tenant.
    async fn insert_device_ca(
        &self,
        ca: &TenantDeviceCa,
        audit: &AuditEvent,
    ) -> StoreResult<TenantDeviceCa>;
    async fn device_ca(&self, tenant: TenantId) -> StoreResult<Option<TenantDeviceCa>>;
    /// Every tenant's device CA (loaded into the TLS client-certificate trust at start).
    async fn device_cas(&self) -> StoreResult<Vec<TenantDeviceCa>>;
    /// Stores `secret` unless one with its name exists, and returns the stored one either
    /// way (with `audit` written only if this call created it).
    async fn insert_server_secret(
        &self,
        secret: &ServerSecret,
        audit: &AuditEvent,
    ) -> StoreResult<ServerSecret>;
    async fn server_secret(&self, name: &str) -> StoreResult<Option<ServerSecret>>;

    // ── device registration policy ──────────────────────────────────────────────────
    /// The stored policy, `None` if the tenant never set one.
    async fn device_registration_policy(
        &self,
        tenant: TenantId,
    ) -> StoreResult<Option<DeviceRegistrationPolicy>>;
    /// Replaces the policy (`NotFound { what: "tenant" }` for an unknown tenant).
    async fn put_device_registration_policy(
        &self,
        tenant: TenantId,
        policy: &DeviceRegistrationPolicy,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
}
