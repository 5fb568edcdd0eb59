//! `GET`/`PUT /v1.0/policies/deviceRegistrationPolicy`: Entra's defaults, a round trip
//! whose fields the directory's registration rules then apply, and refusals.

use cerulean_directory::{
    Actor, DeviceRefusal, DeviceRegistrationMembership, DeviceRegistrationPolicy, RegisterDevice,
    TrustType, device,
};
use serde_json::{Value, json};

use crate::support::*;

const POLICY: &str = "/v1.0/policies/deviceRegistrationPolicy";

#[tokio::test]
async fn default_policy_then_put_and_get_round_trip() {
    let rig = Rig::start().await;
    let token = rig.token("admin").await;

    let r = rig.get(&token, POLICY).await;
    let policy = r.ok();
    assert_eq!(policy["id"], "deviceRegistrationPolicy");
    assert_eq!(policy["displayName"], "Device Registration Policy");
    assert!(
        policy["description"]
            .as_str()
            .unwrap()
            .starts_with("Tenant-wide policy")
    );
    assert!(
        policy["@odata.context"]
            .as_str()
            .unwrap()
            .ends_with("/v1.0/$metadata#policies/deviceRegistrationPolicy/$entity")
    );
    assert_eq!(policy["userDeviceQuota"], 50);
    assert_eq!(policy["multiFactorAuthConfiguration"], "notRequired");
    let all = json!({ "@odata.type": "#microsoft.graph.allDeviceRegistrationMembership" });
    assert_eq!(policy["azureADJoin"]["allowedToJoin"], all);
    assert_eq!(policy["azureADJoin"]["isAdminConfigurable"], true);
    assert_eq!(
        policy["azureADJoin"]["localAdmins"]["enableGlobalAdmins"],
        true
    );
    assert_eq!(
        policy["azureADJoin"]["localAdmins"]["registeringUsers"],
        all
    );
    assert_eq!(policy["azureADRegistration"]["allowedToRegister"], all);
    assert_eq!(policy["localAdminPassword"]["isEnabled"], false);

    let pilots = rig
        .server
        .directory
        .create_group(&ops(), rig.tenant(), "Pilots", None)
        .await
        .unwrap();
    let alice = rig.fx.alice.id.to_string();
    let mut wanted = policy.clone();
    wanted["userDeviceQuota"] = json!(3);
    wanted["multiFactorAuthConfiguration"] = json!("required");
    wanted["azureADJoin"]["allowedToJoin"] = json!({
        "@odata.type": "#microsoft.graph.enumeratedDeviceRegistrationMembership",
        "users": [alice],
        "groups": [pilots.id],
    });
    wanted["azureADJoin"]["localAdmins"] = json!({
        "enableGlobalAdmins": false,
        "registeringUsers": { "@odata.type": "#microsoft.graph.noDeviceRegistrationMembership" },
    });
    wanted["azureADRegistration"]["allowedToRegister"] =
        json!({ "@odata.type": "#microsoft.graph.noDeviceRegistrationMembership" });
    wanted["localAdminPassword"]["isEnabled"] = json!(true);
    let r = rig.put(&token, POLICY, &wanted.to_string()).await;
    assert_eq!(r.ok(), &wanted);
    assert_eq!(rig.get(&token, POLICY).await.ok(), &wanted);
    // The beta path reads the same policy.
    let beta = rig
        .get(&token, "/beta/policies/deviceRegistrationPolicy")
        .await;
    assert_eq!(beta.ok()["userDeviceQuota"], 3);

    // The directory (and so the DRS) now applies it.
    let stored = rig
        .server
        .directory
        .device_registration_policy(rig.tenant())
        .await
        .unwrap();
    assert_eq!(stored.user_device_quota, 3);
    assert!(stored.mfa_required());
    assert_eq!(
        stored.azure_ad_join.allowed_to_join,
        DeviceRegistrationMembership::Enumerated {
            users: vec![rig.fx.alice.id],
            groups: vec![pilots.id],
        }
    );
    assert!(!stored.azure_ad_join.local_admins.enable_global_admins);
    assert_eq!(
        stored.azure_ad_registration.allowed_to_register,
        DeviceRegistrationMembership::None
    );
    assert!(stored.local_admin_password.is_enabled);
    let key = rcgen::KeyPair::generate().unwrap();
    let spki = rcgen::PublicKeyData::subject_public_key_info(&key);
    let refused = rig
        .server
        .directory
        .register_device(
            &ops(),
            RegisterDevice {
                tenant: rig.tenant(),
                user: rig.fx.bob.id,
                amr: vec!["pwd".into(), "mfa".into()],
                trust_type: TrustType::AzureAd,
                reuse_device: None,
                display_name: "BOB-PC".into(),
                operating_system: "Windows".into(),
                operating_system_version: "10".into(),
                cert_public_key_spki: spki.clone(),
                transport_key_spki: spki.clone(),
                request_fingerprint: device::hello_key_hash(&spki),
            },
            |_| panic!("no certificate for a refused join"),
        )
        .await
        .unwrap();
    assert_eq!(refused.unwrap_err(), DeviceRefusal::NotAllowedToJoin);

    // Audited with the administrator as actor.
    let events = rig.audit("policy.deviceRegistration").await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].actor, Actor::User(rig.fx.admin.id.to_string()));

    // A body without the quota means 0, as in Graph.
    let mut no_quota = wanted.clone();
    no_quota.as_object_mut().unwrap().remove("userDeviceQuota");
    let r = rig.put(&token, POLICY, &no_quota.to_string()).await;
    assert_eq!(r.ok()["userDeviceQuota"], 0);
}

#[tokio::test]
async fn invalid_policies_are_400s_and_change_nothing() {
    let rig = Rig::start().await;
    let token = rig.token("admin").await;
    let good = rig.get(&token, POLICY).await.ok().clone();
    let with = |path: &[&str], value: Value| {
        let mut body = good.clone();
        let mut at = &mut body;
        for (i, key) in path.iter().enumerate() {
            if i + 1 == path.len() {
                at[*key] = value.clone();
            } else {
                at = &mut at[*key];
            }
        }
        body.to_string()
    };
    let nobody = uuid::Uuid::new_v4();
    let enumerated = |users: Vec<String>, groups: Vec<String>| {
        json!({
            "@odata.type": "#microsoft.graph.enumeratedDeviceRegistrationMembership",
            "users": users,
            "groups": groups,
        })
    };
    let bodies = [
        (
            with(
                &["azureADJoin", "allowedToJoin"],
                enumerated(vec![nobody.to_string()], vec![]),
            ),
            Some(nobody.to_string()),
        ),
        (
            with(
                &["azureADRegistration", "allowedToRegister"],
                enumerated(vec![], vec![nobody.to_string()]),
            ),
            Some(nobody.to_string()),
        ),
        (
            with(
                &["azureADJoin", "allowedToJoin"],
                enumerated(vec!["not-a-guid".into()], vec![]),
            ),
            None,
        ),
        (
            with(
                &["azureADJoin", "allowedToJoin"],
                json!({ "@odata.type": "#microsoft.graph.someDeviceRegistrationMembership" }),
            ),
            None,
        ),
        (with(&["userDeviceQuota"], json!(-1)), None),
        (
            with(&["userDeviceQuota"], json!(3_000_000_000u64)),
            Some("userDeviceQuota".into()),
        ),
        (with(&["userDeviceQuota"], json!("50")), None),
        (
            with(
                &["multiFactorAuthConfiguration"],
                json!("unknownFutureValue"),
            ),
            Some("multiFactorAuthConfiguration".into()),
        ),
        (
            with(&["frobnicate"], json!(true)),
            Some("frobnicate".into()),
        ),
        (
            json!({ "userDeviceQuota": 5 }).to_string(),
            Some("azureADJoin".into()),
        ),
        ("{not json".to_owned(), None),
        ("[]".to_owned(), None),
        (String::new(), None),
    ];
    for (body, mentions) in &bodies {
        let r = rig.put(&token, POLICY, body).await;
        let message = r.odata_error(400, "Request_BadRequest");
        if let Some(word) = mentions {
            assert!(
                message.contains(word.as_str()),
                "{message} should mention {word}"
            );
        }
    }
    let stored = rig
        .server
        .directory
        .device_registration_policy(rig.tenant())
        .await
        .unwrap();
    assert_eq!(stored, DeviceRegistrationPolicy::default());
    assert!(rig.audit("policy.").await.is_empty());
}
