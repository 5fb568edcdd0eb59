//! Decoding device and Hello-key rows.

use cerulean_directory::{Device, HelloKey, MdmState, StoreError, StoreResult, TrustType};

use crate::codec::{Columns, Reader};

pub(crate) fn device<R: Columns>(row: &R) -> StoreResult<Device> {
    let r = Reader::new(row, "devices");
    let trust = r.text("trust_type")?;
    let trust_type = TrustType::parse(&trust).ok_or_else(|| StoreError::Corrupt {
        what: "devices",
        detail: format!("column trust_type: unknown trust type '{trust}'"),
    })?;
    Ok(Device {
        object_id: r.id("object_id")?,
        device_id: r.id("device_id")?,
        tenant_id: r.id("tenant_id")?,
        display_name: r.text("display_name")?,
        trust_type,
        operating_system: r.text("operating_system")?,
        operating_system_version: r.text("operating_system_version")?,
        owner_user_id: r.opt_id("owner_user_id")?,
        registered_at: r.time("registered_at")?,
        approximate_last_sign_in: r.opt_time("approximate_last_sign_in")?,
        enabled: r.boolean("enabled")?,
        cert_thumbprint: r.text("cert_thumbprint")?,
        cert_der: r.bytes("cert_der")?,
        cert_public_key_spki: r.bytes("cert_public_key_spki")?,
        transport_key_spki: r.bytes("transport_key_spki")?,
        registration_fingerprint: r.opt_text("registration_fingerprint")?,
        mdm: MdmState {
            managed: r.boolean("mdm_managed")?,
            compliant: r.boolean("mdm_compliant")?,
            mdm_app_id: r.opt_id("mdm_app_id")?,
        },
        version: r.int("version")?,
    })
}

pub(crate) fn hello_key<R: Columns>(row: &R) -> StoreResult<HelloKey> {
    let r = Reader::new(row, "hello_keys");
    Ok(HelloKey {
        key_id: r.id("key_id")?,
        tenant_id: r.id("tenant_id")?,
        user_id: r.id("user_id")?,
        device: r.id("device_object_id")?,
        device_id: r.id("device_id")?,
        key_blob: r.bytes("key_blob")?,
        key_hash: r.text("key_hash")?,
        public_key_spki: r.bytes("public_key_spki")?,
        created_at: r.time("created_at")?,
    })
}

/// The `n` column of a `SELECT COUNT(*) AS n` row.
pub(crate) fn count<R: Columns>(row: Option<&R>) -> StoreResult<u32> {
    match row {
        Some(row) => Reader::new(row, "devices").u32("n"),
        None => Ok(0),
    }
}
