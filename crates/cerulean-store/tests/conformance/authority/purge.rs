//! Purging: everything past its expiry goes, nothing else.

use std::sync::Arc;

use cerulean_directory::Store;
use cerulean_directory::authority::{CodeRedemption, RefreshRedemption};
use uuid::Uuid;

use super::super::{at, event};
use super::{
    auth_context, code_model, device_code_model, refresh_model, secret_hash, session_model,
    signing_key_model, tenant_and_user, unique_user_code,
};

pub async fn purge_deletes_only_expired_rows(store: Arc<dyn Store>) {
    let (tenant, user) = tenant_and_user(&store, "purge").await;
    let auth = auth_context(tenant, user.id);
    let now = at(1_000);

    let old_key = signing_key_model(tenant, -10_000, 1_000);
    let key = signing_key_model(tenant, 0, 100_000);
    for k in [&old_key, &key] {
        store
            .add_signing_key(k, &event(Some(tenant), "signingKey.add", &k.kid))
            .await
            .unwrap();
    }
    let old_code = code_model(&auth, 1_000);
    let code = code_model(&auth, 1_001);
    let old_token = refresh_model(&auth, Uuid::new_v4(), 999);
    let token = refresh_model(&auth, Uuid::new_v4(), 100_000);
    // Revoked but not expired: kept, so presenting it is still recognised as reuse.
    let mut revoked = refresh_model(&auth, Uuid::new_v4(), 100_000);
    revoked.revoked = true;
    let old_device = device_code_model(&unique_user_code(), 0, 1_000);
    let device = device_code_model(&unique_user_code(), 0, 100_000);
    let old_session = session_model(&auth, 10);
    let session = session_model(&auth, 100_000);
    for c in [&old_code, &code] {
        store.insert_authorization_code(c).await.unwrap();
    }
    for t in [&old_token, &token, &revoked] {
        store.insert_refresh_token(t).await.unwrap();
    }
    for d in [&old_device, &device] {
        store.insert_device_code(d).await.unwrap();
    }
    for s in [&old_session, &session] {
        store.insert_session(s).await.unwrap();
    }

    let (old_nonce, nonce) = (secret_hash(), secret_hash());
    assert!(store.consume_nonce(&old_nonce, at(1_000)).await.unwrap());
    assert!(store.consume_nonce(&nonce, at(1_001)).await.unwrap());

    assert_eq!(store.purge_expired(now).await.unwrap(), 6);
    assert_eq!(store.purge_expired(now).await.unwrap(), 0);

    // Looking back from before the purge shows the expired key is gone.
    assert_eq!(store.signing_keys(tenant, at(0)).await.unwrap(), vec![key]);
    assert_eq!(
        store
            .consume_authorization_code(&old_code.code_hash, now)
            .await
            .unwrap(),
        CodeRedemption::NotFound
    );
    assert!(matches!(
        store
            .consume_authorization_code(&code.code_hash, now)
            .await
            .unwrap(),
        CodeRedemption::Fresh(_)
    ));
    assert_eq!(
        store
            .consume_refresh_token(&old_token.token_hash, now)
            .await
            .unwrap(),
        RefreshRedemption::NotFound
    );
    assert!(matches!(
        store
            .consume_refresh_token(&token.token_hash, now)
            .await
            .unwrap(),
        RefreshRedemption::Fresh(_)
    ));
    assert_eq!(
        store
            .consume_refresh_token(&revoked.token_hash, now)
            .await
            .unwrap(),
        RefreshRedemption::Reused(revoked)
    );
    assert_eq!(
        store
            .poll_device_code(&old_device.device_code_hash, now)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .poll_device_code(&device.device_code_hash, now)
            .await
            .unwrap(),
        Some(device)
    );
    assert!(store.consume_nonce(&old_nonce, at(1_000)).await.unwrap());
    assert!(!store.consume_nonce(&nonce, at(1_001)).await.unwrap());
    assert_eq!(
        store.session(&old_session.session_hash).await.unwrap(),
        None
    );
    assert_eq!(
        store.session(&session.session_hash).await.unwrap(),
        Some(session)
    );
}
