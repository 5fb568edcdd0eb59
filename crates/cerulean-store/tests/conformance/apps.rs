//! Applications: per-tenant client ids, optimistic updates, listing.

use std::sync::Arc;

use cerulean_directory::{ClientId, ClientSecret, Store};
use uuid::Uuid;

use super::*;

pub async fn applications_create_update_list(store: Arc<dyn Store>) {
    let (tenant, _) = create_tenant(&store, "apps").await;
    let (other, _) = create_tenant(&store, "other").await;
    let app = app_model(tenant.id, "Portal");
    store
        .create_application(&app, &event(Some(tenant.id), "app.create", "a"))
        .await
        .unwrap();
    assert_duplicate(
        store
            .create_application(&app, &event(Some(tenant.id), "app.create", "a"))
            .await,
        "application",
    );
    // The same client id is fine in another tenant (first-party apps are in every one).
    let mut twin = app.clone();
    twin.tenant_id = other.id;
    twin.display_name = "Portal elsewhere".into();
    store
        .create_application(&twin, &event(Some(other.id), "app.create", "a"))
        .await
        .unwrap();
    assert_eq!(
        store.application(tenant.id, app.client_id).await.unwrap(),
        Some(app.clone())
    );
    assert_eq!(
        store.application(other.id, app.client_id).await.unwrap(),
        Some(twin)
    );
    assert_eq!(
        store
            .application(tenant.id, ClientId::random())
            .await
            .unwrap(),
        None
    );

    let mut updated = app.clone();
    updated.version += 1;
    updated.public_client = false;
    updated.redirect_uris.push("https://portal.test/cb".into());
    updated.secrets.push(ClientSecret {
        id: Uuid::new_v4(),
        display_name: "deploy".into(),
        hint: "xyz".into(),
        verifier: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        created_at: now(),
        expires_at: None,
    });
    store
        .update_application(&updated, &event(Some(tenant.id), "app.update", "a"))
        .await
        .unwrap();
    assert_eq!(
        store.application(tenant.id, app.client_id).await.unwrap(),
        Some(updated.clone())
    );
    let mut stale = app.clone();
    stale.version += 1;
    stale.display_name = "Stale".into();
    assert_conflict(
        store
            .update_application(&stale, &event(Some(tenant.id), "app.update", "a"))
            .await,
        "application",
    );

    let first = app_model(tenant.id, "aardvark");
    store
        .create_application(&first, &event(Some(tenant.id), "app.create", "a"))
        .await
        .unwrap();
    assert_eq!(
        store.applications(tenant.id).await.unwrap(),
        vec![first, updated]
    );
    assert_eq!(
        actions_of(&store, tenant.id).await,
        ["app.create", "app.update", "app.create", "tenant.create"]
    );
}
