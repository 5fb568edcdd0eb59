//! Joining and registering devices: the policy checks, retries, ReuseDevice, and the
//! race-free quota.
//!
//! The certificate is issued *before* the row is written, by a callback the DRS passes in
//! (it holds the tenant's device CA): the rule decides the device id, has the certificate
//! issued for it, and hands the complete row to the store, which writes it in one
//! transaction only if the user is still enabled and under quota and no device came from
//! the same request. Signing therefore never happens inside a database transaction
//! (SQLite has one writer; holding it for an RSA signature would cap joins at the signing
//! rate), and no row ever exists without its certificate.
//!
//! The store, not a read beforehand, decides about retries and the quota: that keeps a
//! join to two reads (user, policy) and one write transaction. The price is that a
//! retried request, or one over the quota, has a certificate issued that is then thrown
//! away — it names a device that does not exist and is never returned to anyone.

use serde_json::json;
use time::OffsetDateTime;

use super::Directory;
use super::device_policy::{MembershipCheck, local_admin_sids_for};
use super::device_refusal::DeviceRefusal;
use crate::audit::{ActionContext, AuditResult};
use crate::device::{Device, TrustType};
use crate::device_policy::amr_has_mfa;
use crate::device_store::{DeviceRegistration, RegistrationOutcome};
use crate::error::{DirectoryError, DirectoryResult};
use crate::ids::{DeviceId, DeviceObjectId, TenantId, UserId};
use crate::names;
use crate::store::StoreError;
use crate::user::User;

/// How many times a registration re-reads and retries when the device it reuses changed
/// under it.
const ATTEMPTS: usize = 3;

/// What the DRS learned from a join (JoinType 0) or register (JoinType 4) request and its
/// bearer token.
#[derive(Debug, Clone)]
pub struct RegisterDevice {
    pub tenant: TenantId,
    /// The token's `oid`.
    pub user: UserId,
    /// The token's `amr`.
    pub amr: Vec<String>,
    pub trust_type: TrustType,
    /// `Attributes.ReuseDevice`: the device id of the client's current registration, whose
    /// keys this request replaces if the user owns it (otherwise a new device is made).
    pub reuse_device: Option<DeviceId>,
    pub display_name: String,
    pub operating_system: String,
    pub operating_system_version: String,
    /// DER SubjectPublicKeyInfo of the CSR's key.
    pub cert_public_key_spki: Vec<u8>,
    /// DER SubjectPublicKeyInfo of the transport key.
    pub transport_key_spki: Vec<u8>,
    /// A hash of the request's key material and join type, computed by the DRS: a retry of
    /// the same request by the same user returns the device the first one created.
    pub request_fingerprint: String,
}

/// What the certificate callback must put in the device certificate (PROTOCOLS.md §4.6).
#[derive(Debug, Clone, Copy)]
pub struct CertificateToIssue<'a> {
    pub tenant_id: TenantId,
    /// Subject CN and extension …284.2.
    pub device_id: DeviceId,
    pub object_id: DeviceObjectId,
    /// Extension …284.3.
    pub user_id: UserId,
    /// Extension …284.7: `"1"` joined, `"0"` registered.
    pub trust_type: TrustType,
    /// The CSR's key, to certify.
    pub public_key_spki: &'a [u8],
}

/// How a successful registration came about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistrationKind {
    /// A new device.
    Created,
    /// ReuseDevice: the user's existing device got new keys and a new certificate.
    Reused,
    /// A retry of a request that already succeeded: the device (and certificate) it
    /// created, unchanged.
    Retried,
}

/// A registered device and what the join response needs.
#[derive(Debug, Clone)]
pub struct RegisteredDevice {
    /// The device; `cert_der` and `cert_thumbprint` are the response's `Certificate`.
    pub device: Device,
    pub kind: RegistrationKind,
    /// The registering user (the response's `User.Upn`).
    pub user: User,
    /// For `MembershipChanges` (`LocalSID` `S-1-5-32-544`) of joined devices; empty for
    /// registered ones.
    pub local_admin_sids: Vec<String>,
}

type Refusable<T> = DirectoryResult<Result<T, DeviceRefusal>>;

impl Directory {
    /// Joins or registers a device for `request.user`, or says why not.
    ///
    /// Checks, in order: the user exists and is enabled; the policy allows them to join
    /// (or register), through enumerated users or transitive group membership; MFA if the
    /// policy requires it; then a retry (same fingerprint) returns the existing device, a
    /// ReuseDevice of a device the user owns re-keys it, and anything else becomes a new
    /// device if the user owns fewer than `userDeviceQuota` devices. The device id is
    /// fresh (the CSR's subject is ignored).
    ///
    /// `issue_certificate` is called once per attempt (normally once; again only if a
    /// reused device changed concurrently) unless a policy check refuses first, with the
    /// device the certificate is for, and returns the DER certificate, whose key must be
    /// the CSR's. For a retry or a refusal over the quota its certificate is discarded.
    /// Refusals are audited as failed `device.join` / `device.register` events.
    pub async fn register_device<F>(
        &self,
        ctx: &ActionContext,
        request: RegisterDevice,
        issue_certificate: F,
    ) -> Refusable<RegisteredDevice>
    where
        F: FnMut(&CertificateToIssue<'_>) -> DirectoryResult<Vec<u8>>,
    {
        self.register_device_as(ctx, request, None, issue_certificate)
            .await
    }

    /// [`Directory::register_device`] for a caller that has just read the user (the DRS,
    /// validating the bearer token in the same request): `known_user`, if it is
    /// `request.user`, saves reading it again. The store's write transaction re-checks
    /// that the owner exists and is enabled, so a user disabled in between is still
    /// refused.
    pub async fn register_device_as<F>(
        &self,
        ctx: &ActionContext,
        request: RegisterDevice,
        known_user: Option<User>,
        mut issue_certificate: F,
    ) -> Refusable<RegisteredDevice>
    where
        F: FnMut(&CertificateToIssue<'_>) -> DirectoryResult<Vec<u8>>,
    {
        let request = validate(request)?;
        let tenant = request.tenant;
        let now = self.now_micros();
        let refuse = |refusal| self.refuse_registration(ctx, now, &request, refusal);
        let user = match known_user.filter(|u| u.id == request.user && u.tenant_id == tenant) {
            Some(user) => Some(user),
            None => self.store.user(tenant, request.user).await?,
        };
        let Some(user) = user else {
            return refuse(DeviceRefusal::UserNotFound).await;
        };
        if !user.enabled {
            return refuse(DeviceRefusal::UserDisabled).await;
        }
        let policy = self.device_registration_policy(tenant).await?;
        let mut check = MembershipCheck::new(self, tenant, user.id);
        let (allowed, not_allowed) = match request.trust_type {
            TrustType::AzureAd => (
                &policy.azure_ad_join.allowed_to_join,
                DeviceRefusal::NotAllowedToJoin,
            ),
            TrustType::Workplace => (
                &policy.azure_ad_registration.allowed_to_register,
                DeviceRefusal::NotAllowedToRegister,
            ),
        };
        if !check.includes(allowed).await? {
            return refuse(not_allowed).await;
        }
        if policy.mfa_required() && !amr_has_mfa(&request.amr) {
            return refuse(DeviceRefusal::MfaRequired).await;
        }
        let local_admin_sids = match request.trust_type {
            TrustType::AzureAd => local_admin_sids_for(&policy, &user, &mut check).await?,
            TrustType::Workplace => Vec::new(),
        };
        let quota = policy.user_device_quota;
        let done = |device: Device, kind: RegistrationKind| -> Refusable<RegisteredDevice> {
            Ok(Ok(RegisteredDevice {
                device,
                kind,
                user: user.clone(),
                local_admin_sids: local_admin_sids.clone(),
            }))
        };
        for _ in 0..ATTEMPTS {
            let reused = self.reuse_target(&request).await?;
            if reused.as_ref().is_some_and(|d| !d.enabled) {
                return refuse(DeviceRefusal::DeviceDisabled).await;
            }
            let device = new_device(&request, reused.as_ref(), now, &mut issue_certificate)?;
            let audit = ctx.event(
                now,
                Some(tenant),
                request.trust_type.audit_action(),
                format!("device:{}", device.object_id),
                json!({
                    "deviceId": device.device_id,
                    "displayName": device.display_name,
                    "operatingSystem": device.operating_system,
                    "owner": user.id,
                    "certThumbprint": device.cert_thumbprint,
                    "reused": reused.is_some(),
                }),
            );
            let registration = DeviceRegistration {
                device: &device,
                quota,
                replaces_version: reused.as_ref().map(|d| d.version),
            };
            match self.store.register_device(&registration, &audit).await {
                Ok(RegistrationOutcome::Created) => {
                    return done(device, RegistrationKind::Created);
                }
                Ok(RegistrationOutcome::Replaced) => return done(device, RegistrationKind::Reused),
                Ok(RegistrationOutcome::Existing(existing)) => {
                    return done(*existing, RegistrationKind::Retried);
                }
                Ok(RegistrationOutcome::QuotaExceeded { .. }) => {
                    return refuse(DeviceRefusal::QuotaExceeded { quota }).await;
                }
                Ok(RegistrationOutcome::OwnerNotFound) => {
                    return refuse(DeviceRefusal::UserNotFound).await;
                }
                Ok(RegistrationOutcome::OwnerDisabled) => {
                    return refuse(DeviceRefusal::UserDisabled).await;
                }
                // The reused device changed or vanished since it was read: read again.
                Err(StoreError::Conflict { what: "device" }) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(DirectoryError::Internal(
            "the device kept changing during registration; retry the request".into(),
        ))
    }

    /// The device a ReuseDevice request names, if the requesting user owns it.
    async fn reuse_target(&self, request: &RegisterDevice) -> DirectoryResult<Option<Device>> {
        let Some(id) = request.reuse_device else {
            return Ok(None);
        };
        Ok(self
            .store
            .device_by_device_id(request.tenant, id)
            .await?
            .filter(|d| d.owner_user_id == Some(request.user)))
    }

    /// Audits a refused registration and returns the refusal.
    async fn refuse_registration(
        &self,
        ctx: &ActionContext,
        now: OffsetDateTime,
        request: &RegisterDevice,
        refusal: DeviceRefusal,
    ) -> Refusable<RegisteredDevice> {
        let mut event = ctx.event(
            now,
            Some(request.tenant),
            request.trust_type.audit_action(),
            format!("user:{}", request.user),
            json!({
                "displayName": request.display_name,
                "operatingSystem": request.operating_system,
                "reuseDevice": request.reuse_device,
            }),
        );
        event.result = AuditResult::Failure(refusal.code().to_string());
        self.store.record_audit(&event).await?;
        Ok(Err(refusal))
    }
}

/// The device row for this request: fresh ids, or the reused device's, with a newly
/// issued certificate.
fn new_device<F>(
    request: &RegisterDevice,
    reused: Option<&Device>,
    now: OffsetDateTime,
    issue_certificate: &mut F,
) -> DirectoryResult<Device>
where
    F: FnMut(&CertificateToIssue<'_>) -> DirectoryResult<Vec<u8>>,
{
    let (object_id, device_id) = match reused {
        Some(d) => (d.object_id, d.device_id),
        None => (DeviceObjectId::random(), DeviceId::random()),
    };
    let cert_der = issue_certificate(&CertificateToIssue {
        tenant_id: request.tenant,
        device_id,
        object_id,
        user_id: request.user,
        trust_type: request.trust_type,
        public_key_spki: &request.cert_public_key_spki,
    })?;
    let info = cerulean_crypto::parse_certificate_info(&cert_der)?;
    if info.spki_der != request.cert_public_key_spki {
        return Err(DirectoryError::Internal(
            "the issued device certificate does not certify the requested key".into(),
        ));
    }
    let device_id_text = device_id.to_string();
    if !info.subject.to_ascii_lowercase().contains(&device_id_text) {
        return Err(DirectoryError::Internal(format!(
            "the issued device certificate's subject '{}' does not name device {device_id_text}",
            info.subject
        )));
    }
    Ok(Device {
        object_id,
        device_id,
        tenant_id: request.tenant,
        display_name: request.display_name.clone(),
        trust_type: request.trust_type,
        operating_system: request.operating_system.clone(),
        operating_system_version: request.operating_system_version.clone(),
        owner_user_id: Some(request.user),
        registered_at: reused.map_or(now, |d| d.registered_at),
        approximate_last_sign_in: reused.and_then(|d| d.approximate_last_sign_in),
        enabled: true,
        cert_thumbprint: info.sha1_thumbprint,
        cert_der,
        cert_public_key_spki: request.cert_public_key_spki.clone(),
        transport_key_spki: request.transport_key_spki.clone(),
        registration_fingerprint: Some(request.request_fingerprint.clone()),
        mdm: reused.map(|d| d.mdm.clone()).unwrap_or_default(),
        version: reused.map_or(1, |d| d.version + 1),
    })
}

/// Longest accepted operating-system name or version.
const MAX_OS_LEN: usize = 64;
/// Longest accepted request fingerprint.
const MAX_FINGERPRINT_LEN: usize = 256;
/// Largest accepted public key (DER SubjectPublicKeyInfo); RSA-4096 is about 550 bytes.
const MAX_SPKI_LEN: usize = 4096;

fn validate(mut request: RegisterDevice) -> DirectoryResult<RegisterDevice> {
    request.display_name = names::display_name("device display name", &request.display_name)?;
    request.operating_system = short_text("operating system", &request.operating_system, false)?;
    request.operating_system_version = short_text(
        "operating system version",
        &request.operating_system_version,
        true,
    )?;
    let fingerprint = request.request_fingerprint.trim();
    if fingerprint.is_empty()
        || fingerprint.len() > MAX_FINGERPRINT_LEN
        || !fingerprint.bytes().all(|b| b.is_ascii_graphic())
    {
        return Err(DirectoryError::Invalid {
            field: "request fingerprint",
            reason: format!("must be 1 to {MAX_FINGERPRINT_LEN} printable ASCII characters"),
        });
    }
    request.request_fingerprint = fingerprint.to_string();
    for (field, key) in [
        ("certificate public key", &request.cert_public_key_spki),
        ("transport key", &request.transport_key_spki),
    ] {
        if key.is_empty() || key.len() > MAX_SPKI_LEN {
            return Err(DirectoryError::Invalid {
                field,
                reason: format!("must be a DER public key of 1 to {MAX_SPKI_LEN} bytes"),
            });
        }
    }
    Ok(request)
}

/// Trimmed text of at most [`MAX_OS_LEN`] characters without control characters.
pub(crate) fn short_text(
    field: &'static str,
    input: &str,
    may_be_empty: bool,
) -> DirectoryResult<String> {
    let text = input.trim();
    if (!may_be_empty && text.is_empty())
        || text.chars().count() > MAX_OS_LEN
        || text.chars().any(char::is_control)
    {
        return Err(DirectoryError::Invalid {
            field,
            reason: format!(
                "must be {} to {MAX_OS_LEN} characters without control characters",
                if may_be_empty { 0 } else { 1 }
            ),
        });
    }
    Ok(text.to_string())
}
