//! Browser sessions: stored by hash, returned even when expired, deleted on sign-out.

use std::sync::Arc;

use cerulean_directory::{Store, TenantId, UserId};

use super::super::{assert_duplicate, assert_not_found};
use super::{auth_context, secret_hash, session_model, tenant_and_user};

pub async fn sessions_insert_fetch_delete(store: Arc<dyn Store>) {
    let (tenant, user) = tenant_and_user(&store, "sessions").await;
    let auth = auth_context(tenant, user.id);
    let live = session_model(&auth, 86_400);
    // Already expired: still returned, the caller checks expiry.
    let expired = session_model(&auth, -1);
    store.insert_session(&live).await.unwrap();
    store.insert_session(&expired).await.unwrap();
    assert_eq!(
        store.session(&live.session_hash).await.unwrap(),
        Some(live.clone())
    );
    assert_eq!(
        store.session(&expired.session_hash).await.unwrap(),
        Some(expired.clone())
    );
    assert_eq!(store.session(&secret_hash()).await.unwrap(), None);

    store.delete_session(&live.session_hash).await.unwrap();
    assert_eq!(store.session(&live.session_hash).await.unwrap(), None);
    // Signing out twice, or with an unknown session, is fine.
    store.delete_session(&live.session_hash).await.unwrap();
    store.delete_session(&secret_hash()).await.unwrap();
    assert_eq!(
        store.session(&expired.session_hash).await.unwrap(),
        Some(expired.clone())
    );

    let mut dup = session_model(&auth, 60);
    dup.session_hash = expired.session_hash.clone();
    assert_duplicate(store.insert_session(&dup).await, "session");
    let orphan = session_model(&auth_context(TenantId::random(), UserId::random()), 60);
    assert_not_found(store.insert_session(&orphan).await, "tenant");
}
