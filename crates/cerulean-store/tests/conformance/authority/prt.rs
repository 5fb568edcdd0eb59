//! Primary Refresh Tokens: stored by hash with the sealed session key as given, returned
//! even when expired or revoked, refused on a duplicate hash or an unknown tenant, and
//! forgotten by `purge_expired` once expired.

use std::sync::Arc;

use cerulean_directory::authority::{PrimaryRefreshToken, SealedSessionKey};
use cerulean_directory::{DeviceObjectId, Store, TenantId, UserId};
use uuid::Uuid;

use super::super::{assert_duplicate, assert_not_found, at};
use super::{secret_hash, tenant_and_user};

fn prt_model(tenant: TenantId, user: UserId, expires: i64) -> PrimaryRefreshToken {
    PrimaryRefreshToken {
        token_hash: secret_hash(),
        tenant_id: tenant,
        user_id: user,
        device_object_id: DeviceObjectId::from(Uuid::new_v4()),
        // Bytes that are not valid UTF-8, to prove the column is binary.
        sealed_session_key: SealedSessionKey((0..=255u8).rev().take(60).collect()),
        amr: vec!["pwd".into(), "rsa".into()],
        auth_time: at(-5),
        created_at: at(0),
        expires_at: at(expires),
        revoked: false,
    }
}

pub async fn primary_refresh_tokens_insert_fetch_purge(store: Arc<dyn Store>) {
    let (tenant, user) = tenant_and_user(&store, "prt").await;
    let live = prt_model(tenant, user.id, 1_209_600);
    let mut expired = prt_model(tenant, user.id, 100);
    expired.revoked = true;
    store.insert_primary_refresh_token(&live).await.unwrap();
    store.insert_primary_refresh_token(&expired).await.unwrap();
    assert_eq!(
        store.primary_refresh_token(&live.token_hash).await.unwrap(),
        Some(live.clone())
    );
    assert_eq!(
        store
            .primary_refresh_token(&expired.token_hash)
            .await
            .unwrap(),
        Some(expired.clone())
    );
    assert_eq!(
        store.primary_refresh_token(&secret_hash()).await.unwrap(),
        None
    );

    let mut dup = prt_model(tenant, user.id, 60);
    dup.token_hash = live.token_hash.clone();
    assert_duplicate(
        store.insert_primary_refresh_token(&dup).await,
        "primary refresh token",
    );
    let orphan = prt_model(TenantId::random(), UserId::random(), 60);
    assert_not_found(store.insert_primary_refresh_token(&orphan).await, "tenant");

    // Purged once expired; the live one stays.
    store.purge_expired(at(101)).await.unwrap();
    assert_eq!(
        store
            .primary_refresh_token(&expired.token_hash)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store.primary_refresh_token(&live.token_hash).await.unwrap(),
        Some(live)
    );
}

/// Revocation by device, by user and one by one: only the matching live rows change,
/// revoked rows stay revoked, and the counts say how many were live.
pub async fn primary_refresh_tokens_revocation(store: Arc<dyn Store>) {
    let (tenant, user) = tenant_and_user(&store, "prt-revoke").await;
    let other_user = UserId::random();
    let device = DeviceObjectId::from(Uuid::new_v4());
    let mut a = prt_model(tenant, user.id, 1_209_600);
    a.device_object_id = device;
    let mut b = prt_model(tenant, user.id, 1_209_600);
    b.device_object_id = device;
    let c = prt_model(tenant, user.id, 1_209_600);
    let mut d = prt_model(tenant, other_user, 1_209_600);
    d.device_object_id = device;
    let e = prt_model(tenant, other_user, 1_209_600);
    for p in [&a, &b, &c, &d, &e] {
        store.insert_primary_refresh_token(p).await.unwrap();
    }
    let revoked = |hash: String| {
        let store = store.clone();
        async move {
            store
                .primary_refresh_token(&hash)
                .await
                .unwrap()
                .unwrap()
                .revoked
        }
    };

    // One by one.
    assert!(
        store
            .revoke_primary_refresh_token(&a.token_hash)
            .await
            .unwrap()
    );
    assert!(
        !store
            .revoke_primary_refresh_token(&a.token_hash)
            .await
            .unwrap()
    );
    assert!(
        !store
            .revoke_primary_refresh_token(&secret_hash())
            .await
            .unwrap()
    );
    assert!(revoked(a.token_hash.clone()).await);
    assert!(!revoked(b.token_hash.clone()).await);

    // By device: b and d (a was revoked already); not in another tenant.
    assert_eq!(
        store
            .revoke_device_primary_refresh_tokens(TenantId::random(), device)
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        store
            .revoke_device_primary_refresh_tokens(tenant, device)
            .await
            .unwrap(),
        2
    );
    assert!(revoked(b.token_hash.clone()).await);
    assert!(revoked(d.token_hash.clone()).await);
    assert!(!revoked(c.token_hash.clone()).await);
    assert!(!revoked(e.token_hash.clone()).await);

    // By user: c only (a and b were revoked already); the other user's e stays live.
    assert_eq!(
        store
            .revoke_user_primary_refresh_tokens(tenant, user.id)
            .await
            .unwrap(),
        1
    );
    assert!(revoked(c.token_hash.clone()).await);
    assert!(!revoked(e.token_hash.clone()).await);
    assert_eq!(
        store
            .revoke_user_primary_refresh_tokens(tenant, user.id)
            .await
            .unwrap(),
        0
    );
}
