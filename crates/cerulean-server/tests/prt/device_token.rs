//! The device-only token (PROTOCOLS.md §5.7): roadtx `deviceauth`'s device-key-signed
//! request with inner `grant_type: device_token` gets an access token for the device
//! principal — `oid` the device's object id, `deviceid`, `idtyp: device`, no user.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::prt_support::*;
use crate::session::device_row;
use crate::support::*;

const AZURE_CLI: &str = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";

/// roadtx's `get_token_for_device` payload.
fn device_token_claims(nonce: &str, client_id: &str, resource: &str) -> Value {
    json!({
        "resource": resource,
        "client_id": client_id,
        "request_nonce": nonce,
        "win_ver": "10.0.22621.608",
        "grant_type": "device_token",
        "redirect_uri": format!("ms-appx-web://Microsoft.AAD.BrokerPlugin/{client_id}"),
        "iss": "aad:brokerplugin",
    })
}

#[tokio::test]
async fn a_device_gets_a_token_of_its_own() {
    let rig = Rig::start().await;
    let device = Device::join(&rig).await;
    let row = device_row(&rig, &device).await;
    let claims = device_token_claims(&nonce(&rig).await, AZURE_CLI, "https://graph.microsoft.com");
    let request = sign_request(&device.key, &device.joined.cert_der, X5c::String, &claims);
    let (status, body) = post_prt(&rig, "contoso.test", &request).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert!(body.get("refresh_token").is_none(), "{body}");
    assert!(body.get("id_token").is_none(), "{body}");
    let at = claims_of(&body["access_token"]);
    assert_eq!(at["oid"], row.object_id.to_string());
    assert_eq!(at["sub"], row.object_id.to_string());
    assert_eq!(at["deviceid"], row.device_id.to_string());
    assert_eq!(at["idtyp"], "device");
    assert_eq!(at["appid"], AZURE_CLI);
    assert_eq!(at["tid"], rig.tenant().to_string());
    assert!(at.get("upn").is_none() && at.get("scp").is_none(), "{at}");
    assert!(
        at["aud"].as_str().unwrap().contains("graph.microsoft.com")
            || at["aud"] == "00000003-0000-0000-c000-000000000000",
        "{at}"
    );
}

#[tokio::test]
async fn device_token_refusals() {
    let rig = Rig::start().await;
    let device = Device::join(&rig).await;

    // An unknown client.
    let claims = device_token_claims(
        &nonce(&rig).await,
        "00000000-1111-2222-3333-444444444444",
        "https://graph.microsoft.com",
    );
    let request = sign_request(&device.key, &device.joined.cert_der, X5c::String, &claims);
    let (status, body) = post_prt(&rig, "contoso.test", &request).await;
    assert_ne!(status, StatusCode::OK, "{body}");
    assert!(body["error"].is_string(), "{body}");
    // No resource.
    let mut claims =
        device_token_claims(&nonce(&rig).await, AZURE_CLI, "https://graph.microsoft.com");
    claims.as_object_mut().unwrap().remove("resource");
    let request = sign_request(&device.key, &device.joined.cert_der, X5c::String, &claims);
    let (status, body) = post_prt(&rig, "contoso.test", &request).await;
    assert_error(status, &body, "invalid_request", "resource");
    // A replayed nonce.
    let claims = device_token_claims(&nonce(&rig).await, AZURE_CLI, "https://graph.microsoft.com");
    let request = sign_request(&device.key, &device.joined.cert_der, X5c::String, &claims);
    let (status, body) = post_prt(&rig, "contoso.test", &request).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = post_prt(&rig, "contoso.test", &request).await;
    assert_error(status, &body, "invalid_grant", "request_nonce");
    // A disabled device.
    let row = device_row(&rig, &device).await;
    rig.server
        .directory
        .set_device_enabled(&ops(), rig.tenant(), row.object_id, false)
        .await
        .unwrap();
    let claims = device_token_claims(&nonce(&rig).await, AZURE_CLI, "https://graph.microsoft.com");
    let request = sign_request(&device.key, &device.joined.cert_der, X5c::String, &claims);
    let (status, body) = post_prt(&rig, "contoso.test", &request).await;
    assert_error(status, &body, "invalid_grant", "AADSTS135011");
}

fn claims_of(token: &Value) -> Value {
    claims(token.as_str().unwrap())
}
