//! A PRT for a password: the response's strict typing, the session key, the stored row.

use cerulean_crypto::b64::b64url_decode;
use cerulean_crypto::prt::{SEALED_SESSION_KEY_LEN, open_session_key_jwe};
use cerulean_crypto::sha256_hex;
use reqwest::StatusCode;
use serde_json::Value;

use crate::prt_support::*;
use crate::support::*;

/// The storage key of a secret, as the authority computes it.
fn hash(secret: &str) -> String {
    let hex = sha256_hex(secret.as_bytes());
    let bytes: Vec<u8> = (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect();
    cerulean_crypto::b64::b64url_encode(&bytes)
}

async fn issue_and_check(x5c: X5c, tenant_segment: fn(&Rig) -> String) {
    let rig = Rig::start().await;
    let device = Device::join(&rig).await;
    let request = alice_request(&rig, &device, x5c).await;
    let (status, body) = post_prt(&rig, &tenant_segment(&rig), &request).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // INTEROP.md §8.3 item 4: strings, a number, and nothing typed otherwise.
    assert_eq!(body["token_type"], "Bearer");
    for field in ["expires_in", "ext_expires_in"] {
        assert_eq!(body[field], "1209599", "{field}");
    }
    let expires_on: i64 = body["expires_on"].as_str().unwrap().parse().unwrap();
    assert!(expires_on > time::OffsetDateTime::now_utc().unix_timestamp() + 1_209_000);
    assert_eq!(body["refresh_token_expires_in"], Value::from(1_209_599));
    assert!(body["refresh_token_expires_in"].is_u64());
    let prt = body["refresh_token"].as_str().unwrap();
    // `0.` then the random part: roadtx needs a `.` in a PRT it loads from roadtx.prt.
    let random = prt.strip_prefix("0.").unwrap();
    assert!(b64url_decode(random).unwrap().len() >= 32);
    assert_eq!(body["device_tenant_id"], rig.tenant().to_string());

    let info: Value =
        serde_json::from_slice(&b64url_decode(body["client_info"].as_str().unwrap()).unwrap())
            .unwrap();
    assert_eq!(info["uid"], rig.fx.alice.id.to_string());
    assert_eq!(info["utid"], rig.tenant().to_string());

    let id = claims(body["id_token"].as_str().unwrap());
    assert_eq!(id["aud"], BROKER);
    assert_eq!(id["name"], "Alice Adams");
    assert_eq!(id["oid"], rig.fx.alice.id.to_string());
    assert_eq!(id["tid"], rig.tenant().to_string());
    assert_eq!(id["preferred_username"], "alice@contoso.test");
    assert_eq!(id["upn"], "alice@contoso.test");
    let device_row = rig
        .server
        .directory
        .device_by_certificate(&device.joined.cert_der)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(id["deviceid"], device_row.device_id.to_string());

    // The session key opens with the transport key (not the device key).
    let jwe = body["session_key_jwe"].as_str().unwrap();
    assert!(jwe.starts_with("eyJlbmMiOiJBMjU2R0NNIi"), "{jwe}");
    let session_key = open_session_key_jwe(&device.transport, jwe).unwrap();
    assert_eq!(session_key.expose().len(), 32);
    assert!(open_session_key_jwe(&device.key, jwe).is_err());

    // The row: by hash, bound to user and device, session key sealed (not in clear).
    let store = rig.server.directory.store();
    let row = store
        .primary_refresh_token(&hash(prt))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.tenant_id, rig.tenant());
    assert_eq!(row.user_id, rig.fx.alice.id);
    assert_eq!(row.device_object_id, device_row.object_id);
    assert_eq!(row.amr, vec!["pwd".to_owned()]);
    assert!(!row.revoked);
    assert_eq!((row.expires_at - row.created_at).whole_seconds(), 1_209_599);
    let sealed = &row.sealed_session_key.0;
    assert_eq!(sealed.len(), SEALED_SESSION_KEY_LEN);
    assert!(
        !sealed.windows(32).any(|w| w == session_key.expose()),
        "the session key is stored in clear"
    );
    assert!(!format!("{row:?}").contains(&format!("{:?}", session_key.expose())));

    // Audited without secrets.
    let events = store
        .audit_events(&cerulean_directory::AuditQuery {
            tenant_id: Some(rig.tenant()),
            action_prefix: Some("prt.".into()),
            since: None,
            limit: 10,
        })
        .await
        .unwrap();
    let event = events.iter().find(|e| e.action == "prt.issue").unwrap();
    let text = serde_json::to_string(&event.details).unwrap();
    assert!(!text.contains(prt) && !text.contains("Passw0rd"), "{text}");
}

#[tokio::test]
async fn roadtx_shape_x5c_string_under_common() {
    issue_and_check(X5c::String, |_| "common".to_owned()).await;
}

#[tokio::test]
async fn libhimmelblau_shape_x5c_array_under_the_domain() {
    issue_and_check(X5c::Array, |_| "contoso.test".to_owned()).await;
}

#[tokio::test]
async fn under_the_tenant_id_and_lower_case_tgt() {
    let rig = Rig::start().await;
    let device = Device::join(&rig).await;
    let request = alice_request(&rig, &device, X5c::Array).await;
    let response = rig
        .http
        .post(rig.url(&format!("/{}/oauth2/token", rig.tenant())))
        .form(&[
            ("windows_api_version", "2.0"),
            ("grant_type", JWT_BEARER),
            ("request", request.as_str()),
            ("tgt", "true"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert!(body.get("client_info").is_none(), "{body}");
    assert!(body["refresh_token"].is_string());
}
