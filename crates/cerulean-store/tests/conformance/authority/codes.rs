//! Authorization codes: the first redemption wins, every later one is a replay.

use std::sync::Arc;

use cerulean_directory::authority::CodeRedemption;
use cerulean_directory::{Store, TenantId, UserId};

use super::super::{assert_duplicate, assert_not_found, at};
use super::{auth_context, code_model, secret_hash, tenant_and_user};

pub async fn authorization_code_is_consumed_once(store: Arc<dyn Store>) {
    let (tenant, user) = tenant_and_user(&store, "codes").await;
    let auth = auth_context(tenant, user.id);
    let code = code_model(&auth, 600);
    store.insert_authorization_code(&code).await.unwrap();

    assert_eq!(
        store
            .consume_authorization_code(&code.code_hash, at(10))
            .await
            .unwrap(),
        CodeRedemption::Fresh(code.clone())
    );
    for later in [at(11), at(12)] {
        assert_eq!(
            store
                .consume_authorization_code(&code.code_hash, later)
                .await
                .unwrap(),
            CodeRedemption::Replayed(code.clone())
        );
    }
    assert_eq!(
        store
            .consume_authorization_code(&secret_hash(), at(10))
            .await
            .unwrap(),
        CodeRedemption::NotFound
    );
}

pub async fn authorization_code_fields_and_expiry(store: Arc<dyn Store>) {
    let (tenant, user) = tenant_and_user(&store, "codefields").await;
    let auth = auth_context(tenant, user.id);
    // Every optional field empty, v1 endpoint, no device.
    let mut bare = code_model(&auth, 600);
    bare.scope = None;
    bare.resource = None;
    bare.nonce = None;
    bare.code_challenge = None;
    bare.code_challenge_method = None;
    bare.v2 = false;
    bare.auth.device_id = None;
    bare.auth.amr = Vec::new();
    store.insert_authorization_code(&bare).await.unwrap();
    // Expiry is the caller's rule: an expired code is still returned (and consumed).
    assert_eq!(
        store
            .consume_authorization_code(&bare.code_hash, at(100_000))
            .await
            .unwrap(),
        CodeRedemption::Fresh(bare.clone())
    );

    let mut dup = code_model(&auth, 600);
    dup.code_hash = bare.code_hash.clone();
    assert_duplicate(
        store.insert_authorization_code(&dup).await,
        "authorization code",
    );
    let orphan = code_model(&auth_context(TenantId::random(), UserId::random()), 600);
    assert_not_found(store.insert_authorization_code(&orphan).await, "tenant");
    assert_eq!(
        store
            .consume_authorization_code(&orphan.code_hash, at(1))
            .await
            .unwrap(),
        CodeRedemption::NotFound
    );
}
