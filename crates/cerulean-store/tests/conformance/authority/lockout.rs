//! Lockout counters: a default for users never seen, atomic read-modify-write updates.

use std::sync::Arc;

use cerulean_directory::authority::{LockoutPolicy, LockoutState};
use cerulean_directory::{Store, StoreError, UserId};

use super::super::at;
use super::tenant_and_user;

pub async fn lockout_state_defaults_and_updates(store: Arc<dyn Store>) {
    let (_, user) = tenant_and_user(&store, "lockout").await;
    let (_, other) = tenant_and_user(&store, "lockout-other").await;
    assert_eq!(
        store.lockout_state(user.id).await.unwrap(),
        LockoutState::default()
    );
    assert_eq!(
        store.lockout_state(UserId::random()).await.unwrap(),
        LockoutState::default()
    );

    // Ten failures with the default policy lock the account.
    let policy = LockoutPolicy::default();
    let mut expected = LockoutState::default();
    for i in 0..10 {
        let now = at(i);
        expected = policy.after_failure(expected, now);
        let stored = store
            .update_lockout(user.id, &move |s| policy.after_failure(s, now))
            .await
            .unwrap();
        assert_eq!(stored, expected);
    }
    assert!(expected.is_locked(at(10)));
    assert_eq!(expected.lockouts, 1);
    assert_eq!(store.lockout_state(user.id).await.unwrap(), expected);
    // Other users are untouched.
    assert_eq!(
        store.lockout_state(other.id).await.unwrap(),
        LockoutState::default()
    );

    // A success resets it (the row stays, holding the default state).
    let reset = store
        .update_lockout(user.id, &move |_| policy.after_success())
        .await
        .unwrap();
    assert_eq!(reset, LockoutState::default());
    assert_eq!(
        store.lockout_state(user.id).await.unwrap(),
        LockoutState::default()
    );

    match store.update_lockout(UserId::random(), &|s| s).await {
        Err(StoreError::NotFound { what: "user" }) => {}
        other => panic!("expected NotFound user, got {other:?}"),
    }
}
