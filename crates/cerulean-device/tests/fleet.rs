//! The fleet simulator against a real server: every simulated device is a distinct device
//! in the directory with distinct keys, no errors, and one sample per device per phase.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::HashSet;
use std::sync::Arc;

use cerulean_crypto::SecretString;
use cerulean_device::fleet::{FleetConfig, KEYS_PER_DEVICE, KeyPool, simulate};
use cerulean_device::http::RetryPolicy;
use cerulean_testkit::{FIXTURE_PASSWORD, TestServer};
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_small_fleet_joins_with_distinct_devices_and_keys() {
    let server = TestServer::start().await.unwrap();
    let root = tempfile::tempdir().unwrap();
    let devices = 8;
    let pool = Arc::new(
        KeyPool::generate(devices * KEYS_PER_DEVICE, &indicatif::ProgressBar::hidden()).unwrap(),
    );
    let config = FleetConfig {
        server: server.base_url(),
        trust: trust(&server),
        devices,
        concurrency: 4,
        users: vec![ALICE.into(), "bob@contoso.test".into()],
        password: SecretString::new(FIXTURE_PASSWORD.into()),
        state_dir_root: root.path().to_path_buf(),
        server_pid: Some(std::process::id()),
        retry: RetryPolicy::default(),
        progress_bar: false,
    };
    let report = simulate(config, Some(pool.clone())).await.unwrap();
    assert_eq!(report.failed, 0, "{:?}", report.errors);
    assert_eq!(report.joined, devices);
    assert_eq!(pool.remaining(), 0, "every pooled key was used once");
    for phase in &report.phases {
        assert_eq!(phase.count, devices, "{phase:?}");
    }

    let mut all = devices_of(&server, ALICE).await;
    all.extend(devices_of(&server, "bob@contoso.test").await);
    assert_eq!(all.len(), devices);
    let ids: HashSet<_> = all.iter().map(|d| d.device_id).collect();
    let device_keys: HashSet<_> = all.iter().map(|d| d.cert_public_key_spki.clone()).collect();
    let transport_keys: HashSet<_> = all.iter().map(|d| d.transport_key_spki.clone()).collect();
    assert_eq!(ids.len(), devices);
    assert_eq!(device_keys.len(), devices);
    assert_eq!(transport_keys.len(), devices);
    assert!(device_keys.is_disjoint(&transport_keys));

    let text = report.render_text();
    assert!(text.contains("join"), "{text}");

    // A second run over the same state directories measures nothing new and adds nothing.
    let again = simulate(
        FleetConfig {
            server: server.base_url(),
            trust: trust(&server),
            devices,
            concurrency: 4,
            users: vec![ALICE.into()],
            password: SecretString::new(FIXTURE_PASSWORD.into()),
            state_dir_root: root.path().to_path_buf(),
            server_pid: None,
            retry: RetryPolicy::default(),
            progress_bar: false,
        },
        None,
    )
    .await
    .unwrap();
    assert_eq!(again.already_joined, devices);
    assert_eq!(again.joined, 0);
    let mut after = devices_of(&server, ALICE).await;
    after.extend(devices_of(&server, "bob@contoso.test").await);
    assert_eq!(after.len(), devices);
}
