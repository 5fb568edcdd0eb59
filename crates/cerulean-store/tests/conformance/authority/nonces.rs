//! The used-nonce guard: each nonce hash is consumed once, also under a race, and
//! forgotten by `purge_expired` once the nonce itself has expired.

use std::sync::Arc;

use cerulean_directory::Store;
use tokio::task::JoinSet;

use super::super::at;
use super::secret_hash;

pub async fn nonce_is_consumed_once(store: Arc<dyn Store>) {
    let (a, b) = (secret_hash(), secret_hash());
    assert!(store.consume_nonce(&a, at(300)).await.unwrap());
    assert!(!store.consume_nonce(&a, at(300)).await.unwrap());
    // Another expiry does not make it new again.
    assert!(!store.consume_nonce(&a, at(900)).await.unwrap());
    assert!(store.consume_nonce(&b, at(300)).await.unwrap());
    assert!(!store.consume_nonce(&b, at(300)).await.unwrap());

    // Purged once expired (only the expired one), then unknown again.
    let later = secret_hash();
    assert!(store.consume_nonce(&later, at(10_000)).await.unwrap());
    assert_eq!(store.purge_expired(at(900)).await.unwrap(), 2);
    assert!(!store.consume_nonce(&later, at(10_000)).await.unwrap());
    assert!(store.consume_nonce(&a, at(1_200)).await.unwrap());
}

pub async fn concurrent_nonce_consumptions_have_one_winner(store: Arc<dyn Store>) {
    let hash = secret_hash();
    let mut tasks = JoinSet::new();
    for _ in 0..50 {
        let store = store.clone();
        let hash = hash.clone();
        tasks.spawn(async move { store.consume_nonce(&hash, at(300)).await });
    }
    let mut winners = 0;
    while let Some(result) = tasks.join_next().await {
        if result.unwrap().unwrap() {
            winners += 1;
        }
    }
    assert_eq!(winners, 1);
}
