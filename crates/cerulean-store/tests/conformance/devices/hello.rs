//! Windows Hello for Business keys.

use std::sync::Arc;

use cerulean_directory::{
    Device, HelloKey, HelloKeyId, Store, StoreError, TenantId, User, UserId, device,
};

use super::super::authority::tenant_and_user;
use super::super::{actions_of, at, event};
use super::{create_device, device_model};

fn key_model(tenant: TenantId, user: &User, device: &Device, created: i64) -> HelloKey {
    let blob = format!("RSA1-{}", uuid::Uuid::new_v4()).into_bytes();
    HelloKey {
        key_id: HelloKeyId::random(),
        tenant_id: tenant,
        user_id: user.id,
        device: device.object_id,
        device_id: device.device_id,
        key_hash: device::hello_key_hash(&blob),
        key_blob: blob,
        public_key_spki: vec![0x30, 0x00, 0xff],
        created_at: at(created),
    }
}

pub async fn hello_keys_round_trip_and_go_with_their_device(store: Arc<dyn Store>) {
    let (tenant, user) = tenant_and_user(&store, "hello").await;
    let laptop = device_model(tenant, Some(user.id), "laptop");
    let desktop = device_model(tenant, Some(user.id), "desktop");
    create_device(&store, &laptop).await;
    create_device(&store, &desktop).await;

    let second = key_model(tenant, &user, &laptop, 20);
    let first = key_model(tenant, &user, &desktop, 10);
    for key in [&second, &first] {
        let ev = event(Some(tenant), "device.key.add", "k");
        store.add_hello_key(key, &ev).await.unwrap();
    }
    assert_eq!(
        store.hello_keys_of_user(tenant, user.id).await.unwrap(),
        vec![first.clone(), second.clone()]
    );
    assert_eq!(
        store
            .hello_key_by_hash(tenant, &first.key_hash)
            .await
            .unwrap(),
        Some(first.clone())
    );
    let (other, _) = tenant_and_user(&store, "hello2").await;
    assert_eq!(
        store
            .hello_key_by_hash(other, &first.key_hash)
            .await
            .unwrap(),
        None
    );

    // The same key again is a duplicate; unknown users and devices are not found.
    let mut again = key_model(tenant, &user, &laptop, 30);
    again.key_hash = first.key_hash.clone();
    let ev = event(Some(tenant), "device.key.add", "k");
    match store.add_hello_key(&again, &ev).await {
        Err(StoreError::Duplicate { what: "hello key" }) => {}
        other => panic!("expected Duplicate hello key, got {other:?}"),
    }
    let mut orphan = key_model(tenant, &user, &laptop, 30);
    orphan.user_id = UserId::random();
    super::super::assert_not_found(store.add_hello_key(&orphan, &ev).await, "user");
    let ghost = device_model(tenant, Some(user.id), "ghost");
    let homeless = key_model(tenant, &user, &ghost, 30);
    super::super::assert_not_found(store.add_hello_key(&homeless, &ev).await, "device");

    // Deleting a device deletes the keys provisioned on it.
    let ev = event(Some(tenant), "device.delete", "d");
    assert!(
        store
            .delete_device(tenant, desktop.object_id, &ev)
            .await
            .unwrap()
    );
    assert_eq!(
        store.hello_keys_of_user(tenant, user.id).await.unwrap(),
        vec![second]
    );
    let adds = actions_of(&store, tenant)
        .await
        .into_iter()
        .filter(|a| a == "device.key.add")
        .count();
    assert_eq!(adds, 2);
}
