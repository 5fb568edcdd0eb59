//! Who may call: administrators with delegated Graph tokens; everyone else is told why
//! not, in Graph's codes.

use cerulean_directory::{Role, TrustType};
use reqwest::Method;

use crate::support::*;

const POLICY: &str = "/v1.0/policies/deviceRegistrationPolicy";

#[tokio::test]
async fn ordinary_users_are_forbidden() {
    let rig = Rig::start().await;
    let pc = rig
        .register(&rig.fx.alice, TrustType::AzureAd, "ALICE-PC", "Windows")
        .await
        .device;
    let token = rig.token("alice").await;
    let device = format!("/v1.0/devices/{}", pc.object_id);
    let policy = r##"{"azureADJoin":{"allowedToJoin":{"@odata.type":"#microsoft.graph.allDeviceRegistrationMembership"}},
        "azureADRegistration":{"allowedToRegister":{"@odata.type":"#microsoft.graph.allDeviceRegistrationMembership"}}}"##;
    let calls = [
        (Method::GET, "/v1.0/devices".to_owned(), None),
        (Method::GET, device.clone(), None),
        (
            Method::PATCH,
            device.clone(),
            Some(r#"{"accountEnabled":false}"#.to_owned()),
        ),
        (Method::DELETE, device.clone(), None),
        (Method::GET, POLICY.to_owned(), None),
        (Method::PUT, POLICY.to_owned(), Some(policy.to_owned())),
    ];
    for (method, path, body) in calls {
        let r = rig
            .call(method.clone(), &path, Some(&token), body, &[])
            .await;
        let message = r.odata_error(403, "Authorization_RequestDenied");
        assert_eq!(
            message, "Insufficient privileges to complete the operation.",
            "{method} {path}"
        );
    }
    // Nothing happened.
    let still = rig
        .server
        .directory
        .device(rig.tenant(), pc.object_id)
        .await;
    assert!(still.unwrap().enabled);
    assert!(
        rig.audit("device.")
            .await
            .iter()
            .all(|e| e.action == "device.join")
    );
}

#[tokio::test]
async fn missing_or_invalid_tokens_are_401_with_a_challenge() {
    let rig = Rig::start().await;
    let r = rig
        .call(Method::GET, "/v1.0/devices", None, None, &[])
        .await;
    let message = r.odata_error(401, "InvalidAuthenticationToken");
    assert_eq!(message, "Access token is empty.");
    let challenge = r.headers["www-authenticate"].to_str().unwrap();
    assert!(challenge.starts_with("Bearer "), "{challenge}");
    assert!(challenge.contains("authorization_uri="), "{challenge}");

    let r = rig.get("not.a.jwt", "/v1.0/devices").await;
    r.odata_error(401, "InvalidAuthenticationToken");
    assert!(r.headers.contains_key("www-authenticate"));

    // A token for another resource (the DRS) is not a Graph token.
    let drs = rig.token_for("admin", &[("resource", DRS_URN)]).await;
    let message = rig
        .get(&drs, POLICY)
        .await
        .odata_error(401, "InvalidAuthenticationToken");
    assert!(message.contains("not meant for this service"), "{message}");
}

#[tokio::test]
async fn cloud_device_administrators_are_allowed() {
    let rig = Rig::start().await;
    rig.user("dana", &[Role::CloudDeviceAdministrator]).await;
    let pc = rig
        .register(&rig.fx.bob, TrustType::AzureAd, "BOB-PC", "Windows")
        .await
        .device;
    let token = rig.token("dana").await;
    let r = rig.get(&token, "/v1.0/devices").await;
    assert_eq!(ids(r.ok()), vec![pc.object_id.to_string()]);
    let r = rig
        .patch(
            &token,
            &format!("/v1.0/devices/{}", pc.object_id),
            r#"{"accountEnabled":false}"#,
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.body);
    let mut policy = rig.get(&token, POLICY).await.ok().clone();
    policy["userDeviceQuota"] = serde_json::json!(7);
    let r = rig.put(&token, POLICY, &policy.to_string()).await;
    assert_eq!(r.ok()["userDeviceQuota"], 7);

    // Another role is not enough.
    rig.user("lena", &[Role::JoinedDeviceLocalAdministrator])
        .await;
    let lena = rig.token("lena").await;
    rig.get(&lena, "/v1.0/devices")
        .await
        .odata_error(403, "Authorization_RequestDenied");
}

#[tokio::test]
async fn app_only_and_underprivileged_tokens_are_forbidden() {
    let rig = Rig::start().await;
    let app = rig.app_token().await;
    let message = rig
        .get(&app, "/v1.0/devices")
        .await
        .odata_error(403, "Authorization_RequestDenied");
    assert!(
        message.contains("Application permissions are not supported"),
        "{message}"
    );

    // An administrator's token that only carries User.Read.
    let narrow = rig
        .token_for(
            "admin",
            &[("scope", "https://graph.microsoft.com/User.Read")],
        )
        .await;
    rig.get(&narrow, "/v1.0/devices")
        .await
        .odata_error(403, "Authorization_RequestDenied");
    // Device.Read.All reads devices but neither writes them nor reads the policy.
    let read = rig
        .token_for(
            "admin",
            &[("scope", "https://graph.microsoft.com/Device.Read.All")],
        )
        .await;
    rig.get(&read, "/v1.0/devices").await.ok();
    rig.get(&read, POLICY)
        .await
        .odata_error(403, "Authorization_RequestDenied");
    let unknown = uuid::Uuid::new_v4();
    rig.delete(&read, &format!("/v1.0/devices/{unknown}"))
        .await
        .odata_error(403, "Authorization_RequestDenied");
}
