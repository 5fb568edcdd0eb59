//! Many writers at once: unique keys hold, nothing is lost.

use std::sync::Arc;

use cerulean_directory::{Store, StoreError};

use super::*;

pub async fn concurrent_creates_with_same_upn(store: Arc<dyn Store>) {
    let (tenant, domain) = create_tenant(&store, "race").await;
    let upn = format!("Racer@{}", domain.name);
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..50 {
        let store = store.clone();
        let upn = if i % 2 == 0 {
            upn.clone()
        } else {
            upn.to_lowercase()
        };
        tasks.spawn(async move {
            let user = user_model(tenant.id, &upn);
            store
                .create_user(&user, &event(Some(tenant.id), "user.create", "u"))
                .await
        });
    }
    let mut created = 0;
    while let Some(result) = tasks.join_next().await {
        match result.unwrap() {
            Ok(()) => created += 1,
            Err(StoreError::Duplicate { what: "upn" }) => {}
            Err(other) => panic!("expected Ok or Duplicate upn, got {other:?}"),
        }
    }
    assert_eq!(created, 1);
    assert_eq!(store.users(tenant.id).await.unwrap().len(), 1);
    assert_eq!(
        actions_of(&store, tenant.id).await,
        ["user.create", "tenant.create"]
    );
}

pub async fn concurrent_distinct_creates(store: Arc<dyn Store>) {
    let (tenant, domain) = create_tenant(&store, "crowd").await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..50 {
        let store = store.clone();
        let upn = format!("user{i:02}@{}", domain.name);
        tasks.spawn(async move {
            let user = user_model(tenant.id, &upn);
            store
                .create_user(&user, &event(Some(tenant.id), "user.create", "u"))
                .await
        });
    }
    while let Some(result) = tasks.join_next().await {
        result.unwrap().unwrap();
    }
    let users = store.users(tenant.id).await.unwrap();
    assert_eq!(users.len(), 50);
    let upns: Vec<String> = users.iter().map(|u| u.upn.clone()).collect();
    let expected: Vec<String> = (0..50)
        .map(|i| format!("user{i:02}@{}", domain.name))
        .collect();
    assert_eq!(upns, expected, "listed by UPN");
    assert_eq!(actions_of(&store, tenant.id).await.len(), 51);
}
