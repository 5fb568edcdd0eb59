//! Join and register over HTTPS: the response, the certificate (chains to the tenant's
//! device CA, carries the …284.x extensions), retries, ReuseDevice.

use cerulean_crypto::b64::b64url_encode;
use cerulean_crypto::{CertificateJoinType, DeviceCa, RsaPrivateKey, sha1_thumbprint_hex};
use cerulean_directory::{DeviceId, TrustType};
use reqwest::StatusCode;
use serde_json::json;
use time::OffsetDateTime;

use crate::support::*;

async fn tenant_ca(rig: &Rig) -> DeviceCa {
    let row = rig
        .server
        .directory
        .store()
        .device_ca(rig.tenant())
        .await
        .unwrap()
        .expect("the first join created the tenant's device CA");
    DeviceCa::from_pem(&row.cert_pem, &row.key_pem).unwrap()
}

#[tokio::test]
async fn join_issues_a_certificate_from_the_tenant_ca() {
    let rig = Rig::start().await;
    let token = rig.token("alice").await;
    let keys = DeviceKeys::new();
    let joined = rig.join(&token, &keys).await;
    let r = &joined.response;

    // Response: Certificate, User, MembershipChanges.
    assert_eq!(
        r["Certificate"]["Thumbprint"],
        sha1_thumbprint_hex(&joined.cert_der)
    );
    assert_eq!(r["User"]["Upn"], "alice@contoso.test");
    let admins = rig
        .server
        .directory
        .local_admin_sids(rig.tenant(), rig.fx.alice.id)
        .await
        .unwrap();
    assert!(!admins.is_empty());
    assert_eq!(
        r["MembershipChanges"],
        json!([{"LocalSID": "S-1-5-32-544", "AddSIDs": admins}])
    );

    // The certificate: issued by the tenant's CA, for the CSR's key, with the extensions.
    let ca = tenant_ca(&rig).await;
    let info = ca
        .verify_device_certificate(&joined.cert_der, OffsetDateTime::now_utc())
        .unwrap();
    assert_eq!(info.subject_dn, format!("CN={}", info.device_id));
    assert!(
        info.issuer_dn.contains("CN=MS-Organization-Access"),
        "{}",
        info.issuer_dn
    );
    assert_eq!(info.tenant_id, Some(rig.tenant().0));
    assert_eq!(info.user_object_id, Some(rig.fx.alice.id.0));
    assert_eq!(info.join_type, Some(CertificateJoinType::Joined));
    let csr_key = cerulean_crypto::parse_and_verify_csr(&keys.csr_der).unwrap();
    assert_eq!(info.public_key().unwrap(), csr_key.public_key);
    assert!(info.not_after > OffsetDateTime::now_utc() + time::Duration::days(3000));

    // The directory row.
    let devices = rig.devices_of(&rig.fx.alice).await;
    assert_eq!(devices.len(), 1);
    let device = &devices[0];
    assert_eq!(device.device_id, DeviceId(info.device_id));
    assert_eq!(device.trust_type, TrustType::AzureAd);
    assert_eq!(device.operating_system, "Windows");
    assert_eq!(device.operating_system_version, "10.0.19041.928");
    assert_eq!(device.cert_der, joined.cert_der);

    // Counted.
    let metrics = rig.http.get(rig.url("/metrics")).send().await.unwrap();
    let text = metrics.text().await.unwrap();
    assert!(
        text.contains(r#"cerulean_drs_registrations_total{join_type="join",result="created"} 1"#),
        "{text}"
    );
}

#[tokio::test]
async fn register_and_libhimmelblau_shapes() {
    let rig = Rig::start().await;
    let token = rig.token("bob").await;

    // Register (JoinType 4): no MembershipChanges even when asked.
    let keys = DeviceKeys::new();
    let registered = rig.join_as(&token, &keys, 4).await;
    assert!(registered.response.get("MembershipChanges").is_none());
    assert_eq!(
        registered.info.join_type,
        Some(CertificateJoinType::Registered)
    );
    assert_eq!(
        rig.devices_of(&rig.fx.bob).await[0].trust_type,
        TrustType::Workplace
    );

    // libhimmelblau: `Attributes`, Linux, a JWK transport key, api-version 1.0 and 3.0.
    let transport = RsaPrivateKey::generate(2048).unwrap().public_key();
    let jwk = json!({
        "kty": "RSA",
        "n": b64url_encode(transport.modulus()),
        "e": b64url_encode(transport.exponent()),
    });
    for (version, name) in [("1.0", "box1"), ("3.0", "box2")] {
        let key = RsaPrivateKey::generate(2048).unwrap();
        let body = json!({
            "CertificateRequest": {"Type": "pkcs10", "Data": b64(&csr_of(&key))},
            "TransportKey": b64(jwk.to_string().as_bytes()),
            "DeviceType": "Linux",
            "OSVersion": "Debian GNU/Linux 12 (bookworm) 12",
            "DeviceDisplayName": name,
            "JoinType": 0,
            "Attributes": {"ReuseDevice": "true", "ReturnClientSid": "False"}
        });
        let (status, response) = rig
            .post_join_with(&rig.http, &token, body.to_string(), version)
            .await;
        assert_eq!(status, StatusCode::OK, "{response}");
        assert!(response.get("MembershipChanges").is_none(), "{response}");
        assert_eq!(response["User"]["Upn"], "bob@contoso.test");
    }
    assert_eq!(rig.devices_of(&rig.fx.bob).await.len(), 3);
}

#[tokio::test]
async fn a_retried_join_returns_the_same_device_and_certificate() {
    let rig = Rig::start().await;
    let token = rig.token("alice").await;
    let keys = DeviceKeys::new();
    let first = rig.join(&token, &keys).await;
    let again = rig.join(&token, &keys).await;
    assert_eq!(again.device_id(), first.device_id());
    assert_eq!(again.cert_der, first.cert_der);
    // Also across api-versions, and with different display name casing of members.
    let (status, body) = rig
        .post_join_with(
            &rig.http,
            &token,
            join_body(&keys, 0, "dev1").to_string(),
            "1.0",
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body["Certificate"]["RawBody"],
        first.response["Certificate"]["RawBody"]
    );
    assert_eq!(rig.devices_of(&rig.fx.alice).await.len(), 1);
    // The same keys as a registration are another request: another device.
    let registered = rig.join_as(&token, &keys, 4).await;
    assert_ne!(registered.device_id(), first.device_id());
    assert_eq!(rig.devices_of(&rig.fx.alice).await.len(), 2);
}

#[tokio::test]
async fn reuse_device_rekeys_the_device_the_client_names() {
    let rig = Rig::start().await;
    let token = rig.token("alice").await;
    let first = rig.join(&token, &DeviceKeys::new()).await;

    // Re-join with new keys, presenting the current device certificate over TLS.
    let second_keys = DeviceKeys::new();
    let client = rig.client_with(Some(&first.identity()));
    let (status, body) = rig
        .post_join_with(
            &client,
            &token,
            join_body(&second_keys, 0, "dev1").to_string(),
            "2.0",
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let second = Joined::from_response(&second_keys, body);
    assert_eq!(second.device_id(), first.device_id());
    assert_ne!(second.cert_der, first.cert_der);
    let devices = rig.devices_of(&rig.fx.alice).await;
    assert_eq!(devices.len(), 1);
    assert_eq!(devices[0].cert_der, second.cert_der);

    // The replaced certificate no longer authenticates the device.
    let old = rig.client_with(Some(&first.identity()));
    let response = old
        .delete(rig.url(&format!(
            "/EnrollmentServer/device/{}?api-version=1.0",
            first.device_id()
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    // A token bound to the device (`deviceid`) names it too.
    let mut claims = claims(&token);
    claims["deviceid"] = json!(first.device_id().to_string());
    let bound = rig.sign(rig.tenant(), &claims).await;
    let third_keys = DeviceKeys::new();
    let third = rig.join(&bound, &third_keys).await;
    assert_eq!(third.device_id(), first.device_id());
    assert_eq!(rig.devices_of(&rig.fx.alice).await.len(), 1);

    // Without ReuseDevice a new device is made.
    let fourth_keys = DeviceKeys::new();
    let mut body = join_body(&fourth_keys, 0, "dev2");
    body["attributes"] = json!({"ReuseDevice": "false"});
    let (status, response) = rig.post_join(&bound, &body).await;
    assert_eq!(status, StatusCode::OK, "{response}");
    assert_eq!(rig.devices_of(&rig.fx.alice).await.len(), 2);
    assert_ne!(
        Joined::from_response(&fourth_keys, response).device_id(),
        first.device_id()
    );
}
