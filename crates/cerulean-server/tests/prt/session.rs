//! Session-key-signed requests (PROTOCOLS.md §5.5): PRT renewal and access tokens, each
//! answer an AES-256-CBC JWE under the session key; and the refusals, revocation included.

use cerulean_crypto::SecretBytes;
use cerulean_crypto::b64::b64url_encode;
use cerulean_crypto::prt::{
    KdfVersion, ResponseCipher, decrypt_response, open_session_key_jwe, sign_session_jws,
};
use reqwest::StatusCode;
use serde_json::{Map, Value, json};

use crate::prt_support::*;
use crate::support::*;

const AZURE_CLI: &str = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";

/// A device with alice's PRT and its session key.
pub(crate) struct Held {
    pub device: Device,
    pub prt: String,
    pub key: SecretBytes,
}

pub(crate) async fn held(rig: &Rig) -> Held {
    held_on(rig, Device::join(rig).await).await
}

/// A new PRT for alice on an already-joined device.
async fn held_on(rig: &Rig, device: Device) -> Held {
    let request = alice_request(rig, &device, X5c::String).await;
    let (status, body) = post_prt(rig, "common", &request).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let key =
        open_session_key_jwe(&device.transport, body["session_key_jwe"].as_str().unwrap()).unwrap();
    Held {
        device,
        prt: body["refresh_token"].as_str().unwrap().to_owned(),
        key,
    }
}

/// roadtx's `prt -a renew` payload.
fn renew_claims(nonce: &str, prt: &str) -> Value {
    json!({
        "client_id": BROKER,
        "request_nonce": nonce,
        "scope": "openid aza ugs",
        "iss": "aad:brokerplugin",
        "grant_type": "refresh_token",
        "refresh_token": prt,
        "previous_refresh_token": prt,
        "group_sids": [],
        "win_ver": "10.0.19041.868",
    })
}

/// roadtx's `prtauth -r msgraph` payload.
fn prtauth_claims(nonce: Option<&str>, prt: &str, iat: i64) -> Value {
    let mut claims = json!({
        "win_ver": "10.0.19041.1620",
        "scope": "openid",
        "refresh_token": prt,
        "redirect_uri": "https://login.microsoftonline.com/common/oauth2/nativeclient",
        "iss": "aad:brokerplugin",
        "grant_type": "refresh_token",
        "client_id": AZURE_CLI,
        "aud": "login.microsoftonline.com",
        "iat": iat.to_string(),
        "exp": (iat + 300).to_string(),
        "resource": "https://graph.microsoft.com/",
    });
    if let Some(n) = nonce {
        claims["request_nonce"] = json!(n);
    }
    claims
}

pub(crate) fn sign(key: &SecretBytes, claims: &Value, kdf: KdfVersion) -> String {
    let mut header = Map::new();
    header.insert("typ".into(), json!("JWT"));
    if kdf == KdfVersion::V1 {
        header.insert("kid".into(), json!("0123456789ab"));
    }
    sign_session_jws(key, &header, &serde_json::to_vec(claims).unwrap(), kdf).unwrap()
}

/// Posts a session-key-signed request; on 200 returns the decrypted JSON, else the error.
async fn post_session(
    rig: &Rig,
    tenant: &str,
    key: &SecretBytes,
    request: &str,
) -> (StatusCode, Value) {
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
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    let text = response.text().await.unwrap();
    if status != StatusCode::OK {
        return (status, serde_json::from_str(&text).unwrap());
    }
    assert_eq!(content_type.as_deref(), Some("application/jose"));
    assert!(!text.starts_with('{'), "{text}");
    let decrypted = decrypt_response(key, &text).unwrap();
    assert_eq!(decrypted.cipher, ResponseCipher::Aes256Cbc);
    assert_eq!(decrypted.header["kid"], "session");
    (
        status,
        serde_json::from_slice(decrypted.plaintext.expose()).unwrap(),
    )
}

pub(crate) async fn device_row(rig: &Rig, device: &Device) -> cerulean_directory::Device {
    rig.server
        .directory
        .device_by_certificate(&device.joined.cert_der)
        .await
        .unwrap()
        .unwrap()
}

async fn renew_and_check(kdf: KdfVersion, tenant: &str) {
    let rig = Rig::start().await;
    let h = held(&rig).await;
    let mut claims = renew_claims(&nonce(&rig).await, &h.prt);
    if kdf == KdfVersion::V1 {
        // libhimmelblau: `resource: null`, no previous_refresh_token.
        claims["resource"] = Value::Null;
        claims
            .as_object_mut()
            .unwrap()
            .remove("previous_refresh_token");
    }
    let request = sign(&h.key, &claims, kdf);
    let (status, body) = post_session(&rig, tenant, &h.key, &request).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let renewed = body["refresh_token"].as_str().unwrap();
    assert_ne!(renewed, h.prt);
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], "1209599");
    assert!(body["refresh_token_expires_in"].is_u64());
    assert!(
        body.get("session_key_jwe").is_none(),
        "the key is not rotated"
    );
    let id = claims_of(&body["id_token"]);
    assert_eq!(id["aud"], BROKER);
    assert_eq!(id["oid"], rig.fx.alice.id.to_string());
    let row = device_row(&rig, &h.device).await;
    assert_eq!(id["deviceid"], row.device_id.to_string());

    // The renewed PRT works with the same session key; the one it replaced is revoked.
    let claims = renew_claims(&nonce(&rig).await, renewed);
    let request = sign(&h.key, &claims, kdf);
    let (status, body) = post_session(&rig, tenant, &h.key, &request).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let claims = renew_claims(&nonce(&rig).await, &h.prt);
    let request = sign(&h.key, &claims, kdf);
    let (status, body) = post_session(&rig, tenant, &h.key, &request).await;
    assert_error(status, &body, "invalid_grant", "AADSTS70008");
}

fn claims_of(token: &Value) -> Value {
    claims(token.as_str().unwrap())
}

#[tokio::test]
async fn renewal_with_kdf_v2_roadtx_shape() {
    renew_and_check(KdfVersion::V2, "common").await;
}

#[tokio::test]
async fn renewal_with_kdf_v1_libhimmelblau_shape() {
    renew_and_check(KdfVersion::V1, "contoso.test").await;
}

#[tokio::test]
async fn prtauth_for_graph_has_the_device_id() {
    let rig = Rig::start().await;
    let h = held(&rig).await;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let claims = prtauth_claims(Some(&nonce(&rig).await), &h.prt, now);
    let request = sign(&h.key, &claims, KdfVersion::V2);
    let (status, body) = post_session(&rig, "common", &h.key, &request).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["refresh_token"].is_string());
    assert!(body["expires_in"].is_string() || body["expires_in"].is_u64());
    let at = claims_of(&body["access_token"]);
    let row = device_row(&rig, &h.device).await;
    assert_eq!(at["deviceid"], row.device_id.to_string());
    assert!(
        at["aud"].as_str().unwrap().contains("graph.microsoft.com")
            || at["aud"] == "00000003-0000-0000-c000-000000000000",
        "{at}"
    );
    assert_eq!(at["appid"], AZURE_CLI);
    assert_eq!(at["oid"], rig.fx.alice.id.to_string());
    assert!(at["exp"].is_i64());
    let id = claims_of(&body["id_token"]);
    assert_eq!(id["aud"], AZURE_CLI);

    // Without a nonce, a recent iat (a string, as roadtx sends it) is freshness enough.
    let claims = prtauth_claims(None, &h.prt, now);
    let request = sign(&h.key, &claims, KdfVersion::V1);
    let (status, body) = post_session(&rig, "common", &h.key, &request).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // A stale one is not.
    let claims = prtauth_claims(None, &h.prt, now - 3600);
    let request = sign(&h.key, &claims, KdfVersion::V2);
    let (status, body) = post_session(&rig, "common", &h.key, &request).await;
    assert_error(status, &body, "invalid_grant", "fresh");
    // Neither nonce nor iat.
    let mut claims = prtauth_claims(None, &h.prt, now);
    claims.as_object_mut().unwrap().remove("iat");
    let request = sign(&h.key, &claims, KdfVersion::V2);
    let (status, body) = post_session(&rig, "common", &h.key, &request).await;
    assert_error(status, &body, "invalid_request", "request_nonce");
}

#[tokio::test]
async fn forged_unknown_and_replayed_requests_are_refused() {
    let rig = Rig::start().await;
    let h = held(&rig).await;

    // Tampered signature.
    let request = sign(
        &h.key,
        &renew_claims(&nonce(&rig).await, &h.prt),
        KdfVersion::V2,
    );
    let mut parts: Vec<String> = request.split('.').map(str::to_owned).collect();
    parts[2] = b64url_encode(&[7u8; 32]);
    let (status, body) = post_session(&rig, "common", &h.key, &parts.join(".")).await;
    assert_error(status, &body, "invalid_grant", "signature");
    // The signature made for another ctx (the header's ctx swapped).
    let other = sign(
        &h.key,
        &renew_claims(&nonce(&rig).await, &h.prt),
        KdfVersion::V2,
    );
    let mut parts: Vec<String> = request.split('.').map(str::to_owned).collect();
    parts[0] = other.split('.').next().unwrap().to_owned();
    let (status, body) = post_session(&rig, "common", &h.key, &parts.join(".")).await;
    assert_error(status, &body, "invalid_grant", "signature");
    // Another session key.
    let wrong = SecretBytes::new(vec![9u8; 32]);
    let forged = sign(
        &wrong,
        &renew_claims(&nonce(&rig).await, &h.prt),
        KdfVersion::V1,
    );
    let (status, body) = post_session(&rig, "common", &h.key, &forged).await;
    assert_error(status, &body, "invalid_grant", "signature");
    // An unknown PRT.
    let unknown = b64url_encode(&[3u8; 32]);
    let request = sign(
        &h.key,
        &renew_claims(&nonce(&rig).await, &unknown),
        KdfVersion::V2,
    );
    let (status, body) = post_session(&rig, "common", &h.key, &request).await;
    assert_error(status, &body, "invalid_grant", "AADSTS70008");

    // A garbage nonce; a replayed one.
    let garbage = sign(&h.key, &renew_claims("x", &h.prt), KdfVersion::V2);
    let (status, body) = post_session(&rig, "common", &h.key, &garbage).await;
    assert_error(status, &body, "invalid_grant", "request_nonce");
    // (prtauth, not a renewal: a renewal would revoke the PRT it replaces.)
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let good = sign(
        &h.key,
        &prtauth_claims(Some(&nonce(&rig).await), &h.prt, now),
        KdfVersion::V2,
    );
    let (status, body) = post_session(&rig, "common", &h.key, &good).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = post_session(&rig, "common", &h.key, &good).await;
    assert_error(status, &body, "invalid_grant", "already been used");

    // Not a refresh_token inner grant.
    let mut claims = renew_claims(&nonce(&rig).await, &h.prt);
    claims["grant_type"] = json!("password");
    let request = sign(&h.key, &claims, KdfVersion::V2);
    let (status, body) = post_session(&rig, "common", &h.key, &request).await;
    assert_error(status, &body, "invalid_request", "grant_type");

    // Nothing of the PRT, the key or the nonce reaches the audit log.
    let events = rig
        .server
        .directory
        .store()
        .audit_events(&cerulean_directory::AuditQuery {
            tenant_id: Some(rig.tenant()),
            action_prefix: Some("prt.".into()),
            since: None,
            limit: 50,
        })
        .await
        .unwrap();
    assert!(events.iter().any(|e| e.action == "prt.use"));
    for e in &events {
        let text = serde_json::to_string(&e.details).unwrap();
        assert!(!text.contains(&h.prt), "{text}");
    }
}

/// A prtauth request (which does not replace the PRT) for Graph.
async fn prtauth(rig: &Rig, h: &Held) -> (StatusCode, Value) {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let request = sign(
        &h.key,
        &prtauth_claims(Some(&nonce(rig).await), &h.prt, now),
        KdfVersion::V2,
    );
    post_session(rig, "common", &h.key, &request).await
}

#[tokio::test]
async fn a_disabled_device_or_user_ends_the_prt() {
    let rig = Rig::start().await;
    let h = held(&rig).await;
    let row = device_row(&rig, &h.device).await;
    let directory = &rig.server.directory;

    directory
        .set_device_enabled(&ops(), rig.tenant(), row.object_id, false)
        .await
        .unwrap();
    // Disabling revoked the PRT in the store.
    let request = sign(
        &h.key,
        &renew_claims(&nonce(&rig).await, &h.prt),
        KdfVersion::V2,
    );
    let (status, body) = post_session(&rig, "common", &h.key, &request).await;
    assert_error(status, &body, "invalid_grant", "AADSTS70008");
    let (status, body) = prtauth(&rig, &h).await;
    assert_error(status, &body, "invalid_grant", "AADSTS70008");
    // The device-signed request is refused too.
    let request = alice_request(&rig, &h.device, X5c::String).await;
    let (status, body) = post_prt(&rig, "common", &request).await;
    assert_error(status, &body, "invalid_grant", "AADSTS135011");

    // Enabled again: the old PRT stays refused; a new sign-in gets one that works.
    directory
        .set_device_enabled(&ops(), rig.tenant(), row.object_id, true)
        .await
        .unwrap();
    let (status, body) = prtauth(&rig, &h).await;
    assert_error(status, &body, "invalid_grant", "AADSTS70008");
    let h = held_on(&rig, h.device).await;
    let (status, body) = prtauth(&rig, &h).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    directory
        .set_user_enabled(&ops(), rig.tenant(), rig.fx.alice.id, false)
        .await
        .unwrap();
    let (status, body) = prtauth(&rig, &h).await;
    assert_error(status, &body, "invalid_grant", "AADSTS70008");
    // Enabling the user again does not bring the PRT back.
    directory
        .set_user_enabled(&ops(), rig.tenant(), rig.fx.alice.id, true)
        .await
        .unwrap();
    let (status, body) = prtauth(&rig, &h).await;
    assert_error(status, &body, "invalid_grant", "AADSTS70008");
}

#[tokio::test]
async fn a_password_reset_ends_the_prt() {
    let rig = Rig::start().await;
    let h = held(&rig).await;
    let (status, body) = prtauth(&rig, &h).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    rig.server
        .directory
        .set_password(
            &ops(),
            rig.tenant(),
            rig.fx.alice.id,
            &cerulean_crypto::SecretString::new("Fresh-Horse-Battery-9!".into()),
        )
        .await
        .unwrap();
    let (status, body) = prtauth(&rig, &h).await;
    assert_error(status, &body, "invalid_grant", "AADSTS70008");
}

#[tokio::test]
async fn a_deleted_device_ends_the_prt() {
    let rig = Rig::start().await;
    let h = held(&rig).await;
    let row = device_row(&rig, &h.device).await;
    rig.server
        .directory
        .delete_device(&ops(), rig.tenant(), row.object_id)
        .await
        .unwrap();
    // Deleting revoked the PRT in the store.
    let request = sign(
        &h.key,
        &renew_claims(&nonce(&rig).await, &h.prt),
        KdfVersion::V2,
    );
    let (status, body) = post_session(&rig, "common", &h.key, &request).await;
    assert_error(status, &body, "invalid_grant", "AADSTS70008");
}
