//! PRT SSO at `/authorize` (PROTOCOLS.md §5.6): the `x-ms-RefreshTokenCredential` cookie
//! or header as roadtx `gettokens --prt` sends it signs the user in without a prompt; a
//! bad one falls back to the sign-in page.

use cerulean_crypto::SecretBytes;
use cerulean_crypto::prt::KdfVersion;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::prt_support::*;
use crate::session::{Held, device_row, held, sign};
use crate::support::*;

const AAD_POWERSHELL: &str = "1b730954-1685-4b74-9bfd-dac224a7b894";
const NATIVE_CLIENT: &str = "https://login.microsoftonline.com/common/oauth2/nativeclient";

/// The cookie's payload as roadtx builds it (`is_primary` a string; a nonce or an `iat`).
fn credential(h: &Held, nonce: Option<&str>, kdf: KdfVersion) -> String {
    let mut claims = json!({ "refresh_token": h.prt, "is_primary": "true" });
    match nonce {
        Some(n) => claims["request_nonce"] = json!(n),
        None => {
            let now = time::OffsetDateTime::now_utc().unix_timestamp();
            claims["iat"] = json!(now.to_string());
        }
    }
    sign(&h.key, &claims, kdf)
}

enum Via {
    Cookie,
    Header,
}

/// roadtx's authorize request (v1, resource Graph), without following redirects.
async fn authorize(rig: &Rig, credential: &str, via: Via) -> reqwest::Response {
    let http = reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(&rig.ca_pem).unwrap())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let request = http.get(rig.url("/contoso.test/oauth2/authorize")).query(&[
        ("client_id", AAD_POWERSHELL),
        ("response_type", "code"),
        ("haschrome", "1"),
        ("redirect_uri", NATIVE_CLIENT),
        ("resource", "https://graph.microsoft.com"),
        ("sso_nonce", "ignored"),
    ]);
    let request = match via {
        Via::Cookie => request.header(
            "cookie",
            format!("x-ms-RefreshTokenCredential={credential}"),
        ),
        Via::Header => request.header("x-ms-RefreshTokenCredential", credential),
    };
    request.send().await.unwrap()
}

/// The code from a 302 to the native client's redirect URI.
fn code_of(response: &reqwest::Response) -> String {
    assert_eq!(response.status(), StatusCode::FOUND);
    let location = response.headers()["location"].to_str().unwrap();
    assert!(location.starts_with(NATIVE_CLIENT), "{location}");
    let url = reqwest::Url::parse(location).unwrap();
    url.query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .unwrap()
}

async fn redeem(rig: &Rig, code: &str) -> Value {
    let response = rig
        .http
        .post(rig.url("/contoso.test/oauth2/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", AAD_POWERSHELL),
            ("code", code),
            ("redirect_uri", NATIVE_CLIENT),
            ("resource", "https://graph.microsoft.com"),
        ])
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

/// The sign-in page, not an error and not a code.
async fn assert_sign_in_page(response: reqwest::Response) {
    assert_eq!(response.status(), StatusCode::OK);
    let html = response.text().await.unwrap();
    assert!(html.contains("<form"), "{html}");
}

#[tokio::test]
async fn a_valid_credential_signs_in_without_a_prompt() {
    let rig = Rig::start().await;
    let h = held(&rig).await;
    let row = device_row(&rig, &h.device).await;

    // roadtx's KDFv2 cookie with a nonce.
    let cookie = credential(&h, Some(&nonce(&rig).await), KdfVersion::V2);
    let response = authorize(&rig, &cookie, Via::Cookie).await;
    let tokens = redeem(&rig, &code_of(&response)).await;
    let at = claims(tokens["access_token"].as_str().unwrap());
    assert_eq!(at["oid"], rig.fx.alice.id.to_string());
    assert_eq!(at["deviceid"], row.device_id.to_string());

    // The header, KDFv1, with a recent iat instead of a nonce.
    let header = credential(&h, None, KdfVersion::V1);
    let response = authorize(&rig, &header, Via::Header).await;
    let tokens = redeem(&rig, &code_of(&response)).await;
    let at = claims(tokens["access_token"].as_str().unwrap());
    assert_eq!(at["deviceid"], row.device_id.to_string());

    // A nonce is single-use: the replayed cookie gets the sign-in page.
    assert_sign_in_page(authorize(&rig, &cookie, Via::Cookie).await).await;
}

#[tokio::test]
async fn a_bad_credential_falls_back_to_the_sign_in_page() {
    let rig = Rig::start().await;
    let h = held(&rig).await;

    // Garbage.
    assert_sign_in_page(authorize(&rig, "not.a.jws", Via::Cookie).await).await;
    // Signed with another key.
    let forged = Held {
        device: h.device,
        prt: h.prt.clone(),
        key: SecretBytes::new(vec![9u8; 32]),
    };
    let bad = credential(&forged, Some(&nonce(&rig).await), KdfVersion::V2);
    assert_sign_in_page(authorize(&rig, &bad, Via::Header).await).await;
    // Stale iat.
    let mut claims = json!({ "refresh_token": h.prt, "is_primary": "true" });
    let stale = time::OffsetDateTime::now_utc().unix_timestamp() - 3600;
    claims["iat"] = json!(stale.to_string());
    let stale = sign(&h.key, &claims, KdfVersion::V2);
    assert_sign_in_page(authorize(&rig, &stale, Via::Cookie).await).await;

    // A disabled device's PRT (revoked, and still after re-enabling).
    let row = device_row(&rig, &forged.device).await;
    let directory = &rig.server.directory;
    directory
        .set_device_enabled(&ops(), rig.tenant(), row.object_id, false)
        .await
        .unwrap();
    directory
        .set_device_enabled(&ops(), rig.tenant(), row.object_id, true)
        .await
        .unwrap();
    let held_again = Held {
        device: forged.device,
        prt: h.prt,
        key: h.key,
    };
    let revoked = credential(&held_again, Some(&nonce(&rig).await), KdfVersion::V2);
    assert_sign_in_page(authorize(&rig, &revoked, Via::Cookie).await).await;
}
