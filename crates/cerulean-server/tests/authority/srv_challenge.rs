//! `grant_type=srv_challenge`: the PRT nonce (PROTOCOLS.md §5.1, INTEROP.md §3.1).

use cerulean_crypto::b64::b64url_decode;
use cerulean_directory::Clock as _;
use cerulean_testkit::TestServer;
use http::StatusCode;

use crate::support::*;

fn assert_nonce(r: &Resp) -> String {
    r.assert_ok();
    assert_eq!(r.header_of("cache-control"), "no-store", "{}", r.body);
    assert!(r.header_of("content-type").starts_with("application/json"));
    let obj = r.json.as_object().expect("a JSON object");
    assert_eq!(obj.len(), 1, "{}", r.body);
    let nonce = r.json["Nonce"].as_str().expect("a string Nonce").to_owned();
    assert!(b64url_decode(&nonce).is_ok_and(|b| b.len() > 16), "{nonce}");
    nonce
}

#[tokio::test]
async fn every_tenant_form_and_endpoint_version() {
    let env = Env::new().await;
    let tenant = env.tenant.id.to_string();
    let mut seen = Vec::new();
    for segment in ["common", "organizations", tenant.as_str(), "contoso.test"] {
        for version in ["oauth2/token", "oauth2/v2.0/token"] {
            let r = env
                .post(
                    &format!("/{segment}/{version}"),
                    &[("grant_type", "srv_challenge")],
                )
                .await;
            let nonce = assert_nonce(&r);
            // Issued by this deployment and fresh.
            assert_eq!(
                env.state.nonces.verify(&nonce, env.clock.now()).await,
                Ok(())
            );
            seen.push(nonce);
        }
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 8, "every nonce is new");
}

#[tokio::test]
async fn extra_fields_and_missing_content_type_are_fine() {
    let env = Env::new().await;
    // AADInternals / Windows extras.
    let r = env
        .post(
            "/common/oauth2/token",
            &[
                ("grant_type", "srv_challenge"),
                ("windows_api_version", "2.0"),
                ("client_id", BROKER),
                ("redirect_uri", "ms-appx-web://Microsoft.AAD.BrokerPlugin/x"),
                ("resource", DRS_URN),
                ("whatever", "1"),
            ],
        )
        .await;
    assert_nonce(&r);
    // libhimmelblau sends no Content-Type.
    let r = env
        .post_raw(
            &format!("/{}/oauth2/token", env.tenant.id),
            b"grant_type=srv_challenge".to_vec(),
            None,
        )
        .await;
    assert_nonce(&r);
}

#[tokio::test]
async fn unknown_tenant_is_refused() {
    let env = Env::new().await;
    let r = env
        .post(
            "/nowhere.example/oauth2/token",
            &[("grant_type", "srv_challenge")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.json.get("Nonce").is_none());
    assert!(r.json["error"].is_string());
}

#[tokio::test]
async fn the_nonce_is_consumed_once() {
    let env = Env::new().await;
    let r = env
        .post("/common/oauth2/token", &[("grant_type", "srv_challenge")])
        .await;
    let nonce = assert_nonce(&r);
    let now = env.clock.now();
    assert_eq!(
        env.state.nonces.verify_and_consume(&nonce, now).await,
        Ok(())
    );
    assert_eq!(
        env.state.nonces.verify_and_consume(&nonce, now).await,
        Err(cerulean_server::nonce::NonceError::Replayed)
    );
}

/// Over real HTTPS against the testkit server, as roadtx would ask.
#[tokio::test]
async fn over_https_with_the_testkit_server() {
    let server = TestServer::start().await.unwrap();
    let ca = std::fs::read(&server.ca_path).unwrap();
    let client = reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(&ca).unwrap())
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .unwrap();
    let tenant = server.fixtures.as_ref().unwrap().tenant.id;
    for path in [
        "/common/oauth2/token".to_owned(),
        format!("/{tenant}/oauth2/v2.0/token"),
    ] {
        let r = client
            .post(format!("{}{path}", server.base_url()))
            .form(&[("grant_type", "srv_challenge")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), reqwest::StatusCode::OK);
        assert_eq!(
            r.headers().get("cache-control").unwrap().to_str().unwrap(),
            "no-store"
        );
        let body: serde_json::Value = r.json().await.unwrap();
        let nonce = body["Nonce"].as_str().unwrap();
        let now = server.directory.clock().now();
        assert_eq!(server.state.nonces.verify(nonce, now).await, Ok(()));
    }
    server.stop().await;
}
