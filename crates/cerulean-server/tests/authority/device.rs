//! The device authorization endpoint and the device-code grant, with the approval done
//! directly in the store as the verification page would.

use time::Duration;

use cerulean_directory::Clock as _;

use crate::support::*;

async fn start(env: &Env, path: &str, form: &[(&str, &str)]) -> Resp {
    let r = env.post(path, form).await;
    r.assert_ok();
    r
}

async fn approve(env: &Env, user_code: &str) {
    let decided = env
        .directory
        .store()
        .decide_device_code(user_code, Some(env.auth_of(&env.alice)), env.clock.now())
        .await
        .unwrap();
    assert!(decided);
}

#[tokio::test]
async fn devicecode_response_shape_v1_and_v2() {
    let env = Env::new().await;
    let v2 = start(
        &env,
        "/contoso.test/oauth2/v2.0/devicecode",
        &[
            ("client_id", AZURE_CLI),
            ("scope", "openid profile offline_access User.Read"),
        ],
    )
    .await;
    let j = &v2.json;
    assert!(j["device_code"].is_string());
    assert!(
        j["expires_in"].is_u64() && j["interval"].is_u64(),
        "{}",
        v2.body
    );
    assert_eq!(j["expires_in"], 900);
    assert_eq!(j["interval"], 5);
    let user_code = v2.str("user_code");
    assert_eq!(user_code.len(), 9);
    assert_eq!(&user_code[4..5], "-");
    let uri = v2.str("verification_uri");
    assert!(uri.ends_with("/common/oauth2/deviceauth"), "{uri}");
    assert!(uri.starts_with("https://"), "{uri}");
    let message = v2.str("message");
    assert!(
        message.contains(&uri) && message.contains(&user_code),
        "{message}"
    );

    let v1 = start(
        &env,
        "/common/oauth2/devicecode",
        &[("client_id", AZURE_CLI), ("resource", GRAPH)],
    )
    .await;
    assert!(v1.json["verification_url"].is_string());
    assert!(v1.json["interval"].is_u64());
}

#[tokio::test]
async fn devicecode_refusals() {
    let env = Env::new().await;
    let path = "/contoso.test/oauth2/v2.0/devicecode";
    env.post(path, &[("client_id", AZURE_CLI)])
        .await
        .assert_error(400, "invalid_request", 900144);
    env.post(path, &[("scope", "openid")])
        .await
        .assert_error(400, "invalid_request", 900144);
    env.post(path, &[("client_id", "nope"), ("scope", "openid")])
        .await
        .assert_error(400, "unauthorized_client", 700016);
    let daemon = env.daemon.client_id.to_string();
    env.post(path, &[("client_id", &daemon), ("scope", "openid")])
        .await
        .assert_error(401, "invalid_client", 7000218);
    env.post(
        path,
        &[("client_id", AZURE_CLI), ("scope", "api://none/.default")],
    )
    .await
    .assert_error(400, "invalid_resource", 500011);
    env.post(
        "/nowhere.test/oauth2/v2.0/devicecode",
        &[("client_id", AZURE_CLI), ("scope", "openid")],
    )
    .await
    .assert_error(400, "invalid_request", 90002);
}

#[tokio::test]
async fn polling_pending_slow_down_then_tokens_once() {
    let env = Env::new().await;
    let started = start(
        &env,
        "/common/oauth2/v2.0/devicecode",
        &[
            ("client_id", AZURE_CLI),
            ("scope", "openid profile offline_access User.Read"),
        ],
    )
    .await;
    let device_code = started.str("device_code");
    // msal-node: short grant type, `device_code`.
    let poll_node = || {
        let env = &env;
        let device_code = device_code.clone();
        async move {
            env.post(
                "/common/oauth2/v2.0/token",
                &[
                    ("grant_type", "device_code"),
                    ("client_id", AZURE_CLI),
                    ("device_code", &device_code),
                    ("client_info", "1"),
                ],
            )
            .await
        }
    };
    poll_node()
        .await
        .assert_error(400, "authorization_pending", 70016);
    env.clock.advance(Duration::seconds(1));
    poll_node().await.assert_error(400, "slow_down", 70016);
    env.clock.advance(Duration::seconds(5));
    poll_node()
        .await
        .assert_error(400, "authorization_pending", 70016);
    approve(&env, &started.str("user_code")).await;
    env.clock.advance(Duration::seconds(5));
    let r = poll_node().await;
    r.assert_ok();
    assert!(r.json["refresh_token"].is_string());
    assert!(r.json["id_token"].is_string());
    assert!(r.json["client_info"].is_string());
    assert_eq!(r.claims("access_token")["aud"], GRAPH);
    env.clock.advance(Duration::seconds(5));
    poll_node().await.assert_error(400, "invalid_grant", 70000);
}

#[tokio::test]
async fn roadtx_polls_with_code_on_v1() {
    let env = Env::new().await;
    let started = start(
        &env,
        "/common/oauth2/devicecode",
        &[("client_id", AZURE_CLI), ("resource", DRS_URN)],
    )
    .await;
    approve(&env, &started.str("user_code")).await;
    let r = env
        .post(
            "/common/oauth2/token",
            &[
                ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                ("client_id", AZURE_CLI),
                ("code", &started.str("device_code")),
            ],
        )
        .await;
    r.assert_ok();
    assert_eq!(r.json["resource"], DRS_URN);
    assert!(r.json["expires_in"].is_string());
    assert_eq!(r.claims("access_token")["aud"], DRS_URN);
}

#[tokio::test]
async fn declined_expired_unknown_and_wrong_client() {
    let env = Env::new().await;
    let new_code = || {
        let env = &env;
        async move {
            start(
                env,
                "/common/oauth2/v2.0/devicecode",
                &[("client_id", AZURE_CLI), ("scope", "openid")],
            )
            .await
        }
    };
    let poll = |device_code: String, client: &'static str| {
        let env = &env;
        async move {
            // msal-python sends both spellings.
            env.post(
                "/common/oauth2/v2.0/token",
                &[
                    ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                    ("client_id", client),
                    ("device_code", &device_code),
                    ("code", &device_code),
                ],
            )
            .await
        }
    };
    let declined = new_code().await;
    let decided = env
        .directory
        .store()
        .decide_device_code(&declined.str("user_code"), None, env.clock.now())
        .await
        .unwrap();
    assert!(decided);
    poll(declined.str("device_code"), AZURE_CLI)
        .await
        .assert_error(400, "authorization_declined", 70000);

    let wrong_client = new_code().await;
    poll(wrong_client.str("device_code"), BROKER)
        .await
        .assert_error(400, "invalid_grant", 70000);

    poll("no-such-code".into(), AZURE_CLI)
        .await
        .assert_error(400, "bad_verification_code", 70018);

    let expired = new_code().await;
    env.clock.advance(Duration::minutes(16));
    poll(expired.str("device_code"), AZURE_CLI)
        .await
        .assert_error(400, "expired_token", 70019);
}
