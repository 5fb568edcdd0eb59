//! The device registration policy over HTTP: who may join or register, MFA, the quota,
//! disabled users. Each refusal is a DRS error a user can act on, and writes no device.

use cerulean_directory::{DeviceRegistrationMembership, MultiFactorAuthConfiguration};
use reqwest::StatusCode;
use serde_json::json;

use crate::support::*;

#[tokio::test]
async fn not_allowed_to_join_or_register() {
    let rig = Rig::start().await;
    rig.set_policy(|p| p.azure_ad_join.allowed_to_join = DeviceRegistrationMembership::None)
        .await;
    let token = rig.token("alice").await;
    let keys = DeviceKeys::new();
    let (status, body) = rig.post_join(&token, &join_body(&keys, 0, "dev")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error_type(&body), "AuthorizationError");
    assert!(
        body["Message"]
            .as_str()
            .unwrap()
            .contains("not allowed to join"),
        "{body}"
    );

    // Registering is a separate permission, still open.
    rig.join_as(&token, &keys, 4).await;
    rig.set_policy(|p| {
        p.azure_ad_registration.allowed_to_register = DeviceRegistrationMembership::None
    })
    .await;
    let (status, body) = rig
        .post_join(&token, &join_body(&DeviceKeys::new(), 4, "dev"))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        body["Message"].as_str().unwrap().contains("register"),
        "{body}"
    );
    assert_eq!(rig.devices_of(&rig.fx.alice).await.len(), 1);

    // Enumerated users: bob may join, alice may not.
    let bob = rig.fx.bob.id;
    rig.set_policy(|p| {
        p.azure_ad_join.allowed_to_join = DeviceRegistrationMembership::Enumerated {
            users: vec![bob],
            groups: vec![],
        }
    })
    .await;
    rig.join(&rig.token("bob").await, &DeviceKeys::new()).await;
    let (status, _) = rig
        .post_join(&token, &join_body(&DeviceKeys::new(), 0, "dev"))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn mfa_required() {
    let rig = Rig::start().await;
    rig.set_policy(|p| p.multi_factor_auth_configuration = MultiFactorAuthConfiguration::Required)
        .await;
    let token = rig.token("alice").await;
    assert_eq!(claims(&token)["amr"], json!(["pwd"]));
    let keys = DeviceKeys::new();
    let (status, body) = rig.post_join(&token, &join_body(&keys, 0, "dev")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_type(&body), "AuthenticationError");
    assert!(
        body["Message"].as_str().unwrap().contains("ulti-factor"),
        "{body}"
    );
    assert!(rig.devices_of(&rig.fx.alice).await.is_empty());

    // The same user after a multi-factor sign-in.
    let mut mfa = claims(&token);
    mfa["amr"] = json!(["pwd", "mfa"]);
    let mfa_token = rig.sign(rig.tenant(), &mfa).await;
    rig.join(&mfa_token, &keys).await;
    assert_eq!(rig.devices_of(&rig.fx.alice).await.len(), 1);
}

#[tokio::test]
async fn quota_zero_and_disabled_users() {
    let rig = Rig::start().await;
    rig.set_policy(|p| p.user_device_quota = 0).await;
    let token = rig.token("alice").await;
    let (status, body) = rig
        .post_join(&token, &join_body(&DeviceKeys::new(), 0, "dev"))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(error_type(&body), "QuotaExceeded");
    assert!(
        body["Message"].as_str().unwrap().contains("limit of 0"),
        "{body}"
    );

    rig.set_policy(|p| p.user_device_quota = 5).await;
    let bob_token = rig.token("bob").await;
    rig.server
        .directory
        .set_user_enabled(&ops(), rig.tenant(), rig.fx.bob.id, false)
        .await
        .unwrap();
    let (status, body) = rig
        .post_join(&bob_token, &join_body(&DeviceKeys::new(), 0, "dev"))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(error_type(&body), "AuthenticationError");
    assert!(
        body["Message"].as_str().unwrap().contains("disabled"),
        "{body}"
    );
    assert!(rig.devices_of(&rig.fx.alice).await.is_empty());
    assert!(rig.devices_of(&rig.fx.bob).await.is_empty());
}
