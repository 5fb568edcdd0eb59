//! The client-credentials grant.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::{Request, header};

use crate::support::*;

#[tokio::test]
async fn app_only_token_with_secret_in_the_body() {
    let env = Env::new().await;
    let daemon = env.daemon.client_id.to_string();
    let r = env
        .post(
            &format!("/{}/oauth2/v2.0/token", env.tenant.id),
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &daemon),
                ("client_secret", &env.daemon_secret),
                ("scope", "https://graph.microsoft.com/.default"),
            ],
        )
        .await;
    r.assert_ok();
    assert!(r.json.get("refresh_token").is_none(), "{}", r.body);
    assert!(r.json.get("id_token").is_none());
    assert!(r.json["ext_expires_in"].is_u64());
    let at = r.claims("access_token");
    assert_eq!(at["aud"], GRAPH);
    assert_eq!(at["idtyp"], "app");
    assert_eq!(at["roles"], serde_json::json!([]));
    assert!(at.get("scp").is_none());
    assert!(at.get("upn").is_none());
    assert_eq!(at["appid"], daemon);
    assert_eq!(at["appidacr"], "1");
    assert_eq!(at["oid"], daemon);
    assert_eq!(at["tid"], env.tenant.id.to_string());
}

#[tokio::test]
async fn secret_by_http_basic_and_v1_resource() {
    let env = Env::new().await;
    let daemon = env.daemon.client_id.to_string();
    let basic = STANDARD.encode(format!("{daemon}:{}", env.daemon_secret));
    let body = encode_form(&[("grant_type", "client_credentials"), ("resource", API_URI)]);
    let request = Request::post("/contoso.test/oauth2/token")
        .header(header::AUTHORIZATION, format!("Basic {basic}"))
        .body(axum::body::Body::from(body))
        .unwrap();
    let r = env.send(request).await;
    r.assert_ok();
    assert_eq!(r.json["resource"], API_URI);
    assert_eq!(r.claims("access_token")["aud"], API_URI);
}

#[tokio::test]
async fn client_credentials_refusals() {
    let env = Env::new().await;
    let daemon = env.daemon.client_id.to_string();
    let spa = env.spa.client_id.to_string();
    let path = "/contoso.test/oauth2/v2.0/token";
    let cc = |client: &str, secret: &str, scope: &str| {
        vec![
            ("grant_type".to_owned(), "client_credentials".to_owned()),
            ("client_id".into(), client.to_owned()),
            ("client_secret".into(), secret.to_owned()),
            ("scope".into(), scope.to_owned()),
        ]
    };
    let post = |path: String, form: Vec<(String, String)>| {
        let env = &env;
        async move {
            let pairs: Vec<(&str, &str)> =
                form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            env.post(&path, &pairs).await
        }
    };
    post(
        path.into(),
        cc(&daemon, "wrong", "https://graph.microsoft.com/.default"),
    )
    .await
    .assert_error(401, "invalid_client", 7000215);
    post(
        "/common/oauth2/v2.0/token".into(),
        cc(
            &daemon,
            &env.daemon_secret,
            "https://graph.microsoft.com/.default",
        ),
    )
    .await
    .assert_error(400, "invalid_request", 50059);
    post(
        path.into(),
        cc(
            &daemon,
            &env.daemon_secret,
            "https://graph.microsoft.com/User.Read",
        ),
    )
    .await
    .assert_error(400, "invalid_scope", 70011);
    post(
        path.into(),
        cc(&spa, "x", "https://graph.microsoft.com/.default"),
    )
    .await
    .assert_error(401, "invalid_client", 70002);
    env.post(
        path,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &daemon),
            ("scope", "https://graph.microsoft.com/.default"),
        ],
    )
    .await
    .assert_error(401, "invalid_client", 7000218);
    post(
        path.into(),
        cc(&daemon, &env.daemon_secret, "api://unknown/.default"),
    )
    .await
    .assert_error(400, "invalid_resource", 500011);
    // Basic and a body secret at once: one method only.
    let basic = STANDARD.encode(format!("{daemon}:{}", env.daemon_secret));
    let body = encode_form(&[
        ("grant_type", "client_credentials"),
        ("client_secret", &env.daemon_secret),
        ("scope", "https://graph.microsoft.com/.default"),
    ]);
    let request = Request::post(path)
        .header(header::AUTHORIZATION, format!("Basic {basic}"))
        .body(axum::body::Body::from(body))
        .unwrap();
    env.send(request)
        .await
        .assert_error(400, "invalid_request", 9002313);
}
