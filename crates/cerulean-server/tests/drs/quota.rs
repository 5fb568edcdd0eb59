//! The quota holds under load: 200 parallel joins by one user over HTTP with a quota of
//! 50 make exactly 50 devices; every other request gets the quota error.

use std::sync::Arc;

use reqwest::StatusCode;
use tokio::task::JoinSet;

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_parallel_joins_with_quota_fifty_make_fifty_devices() {
    let rig = Arc::new(Rig::start().await);
    rig.set_policy(|p| p.user_device_quota = 50).await;
    let token = Arc::new(rig.token("alice").await);

    // 200 distinct requests: (CSR key i, transport key j), i ≠ j, from 15 keys.
    let pool = key_pool(15);
    let csrs: Vec<Vec<u8>> = pool.iter().map(csr_of).collect();
    let blobs: Vec<Vec<u8>> = pool
        .iter()
        .map(|k| cerulean_crypto::encode_bcrypt_rsa_public_blob(&k.public_key()))
        .collect();
    let mut bodies = Vec::new();
    'outer: for (i, csr) in csrs.iter().enumerate() {
        for (j, blob) in blobs.iter().enumerate() {
            if i == j {
                continue;
            }
            let keys = DeviceKeys {
                key_pem: String::new(),
                csr_der: csr.clone(),
                transport_blob: blob.clone(),
            };
            bodies.push(join_body(&keys, 0, &format!("PC-{i}-{j}")).to_string());
            if bodies.len() == 200 {
                break 'outer;
            }
        }
    }
    assert_eq!(bodies.len(), 200);

    let mut tasks = JoinSet::new();
    for body in bodies {
        let rig = rig.clone();
        let token = token.clone();
        tasks.spawn(async move { rig.post_join_with(&rig.http, &token, body, "2.0").await });
    }
    let (mut created, mut refused) = (0, 0);
    while let Some(outcome) = tasks.join_next().await {
        let (status, body) = outcome.unwrap();
        match status {
            StatusCode::OK => created += 1,
            StatusCode::FORBIDDEN => {
                assert_eq!(error_type(&body), "QuotaExceeded", "{body}");
                assert!(body["Message"].as_str().unwrap().contains("50"), "{body}");
                refused += 1;
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert_eq!((created, refused), (50, 150));
    assert_eq!(rig.devices_of(&rig.fx.alice).await.len(), 50);
    let text = rig
        .http
        .get(rig.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for line in [
        r#"cerulean_drs_registrations_total{join_type="join",result="created"} 50"#,
        r#"cerulean_drs_registrations_total{join_type="join",result="quota_exceeded"} 150"#,
    ] {
        assert!(text.contains(line), "{line} missing:\n{text}");
    }
}
