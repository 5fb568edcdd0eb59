//! A PRT for a refresh token (inner `grant_type: "refresh_token"`, roadtx `prt -a request
//! -r file`): the Azure CLI's token, redeemed by the broker through FOCI, with the refresh
//! grant's checks.

use cerulean_crypto::SecretString;
use cerulean_directory::NewUser;
use cerulean_testkit::FIXTURE_PASSWORD;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::prt_support::*;
use crate::support::*;

/// `29d9ed98-…`, the client roadtx names in a refresh-based PRT request.
const AUTH_BROKER: &str = "29d9ed98-a469-4536-ade2-f981bc1d605e";

/// A refresh token from ROPC with the Azure CLI (as `roadtx gettokens -u … -p …`).
async fn ropc_refresh_token(rig: &Rig, upn: &str, tenant: &str) -> String {
    let response = rig
        .http
        .post(rig.url(&format!("/{tenant}/oauth2/token")))
        .form(&[
            ("grant_type", "password"),
            ("client_id", AZURE_CLI),
            ("resource", DRS_URN),
            ("username", upn),
            ("password", FIXTURE_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    body["refresh_token"].as_str().unwrap().to_owned()
}

/// roadlib's `get_prt_with_refresh_token` payload.
fn refresh_claims(nonce: &str, refresh_token: &str) -> Value {
    json!({
        "client_id": AUTH_BROKER,
        "request_nonce": nonce,
        "scope": "openid aza ugs",
        "group_sids": [],
        "win_ver": "10.0.19041.868",
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
    })
}

async fn post_refresh(rig: &Rig, device: &Device, refresh_token: &str) -> (StatusCode, Value) {
    let claims = refresh_claims(&nonce(rig).await, refresh_token);
    let request = sign_request(&device.key, &device.joined.cert_der, X5c::String, &claims);
    post_prt(rig, "common", &request).await
}

#[tokio::test]
async fn azure_cli_refresh_token_gives_a_prt_to_the_broker() {
    let rig = Rig::start().await;
    let device = Device::join(&rig).await;
    let rt = ropc_refresh_token(&rig, "alice@contoso.test", "contoso.test").await;
    let (status, body) = post_refresh(&rig, &device, &rt).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let prt = body["refresh_token"].as_str().unwrap();
    assert!(prt.starts_with("0."));
    let jwe = body["session_key_jwe"].as_str().unwrap();
    let session_key = cerulean_crypto::prt::open_session_key_jwe(&device.transport, jwe).unwrap();
    assert_eq!(session_key.expose().len(), 32);

    let id = claims(body["id_token"].as_str().unwrap());
    assert_eq!(id["aud"], AUTH_BROKER);
    assert_eq!(id["oid"], rig.fx.alice.id.to_string());
    assert_eq!(id["amr"], json!(["pwd"]));
    let device_row = rig
        .server
        .directory
        .device_by_certificate(&device.joined.cert_der)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(id["deviceid"], device_row.device_id.to_string());

    // The PRT carries the refresh token's sign-in.
    let events = rig
        .server
        .directory
        .store()
        .audit_events(&cerulean_directory::AuditQuery {
            tenant_id: Some(rig.tenant()),
            action_prefix: Some("prt.".into()),
            since: None,
            limit: 10,
        })
        .await
        .unwrap();
    let event = events.iter().find(|e| e.action == "prt.issue").unwrap();
    assert_eq!(event.details["grant"], "refresh_token");
    let text = serde_json::to_string(&event.details).unwrap();
    assert!(!text.contains(prt) && !text.contains(&rt), "{text}");

    // The refresh token is spent: presented again, it is reuse.
    let (status, body) = post_refresh(&rig, &device, &rt).await;
    assert_error(status, &body, "invalid_grant", "AADSTS70008");
}

#[tokio::test]
async fn a_refresh_token_of_another_tenant_is_refused() {
    let rig = Rig::start().await;
    let device = Device::join(&rig).await;
    let directory = &rig.server.directory;
    directory
        .create_tenant(&ops(), "Fabrikam", "fabrikam.test")
        .await
        .unwrap();
    directory
        .create_user(
            &ops(),
            NewUser {
                upn: "frank@fabrikam.test".into(),
                display_name: "Frank".into(),
                password: Some(SecretString::new(FIXTURE_PASSWORD.into())),
                roles: Default::default(),
                enabled: true,
            },
        )
        .await
        .unwrap();
    let rt = ropc_refresh_token(&rig, "frank@fabrikam.test", "fabrikam.test").await;
    let (status, body) = post_refresh(&rig, &device, &rt).await;
    assert_error(status, &body, "invalid_grant", "another tenant");
}

#[tokio::test]
async fn a_disabled_user_and_a_garbage_token_are_refused() {
    let rig = Rig::start().await;
    let device = Device::join(&rig).await;
    let (status, body) = post_refresh(&rig, &device, "not-a-refresh-token").await;
    assert_error(status, &body, "invalid_grant", "AADSTS70008");

    let rt = ropc_refresh_token(&rig, "alice@contoso.test", "contoso.test").await;
    rig.server
        .directory
        .set_user_enabled(&ops(), rig.tenant(), rig.fx.alice.id, false)
        .await
        .unwrap();
    let (status, body) = post_refresh(&rig, &device, &rt).await;
    assert_error(status, &body, "invalid_grant", "AADSTS50057");
}

#[tokio::test]
async fn a_confidential_or_unrelated_client_cannot_redeem_it() {
    let rig = Rig::start().await;
    let device = Device::join(&rig).await;
    let rt = ropc_refresh_token(&rig, "alice@contoso.test", "contoso.test").await;
    // An unknown client id: refused before the token is spent.
    let mut claims = refresh_claims(&nonce(&rig).await, &rt);
    claims["client_id"] = "00000000-0000-0000-0000-0000000000aa".into();
    let request = sign_request(&device.key, &device.joined.cert_der, X5c::String, &claims);
    let (status, body) = post_prt(&rig, "common", &request).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    // Still redeemable by the broker.
    let (status, body) = post_refresh(&rig, &device, &rt).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}
