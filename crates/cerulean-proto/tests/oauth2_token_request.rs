//! Token-endpoint form parsing: every client's spelling (INTEROP.md §3.7, §4.4, §5.2, §6.2,
//! §8.3), missing parameters, duplicates, oversize values, unknown fields.

use cerulean_proto::EndpointVersion;
use cerulean_proto::oauth2::{
    BasicCredentials, ClientAuthMethod, ErrorCode, GrantType, JwtBearerCredential, OAuthError,
    TokenGrant, TokenRequest,
};

fn grant(body: &str) -> Result<TokenGrant, OAuthError> {
    TokenGrant::try_from(TokenRequest::from_form_body(body.trim().as_bytes())?)
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn grant_pairs(items: &[(&str, &str)]) -> Result<TokenGrant, OAuthError> {
    TokenGrant::try_from(TokenRequest::from_pairs(&pairs(items))?)
}

#[test]
fn roadtx_polls_with_code() {
    let TokenGrant::DeviceCode(g) = grant(include_str!("data/oauth2/poll_roadtx.form")).unwrap()
    else {
        panic!("expected device code grant");
    };
    assert_eq!(g.device_code.expose(), "DAQABAAEAAADroadtx");
    assert_eq!(g.client.client_id, "04b07795-8ddb-461a-bbee-02f9e1bf7b46");
    assert_eq!(
        g.target.resource.as_deref(),
        Some("https://graph.microsoft.com")
    );
    assert!(!g.options.client_info);
}

#[test]
fn msal_python_polls_with_both_codes() {
    let TokenGrant::DeviceCode(g) =
        grant(include_str!("data/oauth2/poll_msal_python.form")).unwrap()
    else {
        panic!("expected device code grant");
    };
    assert_eq!(g.device_code.expose(), "DAQABAAEAAADmsalpy");
    assert!(g.options.client_info);
    assert_eq!(
        g.target.scopes().collect::<Vec<_>>(),
        ["openid", "profile", "offline_access"]
    );
}

#[test]
fn msal_node_polls_with_short_grant_type_and_telemetry() {
    let req =
        TokenRequest::from_form_body(include_bytes!("data/oauth2/poll_msal_node.form")).unwrap();
    assert_eq!(req.grant_type, Some(GrantType::DeviceCode));
    assert_eq!(req.redirect_uri, None, "empty value counts as absent");
    assert_eq!(
        req.client_request_id.as_deref(),
        Some("0d1e3c5a-9a8b-4c7d-8e6f-5a4b3c2d1e0f")
    );
    let TokenGrant::DeviceCode(g) = TokenGrant::try_from(req).unwrap() else {
        panic!("expected device code grant");
    };
    assert_eq!(g.device_code.expose(), "DAQABAAEAAADmsalnode");
    assert!(g.options.client_info);
}

#[test]
fn libhimmelblau_polls_with_device_code() {
    let TokenGrant::DeviceCode(g) =
        grant(include_str!("data/oauth2/poll_libhimmelblau.form")).unwrap()
    else {
        panic!("expected device code grant");
    };
    assert_eq!(g.device_code.expose(), "DAQABAAEAAADhimmelblau");
    assert_eq!(g.client.client_id, "29d9ed98-a469-4536-ade2-f981bc1d605e");
}

#[test]
fn device_code_and_code_must_agree() {
    let e = grant_pairs(&[
        ("grant_type", "device_code"),
        ("client_id", "c"),
        ("device_code", "a"),
        ("code", "b"),
    ])
    .unwrap_err();
    assert_eq!(e.error, ErrorCode::InvalidRequest);
}

#[test]
fn roadtx_prt_request_with_capital_true() {
    let TokenGrant::JwtBearer(g) = grant(include_str!("data/oauth2/prt_roadtx.form")).unwrap()
    else {
        panic!("expected jwt-bearer grant");
    };
    assert!(g.tgt);
    assert!(g.options.client_info);
    assert_eq!(g.windows_api_version.as_deref(), Some("2.2"));
    let JwtBearerCredential::Request(jwt) = &g.credential else {
        panic!("expected request=");
    };
    assert_eq!(jwt.expose().split('.').count(), 3);
}

#[test]
fn libhimmelblau_prt_request_with_lower_true() {
    let TokenGrant::JwtBearer(g) =
        grant(include_str!("data/oauth2/prt_libhimmelblau.form")).unwrap()
    else {
        panic!("expected jwt-bearer grant");
    };
    assert!(g.tgt);
    assert_eq!(g.windows_api_version.as_deref(), Some("2.0"));
}

#[test]
fn srv_challenge_needs_nothing_else() {
    let g = grant(include_str!("data/oauth2/srv_challenge.form")).unwrap();
    assert!(matches!(g, TokenGrant::SrvChallenge));
    assert_eq!(g.grant_type(), GrantType::SrvChallenge);
}

#[test]
fn roadtx_ropc_decodes_password() {
    let TokenGrant::Password(g) = grant(include_str!("data/oauth2/ropc_roadtx.form")).unwrap()
    else {
        panic!("expected password grant");
    };
    assert_eq!(g.username, "alice@contoso.test");
    assert_eq!(g.password.expose(), "P@ss w0rd&more");
    assert_eq!(
        g.target.resource.as_deref(),
        Some("urn:ms-drs:enterpriseregistration.windows.net")
    );
    assert!(g.target.require(EndpointVersion::V1).is_ok());
}

#[test]
fn msal_python_ropc() {
    let TokenGrant::Password(g) = grant(include_str!("data/oauth2/ropc_msal_python.form")).unwrap()
    else {
        panic!("expected password grant");
    };
    assert!(g.options.client_info);
    assert!(
        g.target
            .scopes()
            .any(|s| s == "https://graph.microsoft.com/.default")
    );
}

#[test]
fn msal_node_refresh_with_claims() {
    let TokenGrant::RefreshToken(g) =
        grant(include_str!("data/oauth2/refresh_msal_node.form")).unwrap()
    else {
        panic!("expected refresh grant");
    };
    assert_eq!(g.refresh_token.expose(), "1.AXkAredacted");
    assert_eq!(
        g.client.as_ref().map(|c| c.client_id.as_str()),
        Some("04b07795-8ddb-461a-bbee-02f9e1bf7b46")
    );
    assert_eq!(
        g.options.claims.as_deref(),
        Some(r#"{"id_token":{"signin_state":{"essential":true}}}"#)
    );
}

#[test]
fn refresh_without_client_id_is_accepted() {
    let TokenGrant::RefreshToken(g) = grant_pairs(&[
        ("grant_type", "refresh_token"),
        ("refresh_token", "rt"),
        ("client_info", "1"),
    ])
    .unwrap() else {
        panic!("expected refresh grant");
    };
    assert!(g.client.is_none());
}

#[test]
fn msal_python_auth_code_with_pkce() {
    let TokenGrant::AuthorizationCode(g) =
        grant(include_str!("data/oauth2/authcode_msal_python.form")).unwrap()
    else {
        panic!("expected code grant");
    };
    assert_eq!(g.code.expose(), "0.AXkAcode");
    assert_eq!(g.redirect_uri.as_deref(), Some("http://localhost:8400"));
    assert_eq!(
        g.code_verifier.as_ref().map(|v| v.expose().as_str()),
        Some("dBjftJeZ4CVP-mJ92K9r_kr8QG7n0eq4dNCHBYZgmfE")
    );
    assert_eq!(g.client.method, ClientAuthMethod::None);
}

#[test]
fn saml_bearer_grants() {
    for (urn, v1) in [
        ("urn:ietf:params:oauth:grant-type:saml1_1-bearer", true),
        ("urn:ietf:params:oauth:grant-type:saml2-bearer", false),
    ] {
        let g = grant_pairs(&[
            ("grant_type", urn),
            ("client_id", "c"),
            ("assertion", "PHNhbWw+"),
        ])
        .unwrap();
        let expected = if v1 {
            GrantType::Saml11Bearer
        } else {
            GrantType::Saml2Bearer
        };
        assert_eq!(g.grant_type(), expected);
    }
}

#[test]
fn client_credentials_need_a_secret() {
    let e = grant_pairs(&[("grant_type", "client_credentials"), ("client_id", "c")]).unwrap_err();
    assert_eq!(e.error, ErrorCode::InvalidClient);
    assert_eq!(e.http_status(), 401);
    assert_eq!(e.aadsts(), Some(7000218));

    let g = grant_pairs(&[
        ("grant_type", "client_credentials"),
        ("client_id", "c"),
        ("client_secret", "s"),
        ("scope", "https://graph.microsoft.com/.default"),
    ])
    .unwrap();
    let TokenGrant::ClientCredentials(g) = g else {
        panic!("expected client credentials");
    };
    assert_eq!(g.method, ClientAuthMethod::ClientSecretPost);
}

#[test]
fn missing_parameters_name_the_parameter() {
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[], "grant_type"),
        (
            &[
                ("grant_type", "password"),
                ("client_id", "c"),
                ("password", "p"),
            ],
            "username",
        ),
        (
            &[
                ("grant_type", "password"),
                ("client_id", "c"),
                ("username", "u"),
            ],
            "password",
        ),
        (
            &[
                ("grant_type", "password"),
                ("username", "u"),
                ("password", "p"),
            ],
            "client_id",
        ),
        (
            &[("grant_type", "authorization_code"), ("client_id", "c")],
            "code",
        ),
        (
            &[("grant_type", "refresh_token"), ("client_id", "c")],
            "refresh_token",
        ),
        (
            &[("grant_type", "device_code"), ("client_id", "c")],
            "device_code",
        ),
        (
            &[
                ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
                ("code", "x"),
            ],
            "client_id",
        ),
        (
            &[("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer")],
            "request",
        ),
        (
            &[
                (
                    "grant_type",
                    "urn:ietf:params:oauth:grant-type:saml2-bearer",
                ),
                ("client_id", "c"),
            ],
            "assertion",
        ),
        (
            &[
                ("grant_type", "password"),
                ("client_id", "c"),
                ("username", ""),
                ("password", "p"),
            ],
            "username",
        ),
    ];
    for (items, name) in cases {
        let e = grant_pairs(items).unwrap_err();
        assert_eq!(e.error, ErrorCode::InvalidRequest, "{items:?}");
        assert_eq!(e.error_codes, vec![900144], "{items:?}");
        assert_eq!(
            e.error_description,
            format!(
                "AADSTS900144: The request body must contain the following parameter: '{name}'."
            )
        );
        assert_eq!(e.http_status(), 400);
    }
}

#[test]
fn unknown_grant_type_is_unsupported() {
    let e = grant_pairs(&[("grant_type", "urn:example:magic")]).unwrap_err();
    assert_eq!(e.error, ErrorCode::UnsupportedGrantType);
    assert_eq!(e.aadsts(), Some(70003));
    // The echo in the description is bounded.
    let long = "g".repeat(5000);
    let e = grant_pairs(&[("grant_type", &long)]).unwrap_err();
    assert!(e.error_description.len() < 200);
}

#[test]
fn duplicate_parameters_are_rejected() {
    let e = TokenRequest::from_form_body(b"grant_type=password&username=a&username=b").unwrap_err();
    assert_eq!(e.error, ErrorCode::InvalidRequest);
    assert_eq!(e.aadsts(), Some(9002313));
    // Telemetry may repeat; it is not read.
    assert!(
        TokenRequest::from_form_body(b"grant_type=password&x-client-OS=a&x-client-OS=b").is_ok()
    );
}

#[test]
fn oversize_values_are_rejected() {
    let at = |n: usize| "a".repeat(n);
    let ok = |name: &str, n: usize| TokenRequest::from_pairs(&pairs(&[(name, &at(n))])).is_ok();
    assert!(ok("scope", 16 * 1024));
    assert!(!ok("scope", 16 * 1024 + 1));
    assert!(
        !ok("x-client-unknown", 16 * 1024 + 1),
        "unknown fields are bounded too"
    );
    for large in ["request", "assertion", "refresh_token"] {
        assert!(ok(large, 64 * 1024), "{large}");
        assert!(!ok(large, 64 * 1024 + 1), "{large}");
    }
    let e = TokenRequest::from_pairs(&pairs(&[("password", &at(20_000))])).unwrap_err();
    assert_eq!(e.error, ErrorCode::InvalidRequest);
}

#[test]
fn bad_flags_are_rejected() {
    let e = TokenRequest::from_form_body(b"grant_type=srv_challenge&tgt=maybe").unwrap_err();
    assert_eq!(e.error, ErrorCode::InvalidRequest);
}

#[test]
fn debug_redacts_secrets() {
    let req = TokenRequest::from_form_body(include_bytes!("data/oauth2/ropc_roadtx.form")).unwrap();
    let shown = format!("{req:?}");
    assert!(!shown.contains("P@ss"));
    let g = TokenGrant::try_from(req).unwrap();
    assert!(!format!("{g:?}").contains("P@ss"));
}

#[test]
fn basic_client_authentication() {
    // "app:s3cret" in standard base64
    let basic = BasicCredentials::parse("Basic YXBwOnMzY3JldA==").unwrap();
    let mut req = TokenRequest::from_form_body(b"grant_type=client_credentials&scope=x").unwrap();
    req.apply_basic_auth(basic).unwrap();
    let TokenGrant::ClientCredentials(g) = TokenGrant::try_from(req).unwrap() else {
        panic!("expected client credentials");
    };
    assert_eq!(g.client_id, "app");
    assert_eq!(g.client_secret.expose(), "s3cret");
    assert_eq!(g.method, ClientAuthMethod::ClientSecretBasic);

    // Two methods at once, or a different client id, are refused.
    let basic = BasicCredentials::parse("Basic YXBwOnMzY3JldA").unwrap();
    let mut req = TokenRequest::from_form_body(b"client_secret=x").unwrap();
    assert!(req.apply_basic_auth(basic).is_err());
    let basic = BasicCredentials::parse("Basic YXBwOnMzY3JldA").unwrap();
    let mut req = TokenRequest::from_form_body(b"client_id=other").unwrap();
    assert!(req.apply_basic_auth(basic).is_err());
}

#[test]
fn target_requirement_per_endpoint() {
    let TokenGrant::DeviceCode(g) = grant_pairs(&[
        ("grant_type", "device_code"),
        ("client_id", "c"),
        ("code", "d"),
    ])
    .unwrap() else {
        panic!("expected device code grant");
    };
    let v1 = g.target.require(EndpointVersion::V1).unwrap_err();
    assert!(v1.error_description.contains("'resource'"));
    let v2 = g.target.require(EndpointVersion::V2).unwrap_err();
    assert!(v2.error_description.contains("'scope'"));
}
