//! Registration outcomes, reads, edits, deletion and the unique constraints.

use std::sync::Arc;

use cerulean_directory::{
    ClientId, DeviceRegistration, Member, RegistrationOutcome, Store, StoreError, TrustType, UserId,
};

use super::super::authority::tenant_and_user;
use super::super::{actions_of, at, event, group_model};
use super::{create_device, device_model, register};

pub async fn device_register_read_update_delete(store: Arc<dyn Store>) {
    let (tenant, user) = tenant_and_user(&store, "devcrud").await;
    let mut device = device_model(tenant, Some(user.id), "LAPTOP-1");
    device.trust_type = TrustType::Workplace;
    device.mdm.mdm_app_id = Some(ClientId::random());
    create_device(&store, &device).await;

    assert_eq!(
        store.device(tenant, device.object_id).await.unwrap(),
        Some(device.clone())
    );
    assert_eq!(
        store
            .device_by_device_id(tenant, device.device_id)
            .await
            .unwrap(),
        Some(device.clone())
    );
    let lower = device.cert_thumbprint.to_lowercase();
    assert_eq!(
        store.device_by_thumbprint(&lower).await.unwrap(),
        Some(device.clone())
    );
    let fingerprint = device.registration_fingerprint.clone().unwrap();
    assert_eq!(
        store
            .device_by_fingerprint(tenant, user.id, &fingerprint)
            .await
            .unwrap(),
        Some(device.clone())
    );
    assert_eq!(
        store.devices_of_user(tenant, user.id).await.unwrap(),
        vec![device.clone()]
    );
    assert_eq!(
        store.count_devices_of_user(tenant, user.id).await.unwrap(),
        1
    );
    // Another tenant sees nothing.
    let (other, _) = tenant_and_user(&store, "devother").await;
    assert_eq!(store.device(other, device.object_id).await.unwrap(), None);
    assert_eq!(
        store
            .device_by_device_id(other, device.device_id)
            .await
            .unwrap(),
        None
    );

    // Editable properties change with the version; the rest stays.
    let mut edited = device.clone();
    edited.display_name = "Renamed".into();
    edited.operating_system_version = "10.0.26100.1".into();
    edited.enabled = false;
    edited.mdm.managed = true;
    edited.mdm.compliant = true;
    edited.version = 2;
    let mut sneaky = edited.clone();
    sneaky.cert_thumbprint = "00".repeat(20);
    sneaky.owner_user_id = None;
    let ev = event(Some(tenant), "device.update", "d");
    store.update_device(&sneaky, &ev).await.unwrap();
    assert_eq!(
        store.device(tenant, device.object_id).await.unwrap(),
        Some(edited.clone())
    );
    // A stale copy loses; a missing device is not found.
    let ev = event(Some(tenant), "device.update", "d");
    super::super::assert_conflict(store.update_device(&edited, &ev).await, "device");
    let mut ghost = device_model(tenant, Some(user.id), "ghost");
    ghost.version = 2;
    let ev = event(Some(tenant), "device.update", "d");
    super::super::assert_not_found(store.update_device(&ghost, &ev).await, "device");

    // Sign-in times move forward only past `not_before`.
    let (id, t) = (device.object_id, at(1000));
    assert!(
        store
            .record_device_sign_in(tenant, id, t, at(0))
            .await
            .unwrap()
    );
    assert!(
        !store
            .record_device_sign_in(tenant, id, at(1500), at(900))
            .await
            .unwrap()
    );
    assert!(
        store
            .record_device_sign_in(tenant, id, at(2000), at(1500))
            .await
            .unwrap()
    );
    let stored = store.device(tenant, id).await.unwrap().unwrap();
    assert_eq!(stored.approximate_last_sign_in, Some(at(2000)));
    assert_eq!(stored.version, 2, "sign-ins do not change the version");

    // Deleting removes the device, its group memberships and nothing else.
    let group = group_model(tenant, "Devices");
    store
        .create_group(&group, &event(Some(tenant), "group.create", "g"))
        .await
        .unwrap();
    let member = Member::Device(device.object_id.0);
    store
        .add_group_member(tenant, group.id, member, &event(Some(tenant), "x", "g"))
        .await
        .unwrap();
    let keep = device_model(tenant, Some(user.id), "LAPTOP-2");
    create_device(&store, &keep).await;
    let ev = event(Some(tenant), "device.delete", "d");
    assert!(!store.delete_device(other, id, &ev).await.unwrap());
    assert!(store.delete_device(tenant, id, &ev).await.unwrap());
    assert!(!store.delete_device(tenant, id, &ev).await.unwrap());
    assert_eq!(store.device(tenant, id).await.unwrap(), None);
    assert!(
        store
            .group_members(tenant, group.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.devices_of_user(tenant, user.id).await.unwrap(),
        vec![keep]
    );
    let actions = actions_of(&store, tenant).await;
    let count = |a: &str| actions.iter().filter(|x| *x == a).count();
    // Two joins, one update, one delete; nothing for refused or empty writes.
    assert_eq!(
        (
            count("device.join"),
            count("device.update"),
            count("device.delete")
        ),
        (2, 1, 1)
    );
}

pub async fn device_unique_constraints(store: Arc<dyn Store>) {
    let (tenant, user) = tenant_and_user(&store, "devuniq").await;
    let device = device_model(tenant, Some(user.id), "one");
    create_device(&store, &device).await;
    let ev = event(Some(tenant), "device.join", "d");
    let reg = |d| DeviceRegistration {
        device: d,
        quota: 100,
        replaces_version: None,
    };

    let mut same_id = device_model(tenant, Some(user.id), "two");
    same_id.device_id = device.device_id;
    let err = store
        .register_device(&reg(&same_id), &ev)
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Duplicate { what: "device id" }),
        "{err:?}"
    );

    let mut same_cert = device_model(tenant, Some(user.id), "three");
    same_cert.cert_thumbprint = device.cert_thumbprint.clone();
    let err = store
        .register_device(&reg(&same_cert), &ev)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::Duplicate {
                what: "device certificate"
            }
        ),
        "{err:?}"
    );

    let mut same_object = device_model(tenant, Some(user.id), "four");
    same_object.object_id = device.object_id;
    let err = store
        .register_device(&reg(&same_object), &ev)
        .await
        .unwrap_err();
    assert!(
        matches!(err, StoreError::Duplicate { what: "device" }),
        "{err:?}"
    );

    // The same fingerprint for the same owner is the existing device, nothing written.
    let mut retry = device_model(tenant, Some(user.id), "retry");
    retry.registration_fingerprint = device.registration_fingerprint.clone();
    assert_eq!(
        register(&store, &retry, 100).await,
        RegistrationOutcome::Existing(Box::new(device.clone()))
    );
    // … but another owner may have one like it, and ownerless devices have none.
    let other = super::super::create_user(
        &store,
        tenant,
        &format!("{}@{}", super::super::unique("o"), "x.test"),
    )
    .await;
    let mut theirs = device_model(tenant, Some(other.id), "theirs");
    theirs.registration_fingerprint = device.registration_fingerprint.clone();
    create_device(&store, &theirs).await;
    for name in ["a", "b"] {
        let mut ownerless = device_model(tenant, None, name);
        ownerless.registration_fingerprint = None;
        assert_eq!(
            register(&store, &ownerless, 0).await,
            RegistrationOutcome::Created
        );
    }
    assert_eq!(
        store.count_devices_of_user(tenant, user.id).await.unwrap(),
        1
    );
    // Failed writes left no audit events.
    assert_eq!(
        actions_of(&store, tenant)
            .await
            .iter()
            .filter(|a| *a == "device.join")
            .count(),
        4
    );
}

pub async fn device_registration_owner_checks_and_reuse(store: Arc<dyn Store>) {
    let (tenant, user) = tenant_and_user(&store, "devowner").await;
    // Unknown owner, disabled owner: nothing written.
    let stranger = device_model(tenant, Some(UserId::random()), "x");
    assert_eq!(
        register(&store, &stranger, 10).await,
        RegistrationOutcome::OwnerNotFound
    );
    let mut disabled = user.clone();
    disabled.enabled = false;
    disabled.version += 1;
    store
        .update_user(&disabled, &event(Some(tenant), "user.disable", "u"))
        .await
        .unwrap();
    let device = device_model(tenant, Some(user.id), "x");
    assert_eq!(
        register(&store, &device, 10).await,
        RegistrationOutcome::OwnerDisabled
    );
    let mut enabled = disabled.clone();
    enabled.enabled = true;
    enabled.version += 1;
    store
        .update_user(&enabled, &event(Some(tenant), "user.enable", "u"))
        .await
        .unwrap();

    // Quota 0 refuses a new device; 1 admits one.
    assert_eq!(
        register(&store, &device, 0).await,
        RegistrationOutcome::QuotaExceeded { owned: 0 }
    );
    assert_eq!(
        register(&store, &device, 1).await,
        RegistrationOutcome::Created
    );
    let second = device_model(tenant, Some(user.id), "y");
    assert_eq!(
        register(&store, &second, 1).await,
        RegistrationOutcome::QuotaExceeded { owned: 1 }
    );

    // Reuse re-keys the same row, even at the quota; the old certificate is gone.
    let mut rekeyed = device_model(tenant, Some(user.id), "x-rekeyed");
    rekeyed.object_id = device.object_id;
    rekeyed.device_id = device.device_id;
    rekeyed.registered_at = device.registered_at;
    rekeyed.trust_type = TrustType::Workplace;
    rekeyed.version = 2;
    let ev = event(Some(tenant), "device.join", "d");
    let reuse = DeviceRegistration {
        device: &rekeyed,
        quota: 1,
        replaces_version: Some(1),
    };
    assert_eq!(
        store.register_device(&reuse, &ev).await.unwrap(),
        RegistrationOutcome::Replaced
    );
    assert_eq!(
        store.device(tenant, device.object_id).await.unwrap(),
        Some(rekeyed.clone())
    );
    assert_eq!(
        store
            .device_by_thumbprint(&device.cert_thumbprint)
            .await
            .unwrap(),
        None
    );
    // A second identical reuse is recognised by its fingerprint; a stale one conflicts.
    assert_eq!(
        store.register_device(&reuse, &ev).await.unwrap(),
        RegistrationOutcome::Existing(Box::new(rekeyed.clone()))
    );
    let mut stale = device_model(tenant, Some(user.id), "stale");
    stale.object_id = device.object_id;
    stale.device_id = device.device_id;
    stale.version = 2;
    let stale_reuse = DeviceRegistration {
        device: &stale,
        quota: 1,
        replaces_version: Some(1),
    };
    let err = store.register_device(&stale_reuse, &ev).await.unwrap_err();
    assert!(
        matches!(err, StoreError::Conflict { what: "device" }),
        "{err:?}"
    );
}
