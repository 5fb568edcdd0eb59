//! Bad join requests: each gets a 4xx DRS error that says what is wrong, and none leaves
//! a device row behind.

use cerulean_directory::NewApplication;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::*;

/// A CSR for an RSA-1024 key (made by `openssl req -new -newkey rsa:1024`).
const CSR_RSA_1024: &str = "MIIBbjCB2AIBADAvMS0wKwYDVQQDDCQ3RTk4MEFEOS1CODZELTQzMDYtOTQyNS05QUMwNjZGQjAxNEEwgZ8wDQYJKoZIhvcN\
AQEBBQADgY0AMIGJAoGBALSID/iZtI+6pboSI/Hnea0ILAoHLyUWYw7jYl3+f80y/8Tnr/BUEg0f6Sozu3jP381Lt7rBuOTe\
tG7kPOBqqhuykhTH23Ls1Q536zufEwYoNp4FnHypCel1jiqOl1lOetFeNTarUFzsemol2f393O0z96tZy8PryZvwdMlw808j\
AgMBAAGgADANBgkqhkiG9w0BAQsFAAOBgQCTvtzjkiCfR26m1Wj/G6MEBnxUK2qQbW5+NmyEucR8VMcP5NO5wGjGbTVjgy1G\
dyt3ILM3o8a9zJxNV6CwjgjHCjpjg7f6q7mE0E6IHWXi52kjY5NHcorFZHV7FAZIJGvaBVVBG4PNXJGM6X+Bt37W5WsXAZgC\
3O2/0Au0MWFX9g==";

async fn expect(
    rig: &Rig,
    token: &str,
    body: String,
    version: &str,
    status: StatusCode,
    kind: &str,
    needle: &str,
) {
    let (got, response) = rig.post_join_with(&rig.http, token, body, version).await;
    assert_eq!(got, status, "{needle}: {response}");
    assert_eq!(error_type(&response), kind, "{response}");
    let message = response["Message"].as_str().unwrap();
    assert!(message.contains(needle), "{needle:?} not in {message:?}");
}

#[tokio::test]
async fn malformed_requests_are_400_with_a_reason() {
    let rig = Rig::start().await;
    let token = rig.token("alice").await;
    let keys = DeviceKeys::new();
    let good = join_body(&keys, 0, "dev");
    let with = |change: &dyn Fn(&mut Value)| {
        let mut body = good.clone();
        change(&mut body);
        body.to_string()
    };
    let bad_request = StatusCode::BAD_REQUEST;

    let mut broken_signature = keys.csr_der.clone();
    let last = broken_signature.len() - 1;
    broken_signature[last] ^= 0x01;
    let mut wrong_lengths = keys.transport_blob.clone();
    wrong_lengths[12..16].copy_from_slice(&255u32.to_le_bytes());
    let mut with_primes = keys.transport_blob.clone();
    with_primes[16..20].copy_from_slice(&128u32.to_le_bytes());

    let cases: Vec<(String, &str)> = vec![
        ("{not json".to_owned(), "not valid JSON"),
        ("[]".to_owned(), "JSON object"),
        (
            with(&|b| b["CertificateRequest"]["Data"] = json!("%%%not base64%%%")),
            "CertificateRequest.Data is not valid base64",
        ),
        (
            with(&|b| b["CertificateRequest"]["Data"] = json!(b64(&broken_signature))),
            "CertificateRequest.Data was refused",
        ),
        (
            with(&|b| b["CertificateRequest"]["Data"] = json!(CSR_RSA_1024)),
            "1024",
        ),
        (
            with(&|b| b["TransportKey"] = json!(b64(&wrong_lengths))),
            "TransportKey was refused",
        ),
        (
            with(&|b| b["TransportKey"] = json!(b64(&with_primes))),
            "TransportKey was refused",
        ),
        (
            with(&|b| b["TransportKey"] = json!(b64(b"RSA1 short"))),
            "TransportKey was refused",
        ),
        (
            with(&|b| b["JoinType"] = json!(7)),
            "JoinType 7 is not supported",
        ),
        (with(&|b| b["JoinType"] = json!(6)), "hybrid join"),
        (
            with(&|b| b["CertificateRequest"]["Type"] = json!("x509")),
            "pkcs10",
        ),
        (
            with(&|b| {
                b.as_object_mut().unwrap().remove("DeviceDisplayName");
            }),
            "DeviceDisplayName is required",
        ),
        (
            with(&|b| b["OSVersion"] = json!("9".repeat(100))),
            "operating system version",
        ),
        (
            // Valid JSON, well over the 64 KiB a join body may have.
            with(&|b| b["Padding"] = json!("x".repeat(100_000))),
            "larger than 65536 bytes",
        ),
    ];
    for (body, needle) in cases {
        expect(
            &rig,
            &token,
            body,
            "2.0",
            bad_request,
            "InvalidRequest",
            needle,
        )
        .await;
    }
    for (version, needle) in [("4.0", "'4.0'"), ("", "required"), ("two", "'two'")] {
        expect(
            &rig,
            &token,
            good.to_string(),
            version,
            bad_request,
            "InvalidRequest",
            needle,
        )
        .await;
    }
    assert!(rig.devices_of(&rig.fx.alice).await.is_empty());
    // And the good body still works.
    rig.join(&token, &keys).await;
}

#[tokio::test]
async fn tokens_that_are_not_a_users_drs_token_are_401() {
    let rig = Rig::start().await;
    let keys = DeviceKeys::new();
    let body = join_body(&keys, 0, "dev").to_string();
    let unauthorized = StatusCode::UNAUTHORIZED;
    let auth = "AuthenticationError";

    // No token at all.
    let response = rig
        .http
        .post(rig.url("/EnrollmentServer/device/?api-version=2.0"))
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), unauthorized);
    let value: Value = response.json().await.unwrap();
    assert_eq!(error_type(&value), auth);

    // Garbage, and a token for another audience (Graph).
    expect(
        &rig,
        "not.a.jwt",
        body.clone(),
        "2.0",
        unauthorized,
        auth,
        "refused",
    )
    .await;
    let graph = rig
        .token_for(
            "alice@contoso.test",
            "contoso.test",
            "https://graph.microsoft.com",
        )
        .await;
    expect(
        &rig,
        &graph,
        body.clone(),
        "2.0",
        unauthorized,
        auth,
        "urn:ms-drs",
    )
    .await;

    // Another tenant's key signing this tenant's claims.
    let fabrikam = rig
        .server
        .directory
        .create_tenant(&ops(), "Fabrikam", "fabrikam.test")
        .await
        .unwrap();
    let alice = rig.token("alice").await;
    let forged = rig.sign(fabrikam.id, &claims(&alice)).await;
    expect(
        &rig,
        &forged,
        body.clone(),
        "2.0",
        unauthorized,
        auth,
        "refused",
    )
    .await;

    // A user of another tenant naming this one as TargetDomain.
    rig.server
        .directory
        .create_user(
            &ops(),
            cerulean_directory::NewUser {
                upn: "frank@fabrikam.test".into(),
                display_name: "Frank".into(),
                password: Some(cerulean_crypto::SecretString::new(
                    cerulean_testkit::FIXTURE_PASSWORD.into(),
                )),
                roles: Default::default(),
                enabled: true,
            },
        )
        .await
        .unwrap();
    let frank = rig
        .token_for("frank@fabrikam.test", "fabrikam.test", DRS_URN)
        .await;
    expect(
        &rig,
        &frank,
        body.clone(),
        "2.0",
        StatusCode::BAD_REQUEST,
        "InvalidRequest",
        "another organization",
    )
    .await;

    // An app-only token (client credentials) for the DRS.
    let directory = &rig.server.directory;
    let daemon = directory
        .create_application(
            &ops(),
            rig.tenant(),
            NewApplication {
                display_name: "Daemon".into(),
                public_client: false,
                redirect_uris: vec![],
                identifier_uris: vec![],
            },
        )
        .await
        .unwrap();
    let secret = directory
        .add_client_secret(&ops(), rig.tenant(), daemon.client_id, "ci", None)
        .await
        .unwrap();
    let response = rig
        .http
        .post(rig.url("/contoso.test/oauth2/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &daemon.client_id.to_string()),
            ("client_secret", secret.plaintext.expose()),
            ("resource", DRS_URN),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let app_token: Value = response.json().await.unwrap();
    let app_token = app_token["access_token"].as_str().unwrap();
    expect(&rig, app_token, body, "2.0", unauthorized, auth, "no user").await;

    assert!(rig.devices_of(&rig.fx.alice).await.is_empty());
    let listed = directory
        .list_devices(fabrikam.id, &Default::default())
        .await
        .unwrap();
    assert!(listed.devices.is_empty());
}
