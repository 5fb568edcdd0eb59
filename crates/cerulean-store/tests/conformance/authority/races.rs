//! Races with exactly one winner, on every backend (and across PostgreSQL nodes, which
//! the pooled connections here stand in for).

use std::sync::Arc;

use cerulean_directory::Store;
use cerulean_directory::StoreError;
use cerulean_directory::authority::{
    CodeRedemption, DeviceCodeState, LockoutState, RefreshRedemption,
};
use tokio::task::JoinSet;
use uuid::Uuid;

use super::super::at;
use super::{
    auth_context, code_model, device_code_model, refresh_model, tenant_and_user, unique_user_code,
};

pub async fn concurrent_code_redemptions_have_one_winner(store: Arc<dyn Store>) {
    let (tenant, user) = tenant_and_user(&store, "coderace").await;
    let code = code_model(&auth_context(tenant, user.id), 600);
    store.insert_authorization_code(&code).await.unwrap();
    let mut tasks = JoinSet::new();
    for i in 0..50 {
        let store = store.clone();
        let hash = code.code_hash.clone();
        tasks.spawn(async move { store.consume_authorization_code(&hash, at(i)).await });
    }
    let (mut fresh, mut replayed) = (0, 0);
    while let Some(result) = tasks.join_next().await {
        match result.unwrap().unwrap() {
            CodeRedemption::Fresh(got) => {
                assert_eq!(got, code);
                fresh += 1;
            }
            CodeRedemption::Replayed(got) => {
                assert_eq!(got, code);
                replayed += 1;
            }
            CodeRedemption::NotFound => panic!("the code vanished"),
        }
    }
    assert_eq!((fresh, replayed), (1, 49));
}

pub async fn concurrent_refresh_redemptions_have_one_winner(store: Arc<dyn Store>) {
    let (tenant, user) = tenant_and_user(&store, "rtrace").await;
    let auth = auth_context(tenant, user.id);
    let family = Uuid::new_v4();
    let token = refresh_model(&auth, family, 86_400);
    let sibling = refresh_model(&auth, family, 86_400);
    store.insert_refresh_token(&token).await.unwrap();
    store.insert_refresh_token(&sibling).await.unwrap();
    let mut tasks = JoinSet::new();
    for i in 0..50 {
        let store = store.clone();
        let hash = token.token_hash.clone();
        tasks.spawn(async move { store.consume_refresh_token(&hash, at(i)).await });
    }
    let (mut fresh, mut reused) = (0, 0);
    while let Some(result) = tasks.join_next().await {
        match result.unwrap().unwrap() {
            RefreshRedemption::Fresh(got) => {
                assert_eq!(got.token_hash, token.token_hash);
                assert!(got.used_at.is_some() && !got.revoked);
                fresh += 1;
            }
            RefreshRedemption::Reused(got) => {
                assert_eq!(got.token_hash, token.token_hash);
                assert!(got.used_at.is_some());
                reused += 1;
            }
            RefreshRedemption::NotFound => panic!("the token vanished"),
        }
    }
    assert_eq!((fresh, reused), (1, 49));
    // The losers' reuse revoked the family.
    match store
        .consume_refresh_token(&sibling.token_hash, at(100))
        .await
        .unwrap()
    {
        RefreshRedemption::Reused(got) => assert!(got.revoked && got.used_at.is_none()),
        other => panic!("expected Reused, got {other:?}"),
    }
}

/// A client rotating its token (consume, then insert the successor) while an attacker
/// replays the old one: whichever order the database picks, the successor ends revoked.
pub async fn rotation_racing_reuse_revokes_the_successor(store: Arc<dyn Store>) {
    let (tenant, user) = tenant_and_user(&store, "rotrace").await;
    let auth = auth_context(tenant, user.id);
    let mut tasks = JoinSet::new();
    for i in 0..20 {
        let family = Uuid::new_v4();
        let old = refresh_model(&auth, family, 86_400);
        store.insert_refresh_token(&old).await.unwrap();
        match store.consume_refresh_token(&old.token_hash, at(i)).await {
            Ok(RefreshRedemption::Fresh(_)) => {}
            other => panic!("expected Fresh, got {other:?}"),
        }
        let successor = refresh_model(&auth, family, 86_400);
        let (a, b) = (store.clone(), store.clone());
        let successor_insert = successor.clone();
        let replay = old.token_hash.clone();
        tasks.spawn(async move {
            a.insert_refresh_token(&successor_insert)
                .await
                .map(|_| None)
        });
        tasks.spawn(async move {
            b.consume_refresh_token(&replay, at(i + 1))
                .await
                .map(|r| Some((r, successor)))
        });
    }
    let mut successors = Vec::new();
    while let Some(result) = tasks.join_next().await {
        if let Some((redemption, successor)) = result.unwrap().unwrap() {
            assert!(matches!(redemption, RefreshRedemption::Reused(_)));
            successors.push(successor);
        }
    }
    assert_eq!(successors.len(), 20);
    for successor in successors {
        match store
            .consume_refresh_token(&successor.token_hash, at(1_000))
            .await
            .unwrap()
        {
            RefreshRedemption::Reused(got) => assert!(got.revoked),
            other => panic!("the successor survived the reuse: {other:?}"),
        }
    }
}

pub async fn concurrent_device_polls_redeem_once(store: Arc<dyn Store>) {
    let (tenant, user) = tenant_and_user(&store, "pollrace").await;
    let code = device_code_model(&unique_user_code(), 0, 900);
    store.insert_device_code(&code).await.unwrap();
    let auth = auth_context(tenant, user.id);
    assert!(
        store
            .decide_device_code(&code.user_code, Some(auth.clone()), at(1))
            .await
            .unwrap()
    );
    let mut tasks = JoinSet::new();
    for i in 0..50 {
        let store = store.clone();
        let hash = code.device_code_hash.clone();
        tasks.spawn(async move { store.poll_device_code(&hash, at(10 + i)).await });
    }
    let (mut approved, mut redeemed) = (0, 0);
    while let Some(result) = tasks.join_next().await {
        match result.unwrap().unwrap().map(|c| c.state) {
            Some(DeviceCodeState::Approved(got)) => {
                assert_eq!(got, auth);
                approved += 1;
            }
            Some(DeviceCodeState::Redeemed) => redeemed += 1,
            other => panic!("unexpected poll result {other:?}"),
        }
    }
    assert_eq!((approved, redeemed), (1, 49));
}

pub async fn concurrent_device_decisions_have_one_winner(store: Arc<dyn Store>) {
    let (tenant, user) = tenant_and_user(&store, "deciderace").await;
    let code = device_code_model(&unique_user_code(), 0, 900);
    store.insert_device_code(&code).await.unwrap();
    let auth = auth_context(tenant, user.id);
    let mut tasks = JoinSet::new();
    for i in 0..40 {
        let store = store.clone();
        let user_code = code.user_code.clone();
        let approval = (i % 2 == 0).then(|| auth.clone());
        tasks.spawn(async move { store.decide_device_code(&user_code, approval, at(1)).await });
    }
    let mut decided = 0;
    while let Some(result) = tasks.join_next().await {
        if result.unwrap().unwrap() {
            decided += 1;
        }
    }
    assert_eq!(decided, 1);
    let state = store
        .device_code_by_user_code(&code.user_code, at(2))
        .await
        .unwrap()
        .unwrap()
        .state;
    assert!(
        matches!(
            state,
            DeviceCodeState::Approved(_) | DeviceCodeState::Denied
        ),
        "{state:?}"
    );
}

pub async fn concurrent_device_codes_with_one_user_code(store: Arc<dyn Store>) {
    let user_code = unique_user_code();
    // One expired holder of the user code, which every insert wants to replace.
    let expired = device_code_model(&user_code, 0, 10);
    store.insert_device_code(&expired).await.unwrap();
    let mut tasks = JoinSet::new();
    for _ in 0..30 {
        let store = store.clone();
        let code = device_code_model(&user_code, 100, 900);
        tasks.spawn(async move { store.insert_device_code(&code).await });
    }
    let mut inserted = 0;
    while let Some(result) = tasks.join_next().await {
        match result.unwrap() {
            Ok(()) => inserted += 1,
            Err(StoreError::Duplicate { what: "user code" }) => {}
            Err(other) => panic!("expected Ok or Duplicate user code, got {other:?}"),
        }
    }
    assert_eq!(inserted, 1);
}

pub async fn concurrent_lockout_updates_are_not_lost(store: Arc<dyn Store>) {
    let (_, user) = tenant_and_user(&store, "lockrace").await;
    let mut tasks = JoinSet::new();
    for _ in 0..100 {
        let store = store.clone();
        let user = user.id;
        tasks.spawn(async move {
            store
                .update_lockout(user, &|s: LockoutState| LockoutState {
                    failures: s.failures + 1,
                    ..s
                })
                .await
        });
    }
    let mut seen = Vec::new();
    while let Some(result) = tasks.join_next().await {
        seen.push(result.unwrap().unwrap().failures);
    }
    // Each update saw the one before it: the results are exactly 1..=100.
    seen.sort_unstable();
    assert_eq!(seen, (1..=100).collect::<Vec<u32>>());
    assert_eq!(store.lockout_state(user.id).await.unwrap().failures, 100);
}
