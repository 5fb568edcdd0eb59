//! The device CA survives a restart: a device joined before it authenticates with its
//! certificate after it, with no join in between (the CA is trusted at start).

use cerulean_testkit::TestServerOptions;
use reqwest::StatusCode;

use crate::support::*;

#[tokio::test]
async fn devices_authenticate_after_a_restart() {
    let (_keep, dir) = data_dir();
    let rig = Rig::start_with(TestServerOptions {
        fixtures: true,
        data_dir: Some(dir.clone()),
        ..TestServerOptions::default()
    })
    .await;
    let token = rig.token("alice").await;
    let joined = rig.join(&token, &DeviceKeys::new()).await;
    let ca_before = rig
        .server
        .directory
        .store()
        .device_ca(rig.tenant())
        .await
        .unwrap()
        .unwrap();
    let Rig { server, fx, .. } = rig;
    server.stop().await;

    let server = cerulean_testkit::TestServer::start_with(TestServerOptions {
        fixtures: false,
        data_dir: Some(dir),
        ..TestServerOptions::default()
    })
    .await
    .unwrap();
    let rig = Rig::around(server, fx);
    let ca_after = rig
        .server
        .directory
        .store()
        .device_ca(rig.tenant())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ca_after, ca_before);

    let response = rig
        .client_with(Some(&joined.identity()))
        .delete(rig.url(&format!(
            "/EnrollmentServer/device/{}?api-version=1.0",
            joined.device_id()
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(rig.devices_of(&rig.fx.alice).await.is_empty());
}

#[tokio::test]
async fn a_ca_another_node_created_is_trusted_after_a_refresh() {
    let (_keep, dir) = data_dir();
    let node_a = Rig::start_with(TestServerOptions {
        fixtures: true,
        data_dir: Some(dir.clone()),
        ..TestServerOptions::default()
    })
    .await;
    // Node B starts before the tenant has a device CA.
    let node_b = cerulean_testkit::TestServer::start_with(TestServerOptions {
        fixtures: false,
        data_dir: Some(dir),
        ..TestServerOptions::default()
    })
    .await
    .unwrap();
    let node_b = Rig::around(node_b, node_a.fx.clone());

    let token = node_a.token("alice").await;
    let joined = node_a.join(&token, &DeviceKeys::new()).await;
    let delete_on_b = || async {
        node_b
            .client_with(Some(&joined.identity()))
            .delete(node_b.url(&format!(
                "/EnrollmentServer/device/{}?api-version=1.0",
                joined.device_id()
            )))
            .send()
            .await
    };
    // B does not know the CA yet: it cannot accept the certificate.
    assert!(!matches!(delete_on_b().await, Ok(r) if r.status() == StatusCode::OK));

    // What the periodic refresh does.
    let loaded = cerulean_server::drs::load_device_cas(&node_b.server.state)
        .await
        .unwrap();
    assert_eq!(loaded, 1);
    assert_eq!(
        delete_on_b().await.unwrap().status(),
        StatusCode::OK,
        "trusted after the refresh"
    );
    assert!(node_a.devices_of(&node_a.fx.alice).await.is_empty());
}
