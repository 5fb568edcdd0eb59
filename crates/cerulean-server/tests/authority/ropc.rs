//! The password grant: response shapes, claims, and every refusal.

use cerulean_directory::{DomainKind, FederationSettings};

use crate::support::*;

#[tokio::test]
async fn v2_password_grant_has_entra_shape() {
    let env = Env::new().await;
    let r = env
        .post(
            "/contoso.test/oauth2/v2.0/token",
            &[
                ("grant_type", "password"),
                ("client_id", AZURE_CLI),
                (
                    "scope",
                    "https://graph.microsoft.com/.default offline_access openid profile",
                ),
                ("username", "alice@contoso.test"),
                ("password", PASSWORD),
                ("client_info", "1"),
                ("x-client-SKU", "MSAL.Python"),
            ],
        )
        .await;
    r.assert_ok();
    assert_eq!(r.header_of("cache-control"), "no-store");
    let j = &r.json;
    assert_eq!(j["token_type"], "Bearer");
    for number in ["expires_in", "ext_expires_in", "expires_on"] {
        assert!(j[number].is_u64(), "{number} must be a number: {}", r.body);
    }
    assert_eq!(j["expires_in"], 3600);
    assert!(j["refresh_token"].is_string());
    assert_eq!(j["foci"], "1");
    assert!(j.get("resource").is_none());
    let scope = r.str("scope");
    assert!(
        scope.contains("https://graph.microsoft.com/.default"),
        "{scope}"
    );
    assert!(scope.contains("openid"), "{scope}");
    // client_info: {uid, utid} as GUIDs.
    let info = cerulean_proto::oauth2::ClientInfo::decode(&r.str("client_info")).unwrap();
    assert_eq!(info.uid, env.alice.id.0);
    assert_eq!(info.utid, env.tenant.id.0);

    let at = r.claims("access_token");
    let tid = env.tenant.id.to_string();
    assert_eq!(at["aud"], GRAPH);
    // Graph is first-party: a v1 token, as Entra issues.
    assert_eq!(at["ver"], "1.0");
    assert!(at["iss"].as_str().unwrap().ends_with(&format!("/{tid}/")));
    assert_eq!(at["tid"], tid);
    assert_eq!(at["oid"], env.alice.id.to_string());
    assert_eq!(at["upn"], "alice@contoso.test");
    assert_eq!(at["unique_name"], "alice@contoso.test");
    assert_eq!(at["name"], "Alice Adams");
    assert_eq!(at["amr"], serde_json::json!(["pwd"]));
    assert_eq!(at["appid"], AZURE_CLI);
    assert_eq!(at["azp"], AZURE_CLI);
    assert_eq!(at["appidacr"], "0");
    assert_eq!(at["idtyp"], "user");
    assert!(at["scp"].as_str().unwrap().contains("User.Read"));
    assert!(at["uti"].is_string());
    assert!(at.get("nonce").is_none());
    assert_eq!(
        at["exp"].as_i64().unwrap() - at["iat"].as_i64().unwrap(),
        3600
    );
    let header = jwt_header(&r.str("access_token"));
    assert_eq!(header["alg"], "RS256");
    assert_eq!(header["typ"], "JWT");
    assert!(header["kid"].is_string() && header["x5t"].is_string());

    let id = r.claims("id_token");
    assert_eq!(id["aud"], AZURE_CLI);
    assert_eq!(id["ver"], "2.0");
    assert!(
        id["iss"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/{tid}/v2.0"))
    );
    assert_eq!(id["preferred_username"], "alice@contoso.test");
    assert_eq!(id["oid"], env.alice.id.to_string());
    assert_eq!(id["name"], "Alice Adams");
    assert!(id["sub"].is_string());
    assert!(id.get("nonce").is_none());
    // The pairwise subject is the same in both tokens of one client.
    assert_eq!(id["sub"], at["sub"]);
}

#[tokio::test]
async fn v1_password_grant_for_the_drs_like_roadtx() {
    let env = Env::new().await;
    let r = env
        .post(
            "/common/oauth2/token",
            &[
                ("client_id", AZURE_CLI),
                ("grant_type", "password"),
                ("resource", DRS_URN),
                ("username", "alice@contoso.test"),
                ("password", PASSWORD),
            ],
        )
        .await;
    r.assert_ok();
    let j = &r.json;
    // v1: numeric strings, resource echoed, id token always.
    for text in ["expires_in", "ext_expires_in", "expires_on", "not_before"] {
        assert!(j[text].is_string(), "{text} must be a string: {}", r.body);
    }
    assert_eq!(j["resource"], DRS_URN);
    assert!(j["id_token"].is_string());
    assert!(j["refresh_token"].is_string());
    assert!(j.get("client_info").is_none());
    let at = r.claims("access_token");
    assert_eq!(at["aud"], DRS_URN);
    assert_eq!(at["appid"], AZURE_CLI);
    let id = r.claims("id_token");
    assert_eq!(id["ver"], "1.0");
    assert_eq!(id["upn"], "alice@contoso.test");
}

#[tokio::test]
async fn drs_audience_is_the_urn_however_asked() {
    let env = Env::new().await;
    for scope in [
        DRS_URN,
        "urn:ms-drs:enterpriseregistration.windows.net/.default",
        "01cb2876-7ebd-4aa4-9cc9-d28bd4d359a9",
        "01cb2876-7ebd-4aa4-9cc9-d28bd4d359a9/.default openid profile offline_access",
    ] {
        let r = env.ropc_v2(scope).await;
        r.assert_ok();
        assert_eq!(r.claims("access_token")["aud"], DRS_URN, "{scope}");
    }
    for resource in [DRS_URN, DRS_APP] {
        let r = env
            .post(
                "/contoso.test/oauth2/token",
                &[
                    ("grant_type", "password"),
                    ("client_id", AZURE_CLI),
                    ("resource", resource),
                    ("username", "alice@contoso.test"),
                    ("password", PASSWORD),
                ],
            )
            .await;
        r.assert_ok();
        assert_eq!(r.claims("access_token")["aud"], DRS_URN, "{resource}");
    }
}

#[tokio::test]
async fn audiences_of_graph_custom_apis_and_oidc_only() {
    let env = Env::new().await;
    for scope in [
        "https://graph.microsoft.com/User.Read",
        "https://graph.microsoft.com//.default",
        "User.Read",
        "openid profile",
    ] {
        let r = env.ropc_v2(scope).await;
        r.assert_ok();
        assert_eq!(r.claims("access_token")["aud"], GRAPH, "{scope}");
    }
    let r = env.ropc_v2("openid profile offline_access").await;
    assert!(r.str("scope").contains("User.Read"), "{}", r.body);
    assert_eq!(r.claims("access_token")["scp"], "User.Read");
    // A custom API: its identifier URI, and a v2 token from the v2 endpoint.
    let r = env.ropc_v2("api://contoso-api/user_impersonation").await;
    r.assert_ok();
    let at = r.claims("access_token");
    assert_eq!(at["aud"], API_URI);
    assert_eq!(at["ver"], "2.0");
    assert_eq!(at["scp"], "user_impersonation");
    assert_eq!(at["preferred_username"], "alice@contoso.test");
    assert!(at["iss"].as_str().unwrap().ends_with("/v2.0"));
    // Without `openid` a v2 answer carries no id token.
    let r = env.ropc_v2("api://contoso-api/.default").await;
    assert!(r.json.get("id_token").is_none(), "{}", r.body);
}

#[tokio::test]
async fn refusals_have_their_aadsts_codes() {
    let env = Env::new().await;
    let ropc = |user: &'static str, password: &'static str| {
        let env = &env;
        async move {
            env.post(
                "/common/oauth2/v2.0/token",
                &[
                    ("grant_type", "password"),
                    ("client_id", AZURE_CLI),
                    ("scope", "openid"),
                    ("username", user),
                    ("password", password),
                ],
            )
            .await
        }
    };
    ropc("alice@contoso.test", "wrong")
        .await
        .assert_error(400, "invalid_grant", 50126);
    ropc("nobody@contoso.test", PASSWORD)
        .await
        .assert_error(400, "invalid_grant", 50034);
    ropc("alice@unknown.test", PASSWORD)
        .await
        .assert_error(400, "invalid_grant", 50034);
    let carol = env.user("carol@contoso.test", "Carol").await;
    env.disable(&carol).await;
    ropc("carol@contoso.test", PASSWORD)
        .await
        .assert_error(400, "invalid_grant", 50057);
    // A disabled user with a wrong password learns nothing about the account state.
    ropc("carol@contoso.test", "wrong")
        .await
        .assert_error(400, "invalid_grant", 50126);
}

#[tokio::test]
async fn requests_refused_before_the_password_is_checked() {
    let env = Env::new().await;
    let base = [
        ("grant_type", "password"),
        ("username", "alice@contoso.test"),
        ("password", "wrong"),
    ];
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut form = base.to_vec();
        form.extend_from_slice(extra);
        form
    };
    let path = "/contoso.test/oauth2/v2.0/token";
    env.post(
        path,
        &with(&[("client_id", "not-a-guid"), ("scope", "openid")]),
    )
    .await
    .assert_error(400, "unauthorized_client", 700016);
    env.post(
        path,
        &with(&[
            ("client_id", "11111111-2222-3333-4444-555555555555"),
            ("scope", "openid"),
        ]),
    )
    .await
    .assert_error(400, "unauthorized_client", 700016);
    env.post(
        path,
        &with(&[
            ("client_id", AZURE_CLI),
            ("scope", "api://nothing-here/.default"),
        ]),
    )
    .await
    .assert_error(400, "invalid_resource", 500011);
    env.post(
        path,
        &with(&[
            ("client_id", AZURE_CLI),
            ("scope", "https://graph.microsoft.com/Mail.Send"),
        ]),
    )
    .await
    .assert_error(400, "invalid_scope", 70011);
    env.post(
        path,
        &with(&[
            ("client_id", AZURE_CLI),
            ("scope", "User.Read api://contoso-api/.default"),
        ]),
    )
    .await
    .assert_error(400, "invalid_scope", 70011);
    env.post(path, &with(&[("client_id", AZURE_CLI)]))
        .await
        .assert_error(400, "invalid_request", 900144);
    // None of these counted as a failed sign-in.
    let lockout = env
        .directory
        .store()
        .lockout_state(env.alice.id)
        .await
        .unwrap();
    assert_eq!(lockout.failures, 0);
}

#[tokio::test]
async fn another_tenants_user_is_not_found_under_this_tenant() {
    let env = Env::new().await;
    let fabrikam = env
        .directory
        .create_tenant(&ops(), "Fabrikam", "fabrikam.test")
        .await
        .unwrap();
    let path = format!("/{}/oauth2/v2.0/token", fabrikam.id);
    env.post(
        &path,
        &[
            ("grant_type", "password"),
            ("client_id", AZURE_CLI),
            ("scope", "openid"),
            ("username", "alice@contoso.test"),
            ("password", PASSWORD),
        ],
    )
    .await
    .assert_error(400, "invalid_grant", 50034);
    env.post(
        "/nowhere.test/oauth2/v2.0/token",
        &[("grant_type", "password")],
    )
    .await
    .assert_error(400, "invalid_request", 900144);
    env.post(
        "/nowhere.test/oauth2/v2.0/token",
        &[
            ("grant_type", "password"),
            ("client_id", AZURE_CLI),
            ("scope", "openid"),
            ("username", "alice@contoso.test"),
            ("password", PASSWORD),
        ],
    )
    .await
    .assert_error(400, "invalid_request", 90002);
}

#[tokio::test]
async fn smart_lockout_after_ten_failures() {
    let env = Env::new().await;
    let attempt = |password: &'static str| {
        let env = &env;
        async move {
            env.post(
                "/contoso.test/oauth2/token",
                &[
                    ("grant_type", "password"),
                    ("client_id", AZURE_CLI),
                    ("resource", GRAPH),
                    ("username", "alice@contoso.test"),
                    ("password", password),
                ],
            )
            .await
        }
    };
    for _ in 0..10 {
        attempt("wrong")
            .await
            .assert_error(400, "invalid_grant", 50126);
    }
    attempt("wrong")
        .await
        .assert_error(400, "invalid_grant", 50053);
    // The right password during the lockout is refused too.
    attempt(PASSWORD)
        .await
        .assert_error(400, "invalid_grant", 50053);
    let lockouts = env.audit("signin.lockout").await;
    assert_eq!(lockouts.len(), 1, "{lockouts:?}");
    assert!(!env.audit("signin.password").await.is_empty());
    // After the lockout period the right password works again.
    env.clock.advance(time::Duration::minutes(2));
    attempt(PASSWORD).await.assert_ok();
}

#[tokio::test]
async fn federated_domain_users_get_a_clear_error() {
    let env = Env::new().await;
    env.directory
        .add_domain(
            &ops(),
            env.tenant.id,
            "federated.test",
            DomainKind::Federated(FederationSettings {
                issuer_uri: "http://sts.federated.test/adfs/services/trust".into(),
                passive_sign_in_uri: "https://sts.federated.test/adfs/ls/".into(),
                ..FederationSettings::default()
            }),
        )
        .await
        .unwrap();
    env.directory
        .create_user(
            &ops(),
            cerulean_directory::NewUser {
                upn: "dave@federated.test".into(),
                display_name: "Dave".into(),
                password: None,
                roles: Default::default(),
                enabled: true,
            },
        )
        .await
        .unwrap();
    let r = env
        .post(
            "/common/oauth2/v2.0/token",
            &[
                ("grant_type", "password"),
                ("client_id", AZURE_CLI),
                ("scope", "openid"),
                ("username", "dave@federated.test"),
                ("password", PASSWORD),
            ],
        )
        .await;
    r.assert_error(400, "invalid_grant", 70000);
    assert!(
        r.str("error_description").contains("federated"),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn confidential_clients_must_authenticate_and_public_ones_must_not() {
    let env = Env::new().await;
    let daemon = env.daemon.client_id.to_string();
    let spa = env.spa.client_id.to_string();
    let form = |client: &str, secret: Option<&str>| {
        let mut f = vec![
            ("grant_type".to_owned(), "password".to_owned()),
            ("client_id".into(), client.to_owned()),
            ("scope".into(), "openid".into()),
            ("username".into(), "alice@contoso.test".into()),
            ("password".into(), PASSWORD.into()),
        ];
        if let Some(s) = secret {
            f.push(("client_secret".into(), s.to_owned()));
        }
        f
    };
    let post = |f: Vec<(String, String)>| {
        let env = &env;
        async move {
            let pairs: Vec<(&str, &str)> =
                f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            env.post("/contoso.test/oauth2/v2.0/token", &pairs).await
        }
    };
    post(form(&daemon, None))
        .await
        .assert_error(401, "invalid_client", 7000218);
    post(form(&daemon, Some("wrong")))
        .await
        .assert_error(401, "invalid_client", 7000215);
    let r = post(form(&daemon, Some(&env.daemon_secret))).await;
    r.assert_ok();
    assert_eq!(r.claims("access_token")["appidacr"], "1");
    assert!(r.json.get("foci").is_none());
    post(form(&spa, Some("anything")))
        .await
        .assert_error(401, "invalid_client", 70002);
    post(form(&spa, None)).await.assert_ok();
    assert!(!env.audit("token.client_auth").await.is_empty());
}
