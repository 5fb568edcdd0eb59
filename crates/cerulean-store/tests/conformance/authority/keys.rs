//! Signing keys: written with their audit event, listed unexpired and newest first.

use std::sync::Arc;

use cerulean_directory::{Store, TenantId};

use super::super::{actions_of, assert_duplicate, assert_not_found, at, create_tenant, event};
use super::signing_key_model;

pub async fn signing_keys_round_trip_newest_first(store: Arc<dyn Store>) {
    let (tenant, _) = create_tenant(&store, "keys").await;
    let (other, _) = create_tenant(&store, "other-keys").await;
    let oldest = signing_key_model(tenant.id, 0, 10_000);
    let middle = signing_key_model(tenant.id, 100, 20_000);
    let newest = signing_key_model(tenant.id, 200, 30_000);
    let foreign = signing_key_model(other.id, 300, 30_000);
    // Added out of order: the store sorts by creation time.
    for key in [&middle, &newest, &oldest, &foreign] {
        let ev = event(Some(key.tenant_id), "signingKey.add", &key.kid);
        store.add_signing_key(key, &ev).await.unwrap();
    }
    assert_eq!(
        store.signing_keys(tenant.id, at(500)).await.unwrap(),
        vec![newest.clone(), middle.clone(), oldest.clone()]
    );
    // A key is listed until (not at) its expiry.
    assert_eq!(
        store.signing_keys(tenant.id, at(10_000)).await.unwrap(),
        vec![newest.clone(), middle.clone()]
    );
    assert_eq!(
        store.signing_keys(tenant.id, at(29_999)).await.unwrap(),
        vec![newest]
    );
    assert!(
        store
            .signing_keys(tenant.id, at(30_000))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.signing_keys(other.id, at(0)).await.unwrap(),
        vec![foreign]
    );
    assert!(
        store
            .signing_keys(TenantId::random(), at(0))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        actions_of(&store, tenant.id).await,
        [
            "signingKey.add",
            "signingKey.add",
            "signingKey.add",
            "tenant.create"
        ]
    );
}

pub async fn signing_key_duplicates_and_unknown_tenants(store: Arc<dyn Store>) {
    let (tenant, _) = create_tenant(&store, "dupkeys").await;
    let key = signing_key_model(tenant.id, 0, 10_000);
    let ev = || event(Some(tenant.id), "signingKey.add", "k");
    store.add_signing_key(&key, &ev()).await.unwrap();
    let mut same_kid = signing_key_model(tenant.id, 50, 10_000);
    same_kid.kid = key.kid.clone();
    assert_duplicate(store.add_signing_key(&same_kid, &ev()).await, "signing key");

    // The same kid in another tenant is a different key.
    let (other, _) = create_tenant(&store, "dupkeys-other").await;
    let mut elsewhere = key.clone();
    elsewhere.tenant_id = other.id;
    store
        .add_signing_key(&elsewhere, &event(Some(other.id), "signingKey.add", "k"))
        .await
        .unwrap();

    let orphan = signing_key_model(TenantId::random(), 0, 10_000);
    assert_not_found(
        store
            .add_signing_key(&orphan, &event(None, "signingKey.add", "k"))
            .await,
        "tenant",
    );
    // Nothing of the failed writes, audit included, remains.
    assert_eq!(
        store.signing_keys(tenant.id, at(0)).await.unwrap(),
        vec![key]
    );
    assert_eq!(
        actions_of(&store, tenant.id).await,
        ["signingKey.add", "tenant.create"]
    );
}
