//! Registration in one write transaction.
//!
//! The common case costs one statement besides the audit row: a conditional `INSERT …
//! SELECT … WHERE` that writes the device only if its owner exists and is enabled, no
//! device of the owner came from the same request (fingerprint), and the owner is under
//! the quota. Only when it writes nothing does the transaction read why (retry, quota,
//! owner). On SQLite the transaction is the only writer, so that is race-free as is, and
//! the statement and its audit row go to the writer as one batch, one trip, so the write
//! lock is held for SQLite's own work only. On PostgreSQL the owner's row is locked
//! first, and the conditional statement, which starts after the lock is granted, sees
//! every registration committed before it.

use cerulean_directory::{
    AuditEvent, Device, DeviceRegistration, RegistrationOutcome, StoreError, StoreResult, TenantId,
    UserId,
};

use super::{COLUMNS, rows};
use crate::codec::{Arg, Reader, fold_case, id_text, micros};
use crate::engine::{Backend, audit};

pub(crate) const BY_FINGERPRINT_CONDITION: &str =
    "tenant_id = $1 AND owner_user_id = $2 AND registration_fingerprint = $3";

pub(crate) const COUNT: &str =
    "SELECT COUNT(*) AS n FROM devices WHERE tenant_id = $1 AND owner_user_id = $2";

/// The owner's row, `$1` tenant, `$2` user (locked with `B::FOR_NO_KEY_UPDATE`).
const OWNER: &str = "SELECT enabled FROM users WHERE id = $2 AND tenant_id = $1";

/// The columns an insert writes and their parameters `$1`…`$22`.
macro_rules! insert_into_devices {
    () => {
        "INSERT INTO devices (object_id, device_id, tenant_id, display_name, \
         display_name_lower, trust_type, operating_system, operating_system_lower, \
         operating_system_version, owner_user_id, registered_at, approximate_last_sign_in, \
         enabled, cert_thumbprint, cert_der, cert_public_key_spki, transport_key_spki, \
         registration_fingerprint, mdm_managed, mdm_compliant, mdm_app_id, version) "
    };
}
macro_rules! values {
    () => {
        "$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, \
         $19, $20, $21, $22"
    };
}

/// A device without an owner: no quota, no retry detection.
const INSERT: &str = concat!(insert_into_devices!(), "VALUES (", values!(), ")");

/// Inserts only for an enabled owner (`$10` in tenant `$3`) with no device from the same
/// request (`$18`) and fewer than `$23` devices.
const INSERT_IF_ALLOWED: &str = concat!(
    insert_into_devices!(),
    "SELECT ",
    values!(),
    " WHERE EXISTS (SELECT 1 FROM users WHERE id = $10 AND tenant_id = $3 AND enabled) \
     AND NOT EXISTS (SELECT 1 FROM devices WHERE tenant_id = $3 \
         AND owner_user_id = $10 AND registration_fingerprint = $18) \
     AND (SELECT COUNT(*) FROM devices WHERE tenant_id = $3 AND owner_user_id = $10) < $23"
);

/// Re-keys a reused device of an enabled owner, unless a device of the owner (this one,
/// for a retried reuse) already came from the same request: new certificate, transport
/// key and request fingerprint, and the properties the new request reports. Enabled,
/// owner, registration time, last sign-in and MDM state stay.
const REPLACE: &str = "UPDATE devices SET display_name = $4, display_name_lower = $5, \
     trust_type = $6, operating_system = $7, operating_system_lower = $8, \
     operating_system_version = $9, cert_thumbprint = $10, cert_der = $11, \
     cert_public_key_spki = $12, transport_key_spki = $13, registration_fingerprint = $14, \
     version = $15 \
     WHERE object_id = $1 AND tenant_id = $2 AND owner_user_id = $3 AND version = $16 \
     AND EXISTS (SELECT 1 FROM users WHERE id = $3 AND tenant_id = $2 AND enabled) \
     AND NOT EXISTS (SELECT 1 FROM devices AS other WHERE other.tenant_id = $2 \
         AND other.owner_user_id = $3 AND other.registration_fingerprint = $14)";

pub(crate) fn owner_args(tenant: TenantId, owner: UserId) -> Vec<Arg> {
    vec![id_text(&tenant.0).into(), id_text(&owner.0).into()]
}

pub(crate) fn fingerprint_args(tenant: TenantId, owner: UserId, fingerprint: &str) -> Vec<Arg> {
    let mut args = owner_args(tenant, owner);
    args.push(fingerprint.into());
    args
}

pub(crate) async fn register_device<B: Backend>(
    b: &B,
    registration: &DeviceRegistration<'_>,
    event: &AuditEvent,
) -> StoreResult<RegistrationOutcome> {
    match in_transaction(b, registration, event).await {
        // Unreachable while the owner's registrations are serialized; should that ever
        // fail, the unique constraint still keeps one device per request.
        Err(StoreError::Duplicate {
            what: "device fingerprint",
        }) => {
            let device = registration.device;
            let found = match (device.owner_user_id, &device.registration_fingerprint) {
                (Some(owner), Some(fingerprint)) => {
                    super::device_by_fingerprint(b, device.tenant_id, owner, fingerprint).await?
                }
                _ => None,
            };
            found
                .map(|d| RegistrationOutcome::Existing(Box::new(d)))
                .ok_or(StoreError::Conflict { what: "device" })
        }
        other => other,
    }
}

async fn in_transaction<B: Backend>(
    b: &B,
    registration: &DeviceRegistration<'_>,
    event: &AuditEvent,
) -> StoreResult<RegistrationOutcome> {
    let device = registration.device;
    if B::SERIALIZED_WRITES && device.owner_user_id.is_some() {
        if let Some(outcome) = in_one_batch(b, registration, event).await? {
            return Ok(outcome);
        }
        // It wrote nothing. The transaction below tries again and, if it writes nothing
        // either, says why.
    }
    let mut tx = b.begin_write().await?;
    let Some(owner) = device.owner_user_id else {
        b.execute(&mut tx, INSERT, insert_args(device)).await?;
        audit::insert(b, &mut tx, event).await?;
        b.commit(tx).await?;
        return Ok(RegistrationOutcome::Created);
    };
    if !B::SERIALIZED_WRITES {
        let sql = format!("{OWNER}{}", B::FOR_NO_KEY_UPDATE);
        b.fetch_optional_in(&mut tx, &sql, owner_args(device.tenant_id, owner))
            .await?;
    }
    let (sql, mut args, outcome) = conditional_write(registration);
    let written = if B::SERIALIZED_WRITES {
        let written = b.execute(&mut tx, sql, args).await?;
        if written > 0 {
            audit::insert(b, &mut tx, event).await?;
        }
        written
    } else {
        // The write and its audit row in one statement (one round trip less): the audit
        // insert reads the rows the write returns, so it writes one exactly when the
        // write did.
        let (audit_sql, audit_args) = audit::insert_with(args.len() + 1, event, "FROM written")?;
        args.extend(audit_args);
        let statement = format!("WITH written AS ({sql} RETURNING 1) {audit_sql}");
        b.execute(&mut tx, &statement, args).await?
    };
    if written == 0 {
        // Nothing written: `tx` rolls back when dropped, after saying why.
        return why_not(b, &mut tx, registration, owner).await;
    }
    b.commit(tx).await?;
    Ok(outcome)
}

/// The conditional write and its audit row as one batch (SQLite: one trip to the
/// writer). `None` if it wrote nothing.
async fn in_one_batch<B: Backend>(
    b: &B,
    registration: &DeviceRegistration<'_>,
    event: &AuditEvent,
) -> StoreResult<Option<RegistrationOutcome>> {
    let (sql, mut args, outcome) = conditional_write(registration);
    let (audit_sql, audit_args) = audit::insert_with(args.len() + 1, event, "WHERE changes() > 0")?;
    args.extend(audit_args);
    // The audit row was written only if the device was, so its count is the answer.
    let rows = b
        .write_batch(&format!("{sql}; {audit_sql}; SELECT changes() AS n"), args)
        .await?;
    let written = rows::count(rows.first())?;
    Ok((written > 0).then_some(outcome))
}

/// The statement that registers (or re-keys) only if the policy allows, its arguments,
/// and what it means when it writes.
fn conditional_write(
    registration: &DeviceRegistration<'_>,
) -> (&'static str, Vec<Arg>, RegistrationOutcome) {
    let device = registration.device;
    match registration.replaces_version {
        None => {
            let mut args = insert_args(device);
            args.push(i64::from(registration.quota).into());
            (INSERT_IF_ALLOWED, args, RegistrationOutcome::Created)
        }
        Some(expected) => (
            REPLACE,
            replace_args(device, expected),
            RegistrationOutcome::Replaced,
        ),
    }
}

/// Why a conditional write wrote nothing, read in the same transaction.
async fn why_not<B: Backend>(
    b: &B,
    tx: &mut B::Tx,
    registration: &DeviceRegistration<'_>,
    owner: UserId,
) -> StoreResult<RegistrationOutcome> {
    let device = registration.device;
    let tenant = device.tenant_id;
    let Some(row) = b
        .fetch_optional_in(tx, OWNER, owner_args(tenant, owner))
        .await?
    else {
        return Ok(RegistrationOutcome::OwnerNotFound);
    };
    if !Reader::new(&row, "users").boolean("enabled")? {
        return Ok(RegistrationOutcome::OwnerDisabled);
    }
    if let Some(fingerprint) = &device.registration_fingerprint {
        let sql = format!("SELECT {COLUMNS} FROM devices WHERE {BY_FINGERPRINT_CONDITION}");
        let args = fingerprint_args(tenant, owner, fingerprint);
        if let Some(row) = b.fetch_optional_in(tx, &sql, args).await? {
            return Ok(RegistrationOutcome::Existing(Box::new(rows::device(&row)?)));
        }
    }
    if registration.replaces_version.is_some() {
        // The row to re-key changed or vanished since the caller read it.
        return Err(StoreError::Conflict { what: "device" });
    }
    let counted = b
        .fetch_optional_in(tx, COUNT, owner_args(tenant, owner))
        .await?;
    let owned = rows::count(counted.as_ref())?;
    if owned >= registration.quota {
        return Ok(RegistrationOutcome::QuotaExceeded { owned });
    }
    Err(StoreError::Backend(
        "a device registration wrote nothing for no visible reason".into(),
    ))
}

fn insert_args(d: &Device) -> Vec<Arg> {
    vec![
        id_text(&d.object_id.0).into(),
        id_text(&d.device_id.0).into(),
        id_text(&d.tenant_id.0).into(),
        d.display_name.as_str().into(),
        fold_case(&d.display_name).into(),
        d.trust_type.as_str().into(),
        d.operating_system.as_str().into(),
        fold_case(&d.operating_system).into(),
        d.operating_system_version.as_str().into(),
        d.owner_user_id.map(|u| id_text(&u.0)).into(),
        micros(d.registered_at).into(),
        d.approximate_last_sign_in.map(micros).into(),
        d.enabled.into(),
        d.cert_thumbprint.as_str().into(),
        d.cert_der.clone().into(),
        d.cert_public_key_spki.clone().into(),
        d.transport_key_spki.clone().into(),
        d.registration_fingerprint.clone().into(),
        d.mdm.managed.into(),
        d.mdm.compliant.into(),
        d.mdm.mdm_app_id.map(|id| id_text(&id.0)).into(),
        d.version.into(),
    ]
}

fn replace_args(d: &Device, expected: i64) -> Vec<Arg> {
    vec![
        id_text(&d.object_id.0).into(),
        id_text(&d.tenant_id.0).into(),
        d.owner_user_id.map(|u| id_text(&u.0)).into(),
        d.display_name.as_str().into(),
        fold_case(&d.display_name).into(),
        d.trust_type.as_str().into(),
        d.operating_system.as_str().into(),
        fold_case(&d.operating_system).into(),
        d.operating_system_version.as_str().into(),
        d.cert_thumbprint.as_str().into(),
        d.cert_der.clone().into(),
        d.cert_public_key_spki.clone().into(),
        d.transport_key_spki.clone().into(),
        d.registration_fingerprint.clone().into(),
        d.version.into(),
        expected.into(),
    ]
}
