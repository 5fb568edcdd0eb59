//! A joined device with its keys, and the PRT request as roadtx and libhimmelblau send it.

use cerulean_crypto::b64::b64_std_encode;
use cerulean_crypto::{RsaPrivateKey, sign_jwt};
use cerulean_testkit::FIXTURE_PASSWORD;
use reqwest::StatusCode;
use serde_json::{Map, Value, json};

use crate::support::*;

pub const BROKER: &str = "38aa3b87-a06d-4817-b275-7a316988d93b";
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// A device joined by alice, with its device and transport private keys.
pub struct Device {
    pub key: RsaPrivateKey,
    pub transport: RsaPrivateKey,
    pub joined: Joined,
}

impl Device {
    pub async fn join(rig: &Rig) -> Device {
        let key = RsaPrivateKey::generate(2048).unwrap();
        let transport = RsaPrivateKey::generate(2048).unwrap();
        let keys = DeviceKeys::from_keys(&key, &transport);
        let token = rig.token("alice").await;
        let joined = rig.join(&token, &keys).await;
        Device {
            key,
            transport,
            joined,
        }
    }
}

/// How `x5c` is sent.
#[derive(Clone, Copy)]
pub enum X5c {
    /// roadtx: a bare string, plus `kdf_ver: 2`.
    String,
    /// libhimmelblau: a one-element array, plus a `kid`.
    Array,
}

/// A fresh nonce from `srv_challenge`.
pub async fn nonce(rig: &Rig) -> String {
    let response = rig
        .http
        .post(rig.url("/common/oauth2/token"))
        .form(&[("grant_type", "srv_challenge")])
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    body["Nonce"].as_str().unwrap().to_owned()
}

/// The password PRT request's claims (roadtx's payload).
pub fn password_claims(nonce: &str, username: &str, password: &str) -> Value {
    json!({
        "client_id": BROKER,
        "request_nonce": nonce,
        "scope": "openid aza ugs",
        "group_sids": [],
        "win_ver": "10.0.19041.868",
        "grant_type": "password",
        "username": username,
        "password": password,
    })
}

/// `claims` signed by `key` with `cert_der` in `x5c`.
pub fn sign_request(key: &RsaPrivateKey, cert_der: &[u8], x5c: X5c, claims: &Value) -> String {
    let mut header = Map::new();
    header.insert("typ".into(), json!("JWT"));
    match x5c {
        X5c::String => {
            header.insert("x5c".into(), json!(b64_std_encode(cert_der)));
            header.insert("kdf_ver".into(), json!(2));
        }
        X5c::Array => {
            header.insert("x5c".into(), json!([b64_std_encode(cert_der)]));
            header.insert("kid".into(), json!("0123abcd"));
        }
    }
    sign_jwt(key, &header, claims).unwrap()
}

/// alice's password request, signed by the device.
pub async fn alice_request(rig: &Rig, device: &Device, x5c: X5c) -> String {
    let claims = password_claims(&nonce(rig).await, "alice@contoso.test", FIXTURE_PASSWORD);
    sign_request(&device.key, &device.joined.cert_der, x5c, &claims)
}

/// Posts a PRT request under `/{tenant}/oauth2/token` with roadtx's form fields.
pub async fn post_prt(rig: &Rig, tenant: &str, request: &str) -> (StatusCode, Value) {
    let response = rig
        .http
        .post(rig.url(&format!("/{tenant}/oauth2/token")))
        .form(&[
            ("windows_api_version", "2.2"),
            ("grant_type", JWT_BEARER),
            ("request", request),
            ("client_info", "1"),
            ("tgt", "True"),
        ])
        .send()
        .await
        .unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// Asserts an OAuth error with `error` and a description containing `text`.
pub fn assert_error(status: StatusCode, body: &Value, error: &str, text: &str) {
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"], error, "{body}");
    let description = body["error_description"].as_str().unwrap();
    assert!(description.contains(text), "{description}");
}
