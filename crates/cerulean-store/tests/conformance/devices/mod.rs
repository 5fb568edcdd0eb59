//! Devices, Windows Hello keys and device registration policies (`DeviceStore`),
//! including the registration races: the quota holds and an identical request never makes
//! a second device, however many registrations run at once.

mod ca;
mod crud;
mod hello;
mod policy;
mod query;
mod races;

pub use ca::*;
pub use crud::*;
pub use hello::*;
pub use policy::*;
pub use query::*;
pub use races::*;

use std::sync::Arc;

use cerulean_directory::{
    Device, DeviceId, DeviceObjectId, DeviceRegistration, MdmState, RegistrationOutcome, Store,
    TenantId, TrustType, UserId,
};
use uuid::Uuid;

use super::{event, now};

/// A new device of `owner` with unique ids, certificate and fingerprint.
pub fn device_model(tenant: TenantId, owner: Option<UserId>, name: &str) -> Device {
    let thumbprint = format!(
        "{}{}",
        Uuid::new_v4().simple(),
        &Uuid::new_v4().simple().to_string()[..8]
    )
    .to_uppercase();
    Device {
        object_id: DeviceObjectId::random(),
        device_id: DeviceId::random(),
        tenant_id: tenant,
        display_name: name.to_string(),
        trust_type: TrustType::AzureAd,
        operating_system: "Windows".into(),
        operating_system_version: "10.0.22631.4460".into(),
        owner_user_id: owner,
        registered_at: now(),
        approximate_last_sign_in: None,
        enabled: true,
        cert_thumbprint: thumbprint,
        // Zero and high bytes: stored as bytes, not text.
        cert_der: vec![0x30, 0x82, 0x00, 0xff, 0x01, 0x80],
        cert_public_key_spki: vec![0x30, 0x82, 0x01, 0x22, 0x00, 0xfe],
        transport_key_spki: vec![0x30, 0x82, 0x01, 0x22, 0x00, 0x7f],
        registration_fingerprint: Some(Uuid::new_v4().simple().to_string()),
        mdm: MdmState::default(),
        version: 1,
    }
}

/// Registers `device` as new with `quota` and returns the outcome.
pub async fn register(store: &Arc<dyn Store>, device: &Device, quota: u32) -> RegistrationOutcome {
    let ev = event(
        Some(device.tenant_id),
        "device.join",
        &format!("device:{}", device.object_id),
    );
    store
        .register_device(
            &DeviceRegistration {
                device,
                quota,
                replaces_version: None,
            },
            &ev,
        )
        .await
        .unwrap()
}

/// Registers `device` and expects it to be created.
pub async fn create_device(store: &Arc<dyn Store>, device: &Device) {
    assert_eq!(
        register(store, device, 1000).await,
        RegistrationOutcome::Created
    );
}
