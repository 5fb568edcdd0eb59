//! Update and delete by the device itself, authenticated by its certificate as TLS client
//! certificate: only itself, only while enabled, never without a certificate.

use cerulean_directory::{AuditQuery, DeviceId};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::*;

fn device_url(rig: &Rig, id: impl std::fmt::Display) -> String {
    rig.url(&format!("/EnrollmentServer/device/{id}?api-version=1.0"))
}

#[tokio::test]
async fn a_device_updates_and_deletes_itself() {
    let rig = Rig::start().await;
    let token = rig.token("alice").await;
    let joined = rig.join(&token, &DeviceKeys::new()).await;
    let client = rig.client_with(Some(&joined.identity()));

    let response = client
        .put(device_url(&rig, joined.device_id()))
        .json(&json!({"osversion": "10.0.26100.2033", "DeviceDisplayName": "renamed"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["OSVersion"], "10.0.26100.2033");
    let device = rig
        .server
        .directory
        .device_by_device_id(rig.tenant(), DeviceId(joined.device_id()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(device.display_name, "renamed");
    assert_eq!(device.operating_system_version, "10.0.26100.2033");

    // The hybrid-join form of this PUT is refused clearly.
    let response = client
        .put(device_url(&rig, joined.device_id()))
        .json(&json!({"JoinType": 6, "OSVersion": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert!(
        body["Message"].as_str().unwrap().contains("hybrid join"),
        "{body}"
    );

    // As roadtx sends it: no api-version, upper-case id.
    let response = client
        .delete(rig.url(&format!(
            "/EnrollmentServer/device/{}",
            joined.device_id().to_string().to_uppercase()
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.text().await.unwrap().is_empty());
    assert!(rig.devices_of(&rig.fx.alice).await.is_empty());

    let events = rig
        .server
        .directory
        .store()
        .audit_events(&AuditQuery {
            tenant_id: Some(rig.tenant()),
            action_prefix: Some("device.".into()),
            limit: 100,
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    let delete = events.iter().find(|e| e.action == "device.delete").unwrap();
    assert_eq!(
        delete.actor.to_string(),
        format!("device:{}", joined.device_id())
    );
    assert!(events.iter().any(|e| e.action == "device.update"));

    // Gone: the certificate no longer authenticates anything.
    let response = rig
        .client_with(Some(&joined.identity()))
        .delete(device_url(&rig, joined.device_id()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn only_itself_only_enabled_never_without_a_certificate() {
    let rig = Rig::start().await;
    let token = rig.token("alice").await;
    let one = rig.join(&token, &DeviceKeys::new()).await;
    let two = rig.join(&token, &DeviceKeys::new()).await;
    let as_one = rig.client_with(Some(&one.identity()));

    // Another device's id.
    for request in [
        as_one.delete(device_url(&rig, two.device_id())),
        as_one
            .put(device_url(&rig, two.device_id()))
            .json(&json!({"DeviceDisplayName": "hijacked"})),
    ] {
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        let body: Value = response.json().await.unwrap();
        assert_eq!(error_type(&body), "AuthorizationError");
    }
    assert_eq!(rig.devices_of(&rig.fx.alice).await.len(), 2);

    // No certificate.
    let response = rig
        .http
        .delete(device_url(&rig, one.device_id()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_type(&body), "AuthenticationError");

    // Not a GUID.
    let response = as_one
        .delete(device_url(&rig, "not-a-guid"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);

    // Disabled by an administrator.
    let device = rig
        .server
        .directory
        .device_by_device_id(rig.tenant(), DeviceId(one.device_id()))
        .await
        .unwrap()
        .unwrap();
    rig.server
        .directory
        .set_device_enabled(&ops(), rig.tenant(), device.object_id, false)
        .await
        .unwrap();
    for request in [
        as_one.delete(device_url(&rig, one.device_id())),
        as_one
            .put(device_url(&rig, one.device_id()))
            .json(&json!({"OSVersion": "1"})),
    ] {
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        let body: Value = response.json().await.unwrap();
        assert!(
            body["Message"].as_str().unwrap().contains("disabled"),
            "{body}"
        );
    }
    assert_eq!(rig.devices_of(&rig.fx.alice).await.len(), 2);
}
