//! The tenants' device CAs and the shared server secrets: inserted only if absent, the
//! winner returned to every racer, audited once, gone with their tenant.

use std::sync::Arc;

use cerulean_directory::{ServerSecret, Store, StoreError, TenantDeviceCa, TenantId};
use tokio::task::JoinSet;

use super::super::{actions_of, create_tenant, event, now};

fn ca_model(tenant: TenantId, n: usize) -> TenantDeviceCa {
    TenantDeviceCa {
        tenant_id: tenant,
        cert_pem: format!("-----BEGIN CERTIFICATE-----\ncert {n}\n-----END CERTIFICATE-----\n"),
        key_pem: format!("-----BEGIN PRIVATE KEY-----\nkey {n}\n-----END PRIVATE KEY-----\n"),
        created_at: now(),
    }
}

async fn insert_ca(
    store: &Arc<dyn Store>,
    ca: &TenantDeviceCa,
) -> Result<TenantDeviceCa, StoreError> {
    let ev = event(
        Some(ca.tenant_id),
        "tenant.deviceCa.create",
        &format!("tenant:{}", ca.tenant_id),
    );
    store.insert_device_ca(ca, &ev).await
}

pub async fn device_ca_is_created_once(store: Arc<dyn Store>) {
    let (tenant, _) = create_tenant(&store, "ca").await;
    let (other, _) = create_tenant(&store, "ca2").await;
    assert_eq!(store.device_ca(tenant.id).await.unwrap(), None);

    let first = ca_model(tenant.id, 1);
    assert_eq!(insert_ca(&store, &first).await.unwrap(), first);
    assert_eq!(
        store.device_ca(tenant.id).await.unwrap(),
        Some(first.clone())
    );

    // A second insert writes nothing and returns the first.
    let second = ca_model(tenant.id, 2);
    assert_eq!(insert_ca(&store, &second).await.unwrap(), first);
    assert_eq!(
        store.device_ca(tenant.id).await.unwrap(),
        Some(first.clone())
    );
    let created = actions_of(&store, tenant.id)
        .await
        .into_iter()
        .filter(|a| a == "tenant.deviceCa.create")
        .count();
    assert_eq!(created, 1, "audited only when written");

    assert_eq!(store.device_ca(other.id).await.unwrap(), None);
    let other_ca = ca_model(other.id, 3);
    insert_ca(&store, &other_ca).await.unwrap();
    let all = store.device_cas().await.unwrap();
    assert!(all.contains(&first) && all.contains(&other_ca), "{all:?}");

    // Unknown tenant: nothing written.
    let ghost = ca_model(TenantId::random(), 4);
    match insert_ca(&store, &ghost).await {
        Err(StoreError::NotFound { what: "tenant" }) => {}
        other => panic!("expected NotFound tenant, got {other:?}"),
    }
    assert_eq!(store.device_ca(ghost.tenant_id).await.unwrap(), None);
}

pub async fn concurrent_device_ca_creations_converge(store: Arc<dyn Store>) {
    let (tenant, _) = create_tenant(&store, "caRace").await;
    let mut tasks = JoinSet::new();
    for n in 0..16 {
        let store = store.clone();
        let ca = ca_model(tenant.id, n);
        tasks.spawn(async move { insert_ca(&store, &ca).await.unwrap() });
    }
    let mut winners = Vec::new();
    while let Some(won) = tasks.join_next().await {
        winners.push(won.unwrap());
    }
    let stored = store.device_ca(tenant.id).await.unwrap().unwrap();
    assert!(
        winners.iter().all(|w| *w == stored),
        "every racer got the stored CA"
    );
    let created = actions_of(&store, tenant.id)
        .await
        .into_iter()
        .filter(|a| a == "tenant.deviceCa.create")
        .count();
    assert_eq!(created, 1);
}

pub async fn server_secrets_are_created_once(store: Arc<dyn Store>) {
    let name = format!("test.secret.{}", uuid::Uuid::new_v4().simple());
    assert_eq!(store.server_secret(&name).await.unwrap(), None);
    let mut tasks = JoinSet::new();
    for n in 0u8..16 {
        let store = store.clone();
        let secret = ServerSecret {
            name: name.clone(),
            // Zero and high bytes: stored as bytes, not text.
            value: vec![0, n, 0xff, 0x80],
            created_at: now(),
        };
        tasks.spawn(async move {
            let ev = event(
                None,
                "server.secret.create",
                &format!("secret:{}", secret.name),
            );
            store.insert_server_secret(&secret, &ev).await.unwrap()
        });
    }
    let mut winners = Vec::new();
    while let Some(won) = tasks.join_next().await {
        winners.push(won.unwrap());
    }
    let stored = store.server_secret(&name).await.unwrap().unwrap();
    assert_eq!(stored.value.len(), 4);
    assert_eq!((stored.value[0], stored.value[2]), (0, 0xff));
    assert!(winners.iter().all(|w| *w == stored));
    assert_eq!(store.server_secret("test.other").await.unwrap(), None);
}
