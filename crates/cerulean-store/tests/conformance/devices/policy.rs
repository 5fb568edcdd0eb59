//! The device registration policy document, per tenant.

use std::sync::Arc;

use cerulean_directory::{
    DeviceRegistrationMembership, DeviceRegistrationPolicy, GroupId, MultiFactorAuthConfiguration,
    Store, StoreError, TenantId,
};

use super::super::authority::tenant_and_user;
use super::super::{actions_of, event};

pub async fn device_registration_policy_round_trip(store: Arc<dyn Store>) {
    let (tenant, user) = tenant_and_user(&store, "devpolicy").await;
    let (other, _) = tenant_and_user(&store, "devpolicy2").await;
    assert_eq!(
        store.device_registration_policy(tenant).await.unwrap(),
        None
    );

    let mut policy = DeviceRegistrationPolicy {
        user_device_quota: 7,
        multi_factor_auth_configuration: MultiFactorAuthConfiguration::Required,
        ..DeviceRegistrationPolicy::default()
    };
    policy.azure_ad_join.allowed_to_join = DeviceRegistrationMembership::Enumerated {
        users: vec![user.id],
        groups: vec![GroupId::random()],
    };
    policy.azure_ad_join.local_admins.enable_global_admins = false;
    policy.azure_ad_registration.allowed_to_register = DeviceRegistrationMembership::None;
    let ev = event(Some(tenant), "policy.deviceRegistration.update", "p");
    store
        .put_device_registration_policy(tenant, &policy, &ev)
        .await
        .unwrap();
    assert_eq!(
        store.device_registration_policy(tenant).await.unwrap(),
        Some(policy.clone())
    );
    assert_eq!(store.device_registration_policy(other).await.unwrap(), None);

    // Replacing overwrites the whole document.
    let ev = event(Some(tenant), "policy.deviceRegistration.update", "p");
    let defaults = DeviceRegistrationPolicy::default();
    store
        .put_device_registration_policy(tenant, &defaults, &ev)
        .await
        .unwrap();
    assert_eq!(
        store.device_registration_policy(tenant).await.unwrap(),
        Some(defaults.clone())
    );
    let updates = actions_of(&store, tenant)
        .await
        .into_iter()
        .filter(|a| a == "policy.deviceRegistration.update")
        .count();
    assert_eq!(updates, 2);

    // An unknown tenant is not found, and no audit event is left behind.
    let ghost = TenantId::random();
    let ev = event(Some(ghost), "policy.deviceRegistration.update", "p");
    match store
        .put_device_registration_policy(ghost, &defaults, &ev)
        .await
    {
        Err(StoreError::NotFound { what: "tenant" }) => {}
        other => panic!("expected NotFound tenant, got {other:?}"),
    }
    assert!(actions_of(&store, ghost).await.is_empty());
}
