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
