//! One device: GET, PATCH, DELETE by object id and by `devices(deviceId='…')`, with
//! the audit rows the directory writes.

use cerulean_directory::{Actor, TrustType};
use reqwest::Method;

use crate::support::*;

#[tokio::test]
async fn get_patch_and_delete_a_device() {
    let rig = Rig::start().await;
    let pc = rig
        .register(&rig.fx.alice, TrustType::AzureAd, "ALICE-PC", "Windows")
        .await
        .device;
    let token = rig.token("admin").await;
    let by_id = format!("/v1.0/devices/{}", pc.object_id);
    let by_key = format!("/v1.0/devices(deviceId='{}')", pc.device_id);

    let r = rig.get(&token, &by_id).await;
    assert_eq!(r.ok()["deviceId"], pc.device_id.to_string());
    assert!(
        r.json["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("/v1.0/$metadata#devices/$entity")
    );
    let r = rig.get(&token, &by_key).await;
    assert_eq!(r.ok()["id"], pc.object_id.to_string());
    // Upper-case GUIDs and an escaped quote are the same key.
    let upper = format!(
        "/v1.0/devices(deviceId=%27{}%27)",
        pc.device_id.to_string().to_uppercase()
    );
    assert_eq!(
        rig.get(&token, &upper).await.ok()["id"],
        pc.object_id.to_string()
    );
    let r = rig
        .get(&token, &format!("{by_id}?$select=displayName"))
        .await;
    assert_eq!(r.ok()["displayName"], "ALICE-PC");
    assert!(r.json.get("deviceId").is_none());

    // Unknown and malformed ids.
    let unknown = uuid::Uuid::new_v4();
    rig.get(&token, &format!("/v1.0/devices/{unknown}"))
        .await
        .odata_error(404, "Request_ResourceNotFound");
    rig.get(&token, &format!("/v1.0/devices(deviceId='{unknown}')"))
        .await
        .odata_error(404, "Request_ResourceNotFound");
    let message = rig
        .get(&token, "/v1.0/devices/not-a-guid")
        .await
        .odata_error(400, "Request_BadRequest");
    assert!(message.contains("not-a-guid"), "{message}");
    rig.get(&token, &format!("{by_id}?$top=1"))
        .await
        .odata_error(400, "Request_UnsupportedQuery");

    // PATCH: name and state, as one request; 204, audited with the admin as actor.
    let client_request_id = "0d9b6a1c-7f55-4d0c-9a3e-2b1c0d9e8f7a";
    let r = rig
        .call(
            Method::PATCH,
            &by_id,
            Some(&token),
            Some(r#"{"displayName":"FRONT-DESK","accountEnabled":false}"#.into()),
            &[("client-request-id", client_request_id)],
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let r = rig.get(&token, &by_key).await;
    assert_eq!(r.ok()["displayName"], "FRONT-DESK");
    assert_eq!(r.json["accountEnabled"], false);
    let admin = Actor::User(rig.fx.admin.id.to_string());
    for action in ["device.update", "device.disable"] {
        let events = rig.audit(action).await;
        assert_eq!(events.len(), 1, "{action}");
        assert_eq!(events[0].actor, admin);
        assert_eq!(events[0].target, format!("device:{}", pc.object_id));
        assert_eq!(events[0].correlation_id.as_deref(), Some(client_request_id));
    }
    // Enable again through the alternate key.
    let r = rig
        .patch(&token, &by_key, r#"{"accountEnabled":true}"#)
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(rig.audit("device.enable").await.len(), 1);
    // Nothing to change: nothing written.
    let r = rig
        .patch(&token, &by_id, r#"{"accountEnabled":true}"#)
        .await;
    assert_eq!(r.status, 204);
    assert_eq!(rig.audit("device.enable").await.len(), 1);

    // Bad PATCH bodies are 400s, never 500s.
    for body in [
        r#"{"operatingSystem":"Linux"}"#,
        r#"{"accountEnabled":"no"}"#,
        r#"{"displayName":7}"#,
        r#"{"displayName":""}"#,
        r#"{"displayName":"x"#,
        r#"[]"#,
        "",
        "\u{0}\u{1}",
    ] {
        rig.patch(&token, &by_id, body)
            .await
            .odata_error(400, "Request_BadRequest");
    }
    let big = format!(r#"{{"displayName":"{}"}}"#, "x".repeat(10_000));
    let message = rig
        .patch(&token, &by_id, &big)
        .await
        .odata_error(400, "Request_BadRequest");
    assert!(message.contains("'displayName'"), "{message}");

    // DELETE: 204, audited; then gone.
    let r = rig.delete(&token, &by_id).await;
    assert_eq!(r.status, 204, "{}", r.body);
    let events = rig.audit("device.delete").await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].actor, admin);
    assert_eq!(events[0].details["deviceId"], pc.device_id.to_string());
    rig.get(&token, &by_id)
        .await
        .odata_error(404, "Request_ResourceNotFound");
    rig.delete(&token, &by_id)
        .await
        .odata_error(404, "Request_ResourceNotFound");
    assert!(
        rig.server
            .directory
            .device(rig.tenant(), pc.object_id)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn delete_by_device_id() {
    let rig = Rig::start().await;
    let phone = rig
        .register(&rig.fx.bob, TrustType::Workplace, "BOB-PHONE", "Android")
        .await
        .device;
    let token = rig.token("admin").await;
    let r = rig
        .delete(
            &token,
            &format!("/beta/devices(deviceId='{}')", phone.device_id),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert!(
        rig.server
            .directory
            .device_by_device_id(rig.tenant(), phone.device_id)
            .await
            .unwrap()
            .is_none()
    );
    assert_eq!(rig.audit("device.delete").await.len(), 1);
}
