//! Users: case-insensitive UPNs, duplicates, optimistic updates, field round trips.

use std::sync::Arc;

use cerulean_directory::{AuditEvent, Role, Store, StoreError, TenantId};

use super::*;

pub async fn duplicate_upn(store: Arc<dyn Store>) {
    let (one, one_domain) = create_tenant(&store, "one").await;
    let (two, _) = create_tenant(&store, "two").await;
    let upn = format!("Bob@{}", one_domain.name);
    let bob = create_user(&store, one.id, &upn).await;

    // Same UPN in another case, in another tenant: UPNs are unique deployment-wide.
    let clash = user_model(two.id, &upn.to_lowercase());
    assert_duplicate(
        store
            .create_user(&clash, &event(Some(two.id), "user.create", "user:x"))
            .await,
        "upn",
    );
    // The same object id again.
    let mut same_id = user_model(one.id, &format!("other@{}", one_domain.name));
    same_id.id = bob.id;
    assert!(matches!(
        store
            .create_user(&same_id, &event(Some(one.id), "user.create", "user:y"))
            .await,
        Err(StoreError::Duplicate { .. })
    ));
    // A user of a tenant that does not exist.
    let orphan = user_model(TenantId::random(), &format!("{}@nowhere.test", unique("o")));
    assert_not_found(
        store
            .create_user(&orphan, &event(None, "user.create", "user:z"))
            .await,
        "tenant",
    );

    assert_eq!(store.users(one.id).await.unwrap(), vec![bob]);
    assert!(store.users(two.id).await.unwrap().is_empty());
    assert_eq!(
        actions_of(&store, one.id).await,
        ["user.create", "tenant.create"]
    );
    assert_eq!(actions_of(&store, two.id).await, ["tenant.create"]);
}

pub async fn optimistic_update_conflict(store: Arc<dyn Store>) {
    let (tenant, domain) = create_tenant(&store, "occ").await;
    let user = create_user(&store, tenant.id, &format!("carol@{}", domain.name)).await;
    let other = create_user(&store, tenant.id, &format!("dave@{}", domain.name)).await;

    let mut a = user.clone();
    a.display_name = "Carol A".into();
    a.version += 1;
    let mut b = user.clone();
    b.display_name = "Carol B".into();
    b.version += 1;
    let ev_a = event(Some(tenant.id), "user.update", "user:a");
    let ev_b = event(Some(tenant.id), "user.update", "user:b");
    let (ra, rb) = tokio::join!(store.update_user(&a, &ev_a), store.update_user(&b, &ev_b));
    let (winner, winner_event, loser) = match (ra, rb) {
        (Ok(()), lost) => (a, ev_a, lost),
        (lost, Ok(())) => (b, ev_b, lost),
        (ra, rb) => panic!("both updates failed: {ra:?} {rb:?}"),
    };
    assert_conflict(loser, "user");
    let stored = store.user(tenant.id, user.id).await.unwrap().unwrap();
    assert_eq!(stored, winner);
    assert_eq!(stored.version, 2);
    let updates: Vec<AuditEvent> = audit_of(&store, tenant.id)
        .await
        .into_iter()
        .filter(|e| e.action == "user.update")
        .collect();
    assert_eq!(updates, vec![winner_event]);

    // From the stored copy, the next update works; replaying it is stale.
    let mut next = stored.clone();
    next.version += 1;
    next.enabled = false;
    next.roles = Role::ALL.into_iter().collect();
    next.password_hash = None;
    next.password_changed_at = None;
    store
        .update_user(&next, &event(Some(tenant.id), "user.update", "user:c"))
        .await
        .unwrap();
    assert_eq!(
        store.user(tenant.id, user.id).await.unwrap(),
        Some(next.clone())
    );
    assert_conflict(
        store
            .update_user(&next, &event(Some(tenant.id), "user.update", "user:d"))
            .await,
        "user",
    );

    // Renaming onto another user's UPN is a duplicate and changes nothing.
    let mut rename = next.clone();
    rename.version += 1;
    rename.upn = other.upn.to_uppercase();
    assert_duplicate(
        store
            .update_user(&rename, &event(Some(tenant.id), "user.update", "user:e"))
            .await,
        "upn",
    );
    assert_eq!(
        store.user(tenant.id, user.id).await.unwrap(),
        Some(next.clone())
    );

    // A rename to a free UPN moves the lookup key.
    let mut moved = next.clone();
    moved.version += 1;
    moved.upn = format!("Caroline@{}", domain.name);
    store
        .update_user(&moved, &event(Some(tenant.id), "user.update", "user:f"))
        .await
        .unwrap();
    assert_eq!(store.user_by_upn(&user.upn).await.unwrap(), None);
    assert_eq!(
        store.user_by_upn(&moved.upn.to_lowercase()).await.unwrap(),
        Some(moved)
    );
    let count = |actions: Vec<String>| actions.iter().filter(|a| *a == "user.update").count();
    assert_eq!(count(actions_of(&store, tenant.id).await), 3);
}

pub async fn update_of_missing_rows_is_not_found(store: Arc<dyn Store>) {
    let (tenant, domain) = create_tenant(&store, "missing").await;
    let (elsewhere, _) = create_tenant(&store, "elsewhere").await;

    let mut ghost = user_model(tenant.id, &format!("ghost@{}", domain.name));
    ghost.version = 2;
    assert_not_found(
        store
            .update_user(&ghost, &event(Some(tenant.id), "user.update", "user:ghost"))
            .await,
        "user",
    );
    // A user exists, but not in the tenant the update names.
    let real = create_user(&store, tenant.id, &format!("real@{}", domain.name)).await;
    let mut moved = real.clone();
    moved.tenant_id = elsewhere.id;
    moved.version += 1;
    assert_not_found(
        store
            .update_user(
                &moved,
                &event(Some(elsewhere.id), "user.update", "user:real"),
            )
            .await,
        "user",
    );

    let mut app = app_model(tenant.id, "Ghost app");
    app.version = 2;
    assert_not_found(
        store
            .update_application(&app, &event(Some(tenant.id), "app.update", "app:ghost"))
            .await,
        "application",
    );
    let (phantom, phantom_domain) = tenant_model("phantom");
    assert_not_found(
        store
            .update_tenant(&phantom, &event(Some(phantom.id), "tenant.update", "t"))
            .await,
        "tenant",
    );
    assert_not_found(
        store
            .update_domain(
                &phantom_domain,
                &event(Some(phantom.id), "domain.update", "d"),
            )
            .await,
        "domain",
    );
    // A domain of another tenant is not found either.
    let mut wrong_tenant = domain.clone();
    wrong_tenant.tenant_id = elsewhere.id;
    assert_not_found(
        store
            .update_domain(
                &wrong_tenant,
                &event(Some(elsewhere.id), "domain.update", "d"),
            )
            .await,
        "domain",
    );

    // None of the failures left an audit record.
    assert_eq!(
        actions_of(&store, tenant.id).await,
        ["user.create", "tenant.create"]
    );
    assert_eq!(actions_of(&store, elsewhere.id).await, ["tenant.create"]);
    assert!(audit_of(&store, phantom.id).await.is_empty());
    assert_eq!(store.user(tenant.id, real.id).await.unwrap(), Some(real));
}

pub async fn user_fields_round_trip(store: Arc<dyn Store>) {
    let (tenant, domain) = create_tenant(&store, "fields").await;
    let mut admin = user_model(tenant.id, &format!("admin@{}", domain.name));
    admin.roles = Role::ALL.into_iter().collect();
    // 1965: before the epoch, so stored as negative microseconds.
    admin.created_at = at(-86_400 * 365 * 60);
    admin.password_changed_at = Some(at(0));
    admin.version = 7;
    let mut federated = user_model(tenant.id, &format!("fed@{}", domain.name));
    federated.password_hash = None;
    federated.password_changed_at = None;
    federated.enabled = false;
    federated.display_name = "Ünïcode “quotes” 'single' \\ back".into();
    for user in [&admin, &federated] {
        store
            .create_user(user, &event(Some(tenant.id), "user.create", "u"))
            .await
            .unwrap();
        assert_eq!(
            store.user(tenant.id, user.id).await.unwrap().as_ref(),
            Some(user)
        );
    }
    // Listed by UPN.
    assert_eq!(
        store.users(tenant.id).await.unwrap(),
        vec![admin, federated]
    );
}
