//! Registrations racing each other: on SQLite they queue on the one writer, on PostgreSQL
//! on the owner's row lock (the pooled connections stand in for several nodes).

use std::sync::Arc;

use cerulean_directory::{RegistrationOutcome, Store};
use tokio::task::JoinSet;

use super::super::actions_of;
use super::super::authority::tenant_and_user;
use super::{device_model, register};

pub async fn concurrent_registrations_never_exceed_the_quota(store: Arc<dyn Store>) {
    let (tenant, user) = tenant_and_user(&store, "devquota").await;
    let (_, bystander) = tenant_and_user(&store, "devquota2").await;
    let mut tasks = JoinSet::new();
    for i in 0..200 {
        let store = store.clone();
        let device = device_model(tenant, Some(user.id), &format!("PC-{i}"));
        tasks.spawn(async move { register(&store, &device, 50).await });
    }
    let (mut created, mut refused) = (0, 0);
    while let Some(outcome) = tasks.join_next().await {
        match outcome.unwrap() {
            RegistrationOutcome::Created => created += 1,
            RegistrationOutcome::QuotaExceeded { owned } => {
                assert_eq!(owned, 50);
                refused += 1;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((created, refused), (50, 150));
    assert_eq!(
        store.count_devices_of_user(tenant, user.id).await.unwrap(),
        50
    );
    assert_eq!(
        store.devices_of_user(tenant, user.id).await.unwrap().len(),
        50
    );
    let joins = actions_of(&store, tenant)
        .await
        .into_iter()
        .filter(|a| a == "device.join")
        .count();
    assert_eq!(joins, 50, "one audit event per device, none for refusals");
    assert_eq!(
        store
            .count_devices_of_user(bystander.tenant_id, bystander.id)
            .await
            .unwrap(),
        0
    );
}

pub async fn concurrent_identical_registrations_make_one_device(store: Arc<dyn Store>) {
    let (tenant, user) = tenant_and_user(&store, "devretry").await;
    let fingerprint = uuid::Uuid::new_v4().to_string();
    let mut tasks = JoinSet::new();
    for i in 0..40 {
        let store = store.clone();
        // Each attempt minted its own ids and certificate, as the DRS does.
        let mut device = device_model(tenant, Some(user.id), &format!("PC-{i}"));
        device.registration_fingerprint = Some(fingerprint.clone());
        tasks.spawn(async move { register(&store, &device, 50).await });
    }
    let mut created = 0;
    let mut existing = Vec::new();
    while let Some(outcome) = tasks.join_next().await {
        match outcome.unwrap() {
            RegistrationOutcome::Created => created += 1,
            RegistrationOutcome::Existing(device) => existing.push(*device),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((created, existing.len()), (1, 39));
    let devices = store.devices_of_user(tenant, user.id).await.unwrap();
    assert_eq!(devices.len(), 1);
    assert!(existing.iter().all(|d| *d == devices[0]));
}

/// A request whose client goes away is dropped by the server mid-write. Whatever point a
/// registration is dropped at, the device is there with its audit event or not at all,
/// and the store keeps working: on SQLite a write batch runs to its COMMIT on the writer
/// thread regardless, on PostgreSQL an unfinished transaction is rolled back.
pub async fn registrations_dropped_mid_write_leave_whole_rows(store: Arc<dyn Store>) {
    let (tenant, user) = tenant_and_user(&store, "devdrop").await;
    for i in 0..60u64 {
        let device = device_model(tenant, Some(user.id), &format!("PC-{i}"));
        // From "before anything was sent" to "long after it finished".
        let patience = std::time::Duration::from_micros(i * i * 3);
        let _ = tokio::time::timeout(patience, register(&store, &device, 1000)).await;
    }
    // Let writes that were dropped while queued or running finish.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let last = device_model(tenant, Some(user.id), "PC-last");
    assert_eq!(
        register(&store, &last, 1000).await,
        RegistrationOutcome::Created,
        "the writer still works"
    );
    let devices = store.devices_of_user(tenant, user.id).await.unwrap();
    let joins = actions_of(&store, tenant)
        .await
        .into_iter()
        .filter(|a| a == "device.join")
        .count();
    assert_eq!(
        joins,
        devices.len(),
        "every device with its audit event, no other"
    );
    assert!(
        devices.len() >= 2,
        "some dropped registrations had finished"
    );
}
