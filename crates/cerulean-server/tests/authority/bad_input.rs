//! Bad input gets the right OAuth error and status, never a 500; the body is a form
//! whatever the Content-Type says.

use crate::support::*;

#[tokio::test]
async fn content_type_is_irrelevant() {
    let env = Env::new().await;
    let form = encode_form(&[
        ("grant_type", "password"),
        ("client_id", AZURE_CLI),
        ("scope", "openid"),
        ("username", "alice@contoso.test"),
        ("password", PASSWORD),
    ]);
    for content_type in [
        None,
        Some("application/x-www-form-urlencoded;charset=utf-8"),
        Some("text/plain"),
        Some("application/json"),
    ] {
        let r = env
            .post_raw(
                "/Contoso.Test/oAuth2/v2.0/token/?client-request-id=abc",
                form.clone().into_bytes(),
                content_type,
            )
            .await;
        r.assert_ok();
    }
}

#[tokio::test]
async fn malformed_and_hostile_forms() {
    let env = Env::new().await;
    let path = "/common/oauth2/v2.0/token";
    let cases: Vec<(Vec<u8>, &str, u64)> = vec![
        (b"".to_vec(), "invalid_request", 900144),
        (b"\xff\xfe\x00garbage".to_vec(), "invalid_request", 900144),
        (b"grant_type=%zz".to_vec(), "unsupported_grant_type", 70003),
        (
            b"grant_type=password&grant_type=password".to_vec(),
            "invalid_request",
            9002313,
        ),
        (
            b"grant_type=urn:ietf:params:oauth:grant-type:token-exchange".to_vec(),
            "unsupported_grant_type",
            70003,
        ),
        (b"grant_type=implicit".to_vec(), "unsupported_grant_type", 70003),
        (
            b"grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&request=a.b.c".to_vec(),
            "invalid_request",
            9002313,
        ),
        (
            b"grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&request=eyJhbGciOiJSUzI1NiJ9.e30.AAAA".to_vec(),
            "invalid_request",
            9002313,
        ),
        (
            b"grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&request=eyJhbGciOiJSUzI1NiIsIng1YyI6IkFBQUEifQ.e30.AAAA".to_vec(),
            "invalid_grant",
            70000,
        ),
        (
            b"grant_type=urn:ietf:params:oauth:grant-type:saml2-bearer&assertion=x&client_id=04b07795-8ddb-461a-bbee-02f9e1bf7b46".to_vec(),
            "unsupported_grant_type",
            70003,
        ),
        (
            b"grant_type=password&client_id=x&username=a&password=b&client_info=maybe".to_vec(),
            "invalid_request",
            9002313,
        ),
        (b"grant_type=authorization_code".to_vec(), "invalid_request", 900144),
        (b"grant_type=refresh_token".to_vec(), "invalid_request", 900144),
        (b"grant_type=device_code".to_vec(), "invalid_request", 900144),
        (b"grant_type=client_credentials&client_id=x".to_vec(), "invalid_client", 7000218),
    ];
    for (body, error, code) in cases {
        let shown = String::from_utf8_lossy(&body).into_owned();
        let r = env.post_raw(path, body, None).await;
        assert!(r.status.as_u16() < 500, "{shown}: {}", r.body);
        assert_eq!(r.json["error"], error, "{shown}: {}", r.body);
        assert_eq!(r.json["error_codes"][0], code, "{shown}: {}", r.body);
    }
}

#[tokio::test]
async fn oversized_parameters_are_refused() {
    let env = Env::new().await;
    let huge = "a".repeat(17 * 1024);
    env.post(
        "/common/oauth2/v2.0/token",
        &[
            ("grant_type", "password"),
            ("client_id", AZURE_CLI),
            ("scope", "openid"),
            ("username", &huge),
            ("password", PASSWORD),
        ],
    )
    .await
    .assert_error(400, "invalid_request", 9002313);
    let many_scopes = vec!["User.Read"; 60].join(" ");
    env.post(
        "/common/oauth2/v2.0/token",
        &[
            ("grant_type", "password"),
            ("client_id", AZURE_CLI),
            ("scope", &many_scopes),
            ("username", "alice@contoso.test"),
            ("password", PASSWORD),
        ],
    )
    .await
    .assert_error(400, "invalid_scope", 70011);
    // Beyond the server's body limit the frame answers 413 before we parse anything.
    let body = vec![b'a'; 300 * 1024];
    let r = env.post_raw("/common/oauth2/v2.0/token", body, None).await;
    assert_eq!(r.status.as_u16(), 413);
}

#[tokio::test]
async fn unknown_tenants_and_basic_auth_garbage() {
    let env = Env::new().await;
    let r = env
        .post(
            "/not-a-tenant/oauth2/token",
            &[
                ("grant_type", "password"),
                ("client_id", AZURE_CLI),
                ("resource", GRAPH),
                ("username", "a@b.c"),
                ("password", "x"),
            ],
        )
        .await;
    r.assert_error(400, "invalid_request", 90002);
    let request = http::Request::post("/common/oauth2/token")
        .header(http::header::AUTHORIZATION, "Basic !!!")
        .body(axum::body::Body::from("grant_type=client_credentials"))
        .unwrap();
    env.send(request)
        .await
        .assert_error(401, "invalid_client", 70002);
    // A bearer header on the token endpoint is not client authentication: ignored.
    let request = http::Request::post("/common/oauth2/token")
        .header(http::header::AUTHORIZATION, "Bearer abc")
        .body(axum::body::Body::from("grant_type=nope"))
        .unwrap();
    env.send(request)
        .await
        .assert_error(400, "unsupported_grant_type", 70003);
}

#[tokio::test]
async fn metrics_count_grants_and_results() {
    let env = Env::new().await;
    env.ropc_v2("openid").await.assert_ok();
    env.post_raw(
        "/common/oauth2/v2.0/token",
        b"grant_type=nope".to_vec(),
        None,
    )
    .await;
    let text = env.state.metrics.render().unwrap();
    assert!(
        text.contains(r#"cerulean_tokens_issued_total{grant="password",result="success"} 1"#),
        "{text}"
    );
    assert!(
        text.contains(
            r#"cerulean_tokens_issued_total{grant="other",result="unsupported_grant_type"} 1"#
        ),
        "{text}"
    );
}
