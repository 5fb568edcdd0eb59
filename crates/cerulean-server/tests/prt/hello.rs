//! A PRT for a Windows Hello assertion (inner `grant_type: jwt-bearer` with an NGC-signed
//! `assertion`, PROTOCOLS.md §5.2), with a key registered through `Directory::add_hello_key`.

use cerulean_crypto::{RsaPrivateKey, encode_bcrypt_rsa_public_blob, sign_jwt};
use cerulean_directory::NewHelloKey;
use cerulean_directory::device::hello_key_hash;
use reqwest::StatusCode;
use serde_json::{Map, Value, json};

use crate::prt_support::*;
use crate::support::*;

/// alice's Hello key, registered for `device`; returns the key and its `kid`.
async fn register(rig: &Rig, device: &Device) -> (RsaPrivateKey, String) {
    let key = RsaPrivateKey::generate(2048).unwrap();
    let public = key.public_key();
    let blob = encode_bcrypt_rsa_public_blob(&public);
    let device_row = rig
        .server
        .directory
        .device_by_certificate(&device.joined.cert_der)
        .await
        .unwrap()
        .unwrap();
    let registered = rig
        .server
        .directory
        .add_hello_key(
            &ops(),
            NewHelloKey {
                tenant: rig.tenant(),
                user: rig.fx.alice.id,
                amr: vec!["pwd".into(), "mfa".into()],
                device_id: device_row.device_id,
                key_blob: blob.clone(),
                public_key_spki: public.to_spki_der(),
            },
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(registered.key_hash, hello_key_hash(&blob));
    (key, registered.key_hash)
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// roadtx's assertion: `use: ngc`, `kid`, `iss` = UPN, the outer nonce, ±1 hour.
fn assertion(key: &RsaPrivateKey, kid: &str, payload: &Value) -> String {
    let mut header = Map::new();
    header.insert("typ".into(), json!("JWT"));
    header.insert("use".into(), json!("ngc"));
    header.insert("kid".into(), json!(kid));
    sign_jwt(key, &header, payload).unwrap()
}

fn hello_payload(nonce: &str) -> Value {
    json!({
        "iss": "alice@contoso.test",
        "aud": "common",
        "iat": now() - 3600,
        "exp": now() + 3600,
        "request_nonce": nonce,
        "scope": "openid aza ugs",
    })
}

/// Posts the device-signed request carrying `assertion` for `nonce`.
async fn post_hello(
    rig: &Rig,
    device: &Device,
    nonce: &str,
    assertion: &str,
) -> (StatusCode, Value) {
    let claims = json!({
        "client_id": BROKER,
        "request_nonce": nonce,
        "scope": "openid aza ugs",
        "group_sids": [],
        "win_ver": "10.0.19041.868",
        "grant_type": JWT_BEARER,
        "username": "alice@contoso.test",
        "assertion": assertion,
    });
    let request = sign_request(&device.key, &device.joined.cert_der, X5c::String, &claims);
    post_prt(rig, "common", &request).await
}

#[tokio::test]
async fn a_hello_assertion_gives_a_prt_with_ngcmfa() {
    let rig = Rig::start().await;
    let device = Device::join(&rig).await;
    let (key, kid) = register(&rig, &device).await;
    let n = nonce(&rig).await;
    let (status, body) = post_hello(
        &rig,
        &device,
        &n,
        &assertion(&key, &kid, &hello_payload(&n)),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["refresh_token"].as_str().unwrap().starts_with("0."));
    let jwe = body["session_key_jwe"].as_str().unwrap();
    assert!(cerulean_crypto::prt::open_session_key_jwe(&device.transport, jwe).is_ok());
    let id = claims(body["id_token"].as_str().unwrap());
    assert_eq!(id["oid"], rig.fx.alice.id.to_string());
    let amr = id["amr"].as_array().unwrap();
    assert!(amr.contains(&json!("ngcmfa")), "{amr:?}");
}

#[tokio::test]
async fn hello_refusals() {
    let rig = Rig::start().await;
    let device = Device::join(&rig).await;
    let (key, kid) = register(&rig, &device).await;

    // The assertion's nonce must be the request's.
    let n = nonce(&rig).await;
    let other = nonce(&rig).await;
    let (status, body) = post_hello(
        &rig,
        &device,
        &n,
        &assertion(&key, &kid, &hello_payload(&other)),
    )
    .await;
    assert_error(status, &body, "invalid_grant", "request_nonce");

    // Signed by another key under the registered kid.
    let stranger = RsaPrivateKey::generate(2048).unwrap();
    let n = nonce(&rig).await;
    let (status, body) = post_hello(
        &rig,
        &device,
        &n,
        &assertion(&stranger, &kid, &hello_payload(&n)),
    )
    .await;
    assert_error(status, &body, "invalid_grant", "does not verify");

    // A key nobody registered.
    let stranger_kid = hello_key_hash(&encode_bcrypt_rsa_public_blob(&stranger.public_key()));
    let n = nonce(&rig).await;
    let (status, body) = post_hello(
        &rig,
        &device,
        &n,
        &assertion(&stranger, &stranger_kid, &hello_payload(&n)),
    )
    .await;
    assert_error(status, &body, "invalid_grant", "not registered");

    // Expired.
    let n = nonce(&rig).await;
    let mut payload = hello_payload(&n);
    payload["iat"] = json!(now() - 7200);
    payload["exp"] = json!(now() - 3600);
    let (status, body) = post_hello(&rig, &device, &n, &assertion(&key, &kid, &payload)).await;
    assert_error(status, &body, "invalid_grant", "expired");

    // Another user's UPN in iss.
    let n = nonce(&rig).await;
    let mut payload = hello_payload(&n);
    payload["iss"] = json!("bob@contoso.test");
    let (status, body) = post_hello(&rig, &device, &n, &assertion(&key, &kid, &payload)).await;
    assert_error(status, &body, "invalid_grant", "iss");

    // Not an NGC assertion.
    let n = nonce(&rig).await;
    let mut header = Map::new();
    header.insert("kid".into(), json!(kid));
    let plain = sign_jwt(&key, &header, &hello_payload(&n)).unwrap();
    let (status, body) = post_hello(&rig, &device, &n, &plain).await;
    assert_error(status, &body, "invalid_request", "use 'ngc'");

    // A disabled user.
    rig.server
        .directory
        .set_user_enabled(&ops(), rig.tenant(), rig.fx.alice.id, false)
        .await
        .unwrap();
    let n = nonce(&rig).await;
    let (status, body) = post_hello(
        &rig,
        &device,
        &n,
        &assertion(&key, &kid, &hello_payload(&n)),
    )
    .await;
    assert_error(status, &body, "invalid_grant", "AADSTS50057");
}
