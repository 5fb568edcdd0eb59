//! Refusals: each an OAuth error with a clear description, never a 5xx, and no PRT.

use cerulean_crypto::b64::b64url_encode;
use cerulean_crypto::{RsaPrivateKey, SecretString};
use cerulean_directory::NewUser;
use cerulean_testkit::FIXTURE_PASSWORD;
use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair, PKCS_RSA_SHA256};
use rustls_pki_types::PrivatePkcs8KeyDer;

use crate::prt_support::*;
use crate::support::*;

#[tokio::test]
async fn nonces_must_be_fresh_issued_and_unused() {
    let rig = Rig::start().await;
    let device = Device::join(&rig).await;
    let request = alice_request(&rig, &device, X5c::String).await;
    let (status, body) = post_prt(&rig, "common", &request).await;
    assert_eq!(status, 200, "{body}");
    // The same request again: the nonce is spent.
    let (status, body) = post_prt(&rig, "common", &request).await;
    assert_error(status, &body, "invalid_grant", "already been used");

    for garbage in ["not-a-nonce", "AAAA", ""] {
        let claims = password_claims(garbage, "alice@contoso.test", FIXTURE_PASSWORD);
        let request = sign_request(&device.key, &device.joined.cert_der, X5c::String, &claims);
        let (status, body) = post_prt(&rig, "common", &request).await;
        assert_error(status, &body, "invalid_grant", "request_nonce");
    }
    // Well-formed but signed by another key.
    let forged = b64url_encode(&[1u8; 57]);
    let claims = password_claims(&forged, "alice@contoso.test", FIXTURE_PASSWORD);
    let request = sign_request(&device.key, &device.joined.cert_der, X5c::String, &claims);
    let (status, body) = post_prt(&rig, "common", &request).await;
    assert_error(status, &body, "invalid_grant", "not issued by this server");

    // No nonce at all.
    let mut claims = password_claims("x", "alice@contoso.test", FIXTURE_PASSWORD);
    claims.as_object_mut().unwrap().remove("request_nonce");
    let request = sign_request(&device.key, &device.joined.cert_der, X5c::String, &claims);
    let (status, body) = post_prt(&rig, "common", &request).await;
    assert_error(status, &body, "invalid_request", "request_nonce");
}

#[tokio::test]
async fn a_disabled_device_gets_no_prt() {
    let rig = Rig::start().await;
    let device = Device::join(&rig).await;
    let row = rig
        .server
        .directory
        .device_by_certificate(&device.joined.cert_der)
        .await
        .unwrap()
        .unwrap();
    rig.server
        .directory
        .set_device_enabled(&ops(), rig.tenant(), row.object_id, false)
        .await
        .unwrap();
    let request = alice_request(&rig, &device, X5c::Array).await;
    let (status, body) = post_prt(&rig, "common", &request).await;
    assert_error(status, &body, "invalid_grant", "disabled");
}

/// A certificate with the device's subject and key, self-signed instead of issued by the
/// tenant's device CA.
fn self_signed(device: &Device) -> Vec<u8> {
    let der = device.key.to_pkcs8_der().unwrap();
    let pair = KeyPair::from_pkcs8_der_and_sign_algo(
        &PrivatePkcs8KeyDer::from(der.expose()),
        &PKCS_RSA_SHA256,
    )
    .unwrap();
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(
        DnType::CommonName,
        device.joined.device_id().to_string().to_uppercase(),
    );
    params.distinguished_name = dn;
    params.self_signed(&pair).unwrap().der().to_vec()
}

#[tokio::test]
async fn certificates_and_signatures_must_be_the_devices() {
    let rig = Rig::start().await;
    let device = Device::join(&rig).await;
    let alice = |nonce: &str| password_claims(nonce, "alice@contoso.test", FIXTURE_PASSWORD);

    // Self-signed, same subject and key: not the registered certificate.
    let fake = self_signed(&device);
    let request = sign_request(&device.key, &fake, X5c::String, &alice(&nonce(&rig).await));
    let (status, body) = post_prt(&rig, "common", &request).await;
    assert_error(status, &body, "invalid_grant", "registered device");

    // The right certificate, signed by another key.
    let other = RsaPrivateKey::generate(2048).unwrap();
    let nonce_1 = nonce(&rig).await;
    let request = sign_request(
        &other,
        &device.joined.cert_der,
        X5c::Array,
        &alice(&nonce_1),
    );
    let (status, body) = post_prt(&rig, "common", &request).await;
    assert_error(status, &body, "invalid_grant", "signature");
    // A refused signature does not spend the nonce.
    let request = sign_request(
        &device.key,
        &device.joined.cert_der,
        X5c::Array,
        &alice(&nonce_1),
    );
    let (status, body) = post_prt(&rig, "common", &request).await;
    assert_eq!(status, 200, "{body}");

    // Tampered payload.
    let request = alice_request(&rig, &device, X5c::String).await;
    let mut parts: Vec<String> = request.split('.').map(str::to_owned).collect();
    parts[1] = b64url_encode(br#"{"grant_type":"password"}"#);
    let (status, body) = post_prt(&rig, "common", &parts.join(".")).await;
    assert_error(status, &body, "invalid_grant", "signature");

    // No x5c, x5c not base64, not a JWS at all, HS256, assertion instead of request.
    let mut header = serde_json::Map::new();
    header.insert("typ".into(), "JWT".into());
    let bare = cerulean_crypto::sign_jwt(&device.key, &header, &alice("n")).unwrap();
    let (status, body) = post_prt(&rig, "common", &bare).await;
    assert_error(status, &body, "invalid_request", "x5c");
    header.insert("x5c".into(), "***".into());
    let bad = cerulean_crypto::sign_jwt(&device.key, &header, &alice("n")).unwrap();
    let (status, body) = post_prt(&rig, "common", &bad).await;
    assert_error(status, &body, "invalid_request", "x5c");
    let (status, body) = post_prt(&rig, "common", "garbage").await;
    assert_error(status, &body, "invalid_request", "JWS");
    let hs256 = format!(
        "{}.{}.{}",
        b64url_encode(br#"{"alg":"HS256","ctx":"AAAA"}"#),
        b64url_encode(b"{}"),
        b64url_encode(&[0; 32])
    );
    let (status, body) = post_prt(&rig, "common", &hs256).await;
    // (A `ctx` of 3 bytes is fine; the payload names no PRT.)
    assert_error(status, &body, "invalid_request", "refresh_token");
    let response = rig
        .http
        .post(rig.url("/common/oauth2/token"))
        .form(&[("grant_type", JWT_BEARER), ("assertion", "a.b.c")])
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body = response.json().await.unwrap();
    assert_error(status, &body, "invalid_request", "not supported yet");
}

#[tokio::test]
async fn wrong_password_other_grants_and_other_tenants() {
    let rig = Rig::start().await;
    let device = Device::join(&rig).await;
    let sign = |claims: &serde_json::Value| {
        sign_request(&device.key, &device.joined.cert_der, X5c::String, claims)
    };

    // Wrong password: ROPC's AADSTS50126.
    let claims = password_claims(&nonce(&rig).await, "alice@contoso.test", "wrong");
    let (status, body) = post_prt(&rig, "common", &sign(&claims)).await;
    assert_error(status, &body, "invalid_grant", "AADSTS50126");
    assert_eq!(body["error_codes"][0], 50126);

    // Other inner grants are named as not supported yet.
    let mut claims = password_claims(&nonce(&rig).await, "alice@contoso.test", FIXTURE_PASSWORD);
    claims["grant_type"] = "urn:ietf:params:oauth:grant-type:saml1_1-bearer".into();
    let (status, body) = post_prt(&rig, "common", &sign(&claims)).await;
    assert_error(status, &body, "invalid_request", "is not supported yet");

    // A user of another tenant, on a Contoso device.
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
    let claims = password_claims(&nonce(&rig).await, "frank@fabrikam.test", FIXTURE_PASSWORD);
    let (status, body) = post_prt(&rig, "common", &sign(&claims)).await;
    assert_error(status, &body, "invalid_grant", "frank@fabrikam.test");

    // A Contoso device under Fabrikam's path.
    let request = alice_request(&rig, &device, X5c::String).await;
    let (status, body) = post_prt(&rig, "fabrikam.test", &request).await;
    assert_error(status, &body, "invalid_grant", "device");

    // Nothing was stored for any of these: alice's failures are counted, no PRT event.
    let events = directory
        .store()
        .audit_events(&cerulean_directory::AuditQuery {
            tenant_id: Some(rig.tenant()),
            action_prefix: Some("prt.".into()),
            since: None,
            limit: 10,
        })
        .await
        .unwrap();
    assert!(events.is_empty(), "{events:?}");
}

/// A certificate our tenant CA issued to a device that has since been deleted is told
/// AADSTS700003 (device not found), the answer that makes a device stop using its join;
/// a certificate no CA of ours issued stays a plain invalid grant (above).
#[tokio::test]
async fn a_deleted_devices_certificate_gets_device_not_found() {
    let rig = Rig::start().await;
    let device = Device::join(&rig).await;
    let row = crate::session::device_row(&rig, &device).await;
    rig.server
        .directory
        .delete_device(&ops(), rig.tenant(), row.object_id)
        .await
        .unwrap();
    let claims = password_claims(&nonce(&rig).await, "alice@contoso.test", FIXTURE_PASSWORD);
    let request = sign_request(&device.key, &device.joined.cert_der, X5c::Array, &claims);
    let (status, body) = post_prt(&rig, "common", &request).await;
    assert_error(status, &body, "invalid_grant", "AADSTS700003");
    assert_eq!(body["error_codes"][0], 700003, "{body}");
}
