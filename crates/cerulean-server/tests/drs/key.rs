//! Windows Hello key registration (MS-KPP): MFA required, the device from the token or
//! the TLS client certificate, duplicates answered with the first registration, errors in
//! KPP's format.

use cerulean_crypto::{RsaPrivateKey, encode_bcrypt_rsa_public_blob};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::*;

fn kngc() -> String {
    let key = RsaPrivateKey::generate(2048).unwrap();
    b64(&encode_bcrypt_rsa_public_blob(&key.public_key()))
}

async fn post_key(
    rig: &Rig,
    client: &reqwest::Client,
    token: &str,
    kngc: &str,
) -> (StatusCode, Option<String>, Value) {
    let response = client
        .post(rig.url("/EnrollmentServer/key/?api-version=1.0"))
        .bearer_auth(token)
        .header("accept", "application/json")
        .header("client-request-id", "5c8d4e7a-0000-4000-8000-000000000001")
        .json(&json!({ "kngc": kngc }))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let request_id = response
        .headers()
        .get("request-id")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, request_id, response.json().await.unwrap())
}

fn assert_kpp_error(body: &Value, code: &str) {
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["response"], "ERROR_FAIL");
    assert_eq!(body["error"]["code"], code);
    assert_eq!(
        body["clientrequestid"],
        "5c8d4e7a-0000-4000-8000-000000000001"
    );
}

#[tokio::test]
async fn key_registration_needs_mfa_and_a_device() {
    let rig = Rig::start().await;
    let token = rig.token("alice").await;
    let joined = rig.join(&token, &DeviceKeys::new()).await;
    let key = kngc();

    // A password-only sign-in.
    let (status, _, body) = post_key(&rig, &rig.http, &token, &key).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_kpp_error(&body, "mfa_required");

    // MFA but no device: neither a deviceid claim nor a device certificate.
    let mut mfa = claims(&token);
    mfa["amr"] = json!(["pwd", "mfa"]);
    let mfa_token = rig.sign(rig.tenant(), &mfa).await;
    let (status, _, body) = post_key(&rig, &rig.http, &mfa_token, &key).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_kpp_error(&body, "invalid_token");

    // MFA and the device's id in the token.
    let mut bound = mfa.clone();
    bound["deviceid"] = json!(joined.device_id().to_string());
    let bound = rig.sign(rig.tenant(), &bound).await;
    let (status, request_id, body) = post_key(&rig, &rig.http, &bound, &key).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(request_id.is_some());
    assert_eq!(body["upn"], "alice@contoso.test");
    let kid = body["kid"].as_str().unwrap().to_owned();
    uuid::Uuid::parse_str(&kid).unwrap();

    // The same key again: the first registration.
    let (status, _, again) = post_key(&rig, &rig.http, &bound, &key).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(again["kid"], kid);

    // MFA token without deviceid, device certificate over TLS.
    let client = rig.client_with(Some(&joined.identity()));
    let (status, _, body) = post_key(&rig, &client, &mfa_token, &kngc()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_ne!(body["kid"], kid);

    let keys = rig
        .server
        .directory
        .hello_keys_of_user(rig.tenant(), rig.fx.alice.id)
        .await
        .unwrap();
    assert_eq!(keys.len(), 2);
    assert!(keys.iter().all(|k| k.device_id.0 == joined.device_id()));

    // Another user's device certificate does not count for bob.
    let bob = rig.token("bob").await;
    let mut bob_mfa = claims(&bob);
    bob_mfa["amr"] = json!(["pwd", "ngcmfa"]);
    let bob_mfa = rig.sign(rig.tenant(), &bob_mfa).await;
    let (status, _, body) = post_key(&rig, &client, &bob_mfa, &kngc()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_kpp_error(&body, "invalid_token");
}

#[tokio::test]
async fn malformed_key_requests_are_kpp_errors() {
    let rig = Rig::start().await;
    let token = rig.token("alice").await;
    let joined = rig.join(&token, &DeviceKeys::new()).await;
    let mut claims = claims(&token);
    claims["amr"] = json!(["pwd", "mfa"]);
    claims["deviceid"] = json!(joined.device_id().to_string());
    let token = rig.sign(rig.tenant(), &claims).await;

    // Not a key blob, and a blob with the wrong lengths.
    let mut blob =
        encode_bcrypt_rsa_public_blob(&RsaPrivateKey::generate(2048).unwrap().public_key());
    blob[12] ^= 0x01;
    for bad in ["%%%", "", &b64(b"RSA1 but nothing else"), &b64(&blob)] {
        let (status, _, body) = post_key(&rig, &rig.http, &token, bad).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert_kpp_error(&body, "invalid_request");
    }

    // Accept must name JSON; api-version in the query or the header, not both.
    let without_accept = rig
        .http
        .post(rig.url("/EnrollmentServer/key/?api-version=1.0"))
        .bearer_auth(&token)
        .json(&json!({ "kngc": kngc() }))
        .send()
        .await
        .unwrap();
    assert_eq!(without_accept.status(), StatusCode::BAD_REQUEST);
    let both = rig
        .http
        .post(rig.url("/EnrollmentServer/key/?api-version=1.0"))
        .bearer_auth(&token)
        .header("accept", "application/json")
        .header("api-version", "1.0")
        .json(&json!({ "kngc": kngc() }))
        .send()
        .await
        .unwrap();
    assert_eq!(both.status(), StatusCode::BAD_REQUEST);
    let header_only = rig
        .http
        .post(rig.url("/EnrollmentServer/key/"))
        .bearer_auth(&token)
        .header("accept", "application/json")
        .header("api-version", "1.0")
        .json(&json!({ "kngc": kngc() }))
        .send()
        .await
        .unwrap();
    assert_eq!(header_only.status(), StatusCode::OK);
}
