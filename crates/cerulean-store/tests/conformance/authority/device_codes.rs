//! Device codes: unique live user codes, decisions only on pending unexpired codes, polls
//! that report the state before them and redeem an approval once.

use std::sync::Arc;

use cerulean_directory::authority::{DeviceCode, DeviceCodeState};
use cerulean_directory::{Store, StoreError};

use super::super::{assert_duplicate, at};
use super::{
    auth_context, device_code_model, plus, secret_hash, tenant_and_user, unique_user_code,
};

async fn poll(store: &Arc<dyn Store>, code: &DeviceCode, secs: i64) -> Option<DeviceCode> {
    store
        .poll_device_code(&code.device_code_hash, at(secs))
        .await
        .unwrap()
}

pub async fn device_code_approval_is_redeemed_once(store: Arc<dyn Store>) {
    let (tenant, user) = tenant_and_user(&store, "devicecode").await;
    let code = device_code_model(&unique_user_code(), 0, 900);
    store.insert_device_code(&code).await.unwrap();

    assert_eq!(
        store
            .device_code_by_user_code(&code.user_code, at(1))
            .await
            .unwrap(),
        Some(code.clone())
    );
    // Each poll returns the code as it was before it, then records itself.
    assert_eq!(poll(&store, &code, 5).await, Some(code.clone()));
    let mut seen = code.clone();
    seen.last_polled_at = Some(at(5));
    assert_eq!(poll(&store, &code, 10).await, Some(seen.clone()));

    let auth = auth_context(tenant, user.id);
    assert!(
        store
            .decide_device_code(&code.user_code, Some(auth.clone()), at(12))
            .await
            .unwrap()
    );
    // Decided already: neither a second approval nor a denial changes it.
    assert!(
        !store
            .decide_device_code(&code.user_code, None, at(13))
            .await
            .unwrap()
    );
    let mut approved = code.clone();
    approved.state = DeviceCodeState::Approved(auth.clone());
    approved.last_polled_at = Some(at(10));
    assert_eq!(
        store
            .device_code_by_user_code(&code.user_code, at(14))
            .await
            .unwrap(),
        Some(approved.clone())
    );
    // The poll that finds it approved gets the approval; the code is redeemed by it.
    assert_eq!(poll(&store, &code, 15).await, Some(approved));
    let mut redeemed = code.clone();
    redeemed.state = DeviceCodeState::Redeemed;
    redeemed.last_polled_at = Some(at(15));
    assert_eq!(poll(&store, &code, 20).await, Some(redeemed.clone()));
    redeemed.last_polled_at = Some(at(20));
    assert_eq!(poll(&store, &code, 25).await, Some(redeemed));
    assert!(
        !store
            .decide_device_code(&code.user_code, Some(auth), at(30))
            .await
            .unwrap()
    );
}

pub async fn device_code_denial_and_expiry(store: Arc<dyn Store>) {
    let (tenant, user) = tenant_and_user(&store, "devicedeny").await;
    let auth = auth_context(tenant, user.id);

    let denied = device_code_model(&unique_user_code(), 0, 900);
    store.insert_device_code(&denied).await.unwrap();
    assert!(
        store
            .decide_device_code(&denied.user_code, None, at(10))
            .await
            .unwrap()
    );
    let mut expected = denied.clone();
    expected.state = DeviceCodeState::Denied;
    assert_eq!(poll(&store, &denied, 11).await, Some(expected.clone()));
    expected.last_polled_at = Some(at(11));
    assert_eq!(poll(&store, &denied, 12).await, Some(expected));

    // An expired code is not found by its user code and cannot be decided, but a poll
    // still returns it (the caller answers `expired_token`).
    let expired = device_code_model(&unique_user_code(), 0, 900);
    store.insert_device_code(&expired).await.unwrap();
    assert!(
        store
            .device_code_by_user_code(&expired.user_code, at(899))
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(
        store
            .device_code_by_user_code(&expired.user_code, at(900))
            .await
            .unwrap(),
        None
    );
    assert!(
        !store
            .decide_device_code(&expired.user_code, Some(auth.clone()), at(900))
            .await
            .unwrap()
    );
    assert_eq!(poll(&store, &expired, 1_000).await, Some(expired.clone()));

    // Unknown codes.
    assert!(
        !store
            .decide_device_code(&unique_user_code(), Some(auth), at(1))
            .await
            .unwrap()
    );
    assert_eq!(
        store.poll_device_code(&secret_hash(), at(1)).await.unwrap(),
        None
    );
    assert_eq!(
        store
            .device_code_by_user_code(&unique_user_code(), at(1))
            .await
            .unwrap(),
        None
    );
}

pub async fn device_user_codes_are_unique_among_live_codes(store: Arc<dyn Store>) {
    let user_code = unique_user_code();
    let first = device_code_model(&user_code, 0, 900);
    store.insert_device_code(&first).await.unwrap();

    // While the first is live, its user code cannot be reused, whatever its state.
    let clash = device_code_model(&user_code, 899, 900);
    assert_duplicate(store.insert_device_code(&clash).await, "user code");
    let mut same_hash = device_code_model(&unique_user_code(), 0, 900);
    same_hash.device_code_hash = first.device_code_hash.clone();
    assert_duplicate(store.insert_device_code(&same_hash).await, "device code");

    // Once it has expired, the user code is free again and the expired code is gone.
    let reuse = device_code_model(&user_code, 900, 900);
    store.insert_device_code(&reuse).await.unwrap();
    assert_eq!(poll(&store, &first, 901).await, None);
    assert_eq!(
        store
            .device_code_by_user_code(&user_code, plus(reuse.created_at, 1))
            .await
            .unwrap(),
        Some(reuse)
    );
}

/// A failed insert leaves nothing behind (the expired code it would have replaced stays
/// only if the insert did not happen).
pub async fn device_code_insert_failures_are_atomic(store: Arc<dyn Store>) {
    let user_code = unique_user_code();
    let old = device_code_model(&user_code, 0, 60);
    store.insert_device_code(&old).await.unwrap();
    // Reuses the expired code's user code, but the device code hash of a live one.
    let live = device_code_model(&unique_user_code(), 0, 900);
    store.insert_device_code(&live).await.unwrap();
    let mut bad = device_code_model(&user_code, 100, 900);
    bad.device_code_hash = live.device_code_hash.clone();
    match store.insert_device_code(&bad).await {
        Err(StoreError::Duplicate {
            what: "device code",
        }) => {}
        other => panic!("expected Duplicate device code, got {other:?}"),
    }
    // The expired code was not deleted by the failed insert.
    assert_eq!(poll(&store, &old, 101).await, Some(old));
}
