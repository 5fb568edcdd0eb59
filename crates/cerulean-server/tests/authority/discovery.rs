//! OIDC discovery, JWKS, instance discovery, realm discovery and userinfo.

use cerulean_directory::{Branding, DomainKind, FederationSettings};
use http::{Request, header};

use crate::support::*;

#[tokio::test]
async fn openid_configuration_v2_for_every_tenant_form() {
    let env = Env::new().await;
    let tid = env.tenant.id.to_string();
    for segment in [tid.as_str(), "contoso.test", "CONTOSO.TEST"] {
        let r = env
            .get(&format!("/{segment}/v2.0/.well-known/openid-configuration"))
            .await;
        r.assert_ok();
        let j = &r.json;
        let base = "https://localhost:8443";
        assert_eq!(j["issuer"], format!("{base}/{tid}/v2.0"));
        assert_eq!(
            j["token_endpoint"],
            format!("{base}/{tid}/oauth2/v2.0/token")
        );
        assert_eq!(
            j["authorization_endpoint"],
            format!("{base}/{tid}/oauth2/v2.0/authorize")
        );
        assert_eq!(
            j["device_authorization_endpoint"],
            format!("{base}/{tid}/oauth2/v2.0/devicecode")
        );
        assert_eq!(j["jwks_uri"], format!("{base}/{tid}/discovery/v2.0/keys"));
        assert_eq!(
            j["end_session_endpoint"],
            format!("{base}/{tid}/oauth2/v2.0/logout")
        );
        assert_eq!(
            j["userinfo_endpoint"],
            format!("{base}/{tid}/openid/userinfo")
        );
        assert_eq!(j["id_token_signing_alg_values_supported"][0], "RS256");
    }
    let common = env
        .get("/common/v2.0/.well-known/openid-configuration")
        .await;
    common.assert_ok();
    assert_eq!(
        common.json["issuer"],
        "https://localhost:8443/{tenantid}/v2.0"
    );
    assert_eq!(
        common.json["token_endpoint"],
        "https://localhost:8443/common/oauth2/v2.0/token"
    );
    let orgs = env
        .get("/organizations/.well-known/openid-configuration")
        .await;
    assert_eq!(orgs.json["issuer"], "https://localhost:8443/{tenantid}/");
    assert_eq!(
        orgs.json["token_endpoint"],
        "https://localhost:8443/organizations/oauth2/token"
    );
    env.get("/nowhere.test/v2.0/.well-known/openid-configuration")
        .await
        .assert_error(400, "invalid_request", 90002);
}

#[tokio::test]
async fn urls_follow_the_host_the_client_used() {
    let mut config = cerulean_server::Config::default();
    config.server.hosts = vec!["login.microsoftonline.com".into(), "localhost".into()];
    let env = Env::with_config(config).await;
    let request = Request::get("/common/.well-known/openid-configuration")
        .header(header::HOST, "login.microsoftonline.com")
        .body(axum::body::Body::empty())
        .unwrap();
    let r = env.send(request).await;
    assert_eq!(
        r.json["token_endpoint"],
        "https://login.microsoftonline.com/common/oauth2/token"
    );
    // A token minted through that host validates (its issuer base is configured).
    let request = Request::post("/contoso.test/oauth2/v2.0/token")
        .header(header::HOST, "login.microsoftonline.com")
        .body(axum::body::Body::from(encode_form(&[
            ("grant_type", "password"),
            ("client_id", AZURE_CLI),
            ("scope", "User.Read"),
            ("username", "alice@contoso.test"),
            ("password", PASSWORD),
        ])))
        .unwrap();
    let token = env.send(request).await;
    token.assert_ok();
    let tid = env.tenant.id;
    assert_eq!(
        token.claims("access_token")["iss"],
        format!("https://login.microsoftonline.com/{tid}/")
    );
    let validated = cerulean_server::authority::validate_access_token(
        &env.state,
        &token.str("access_token"),
        &[GRAPH],
    )
    .await
    .unwrap();
    assert_eq!(validated.tenant.id, tid);
}

#[tokio::test]
async fn jwks_publish_the_signing_key() {
    let env = Env::new().await;
    let token = env.ropc_v2("User.Read").await.str("access_token");
    let header = jwt_header(&token);
    let r = env.get("/contoso.test/discovery/keys").await;
    r.assert_ok();
    let keys = r.json["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    let key = &keys[0];
    assert_eq!(key["kty"], "RSA");
    assert_eq!(key["use"], "sig");
    assert_eq!(key["kid"], header["kid"]);
    assert_eq!(key["x5t"], header["x5t"]);
    assert_eq!(key["e"], "AQAB");
    assert!(key["n"].as_str().unwrap().len() > 300);
    assert!(key["x5c"][0].is_string());
    // v2 keys name their issuer; common lists every tenant's keys.
    let v2 = env.get("/contoso.test/discovery/v2.0/keys").await;
    assert!(
        v2.json["keys"][0]["issuer"]
            .as_str()
            .unwrap()
            .ends_with("/v2.0")
    );
    let fabrikam = env
        .directory
        .create_tenant(&ops(), "Fabrikam", "fabrikam.test")
        .await
        .unwrap();
    env.get(&format!("/{}/discovery/keys", fabrikam.id))
        .await
        .assert_ok();
    let common = env.get("/common/discovery/keys").await;
    assert_eq!(common.json["keys"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn instance_discovery() {
    let env = Env::new().await;
    let r = env
        .get("/common/discovery/instance?api-version=1.1&authorization_endpoint=https://127.0.0.1:8443/contoso.test/oauth2/v2.0/authorize")
        .await;
    r.assert_ok();
    assert_eq!(
        r.json["tenant_discovery_endpoint"],
        "https://127.0.0.1:8443/contoso.test/v2.0/.well-known/openid-configuration"
    );
    assert_eq!(r.json["metadata"][0]["preferred_network"], "127.0.0.1:8443");
    let other = env
        .get("/common/discovery/instance?api-version=1.1&authorization_endpoint=https://evil.test/common/oauth2/v2.0/authorize")
        .await;
    other.assert_error(400, "invalid_instance", 50049);
    let bare = env.get("/common/discovery/instance?api-version=1.1").await;
    bare.assert_ok();
}

#[tokio::test]
async fn user_realm_managed_unknown_and_federated() {
    let env = Env::new().await;
    let v1 = env
        .get("/common/UserRealm/alice%40contoso.test?api-version=1.0")
        .await;
    v1.assert_ok();
    assert_eq!(v1.json["account_type"], "Managed");
    assert_eq!(v1.json["domain_name"], "contoso.test");
    let unknown = env
        .get("/common/userrealm/someone@unknown.test?api-version=1.0")
        .await;
    unknown.assert_ok();
    assert_eq!(unknown.json["account_type"], "Unknown");

    env.directory
        .update_tenant(
            &ops(),
            env.tenant.id,
            None,
            Some(Branding {
                background_color: Some("#0078d4".into()),
                ..Branding::default()
            }),
        )
        .await
        .unwrap();
    let v2 = env
        .get("/common/userrealm/alice@contoso.test?api-version=2.0")
        .await;
    assert_eq!(v2.json["NameSpaceType"], "Managed");
    assert_eq!(v2.json["FederationBrandName"], "Contoso");
    assert_eq!(
        v2.json["TenantBrandingInfo"][0]["BackgroundColor"],
        "#0078d4"
    );

    env.directory
        .add_domain(
            &ops(),
            env.tenant.id,
            "federated.test",
            DomainKind::Federated(FederationSettings {
                issuer_uri: "http://sts.federated.test/adfs/services/trust".into(),
                passive_sign_in_uri: "https://sts.federated.test/adfs/ls/".into(),
                active_sign_in_uri: Some(
                    "https://sts.federated.test/adfs/services/trust/2005/usernamemixed".into(),
                ),
                metadata_exchange_uri: Some(
                    "https://sts.federated.test/adfs/services/trust/mex".into(),
                ),
                ..FederationSettings::default()
            }),
        )
        .await
        .unwrap();
    let fed = env
        .get("/common/userrealm/dave@federated.test?api-version=1.0")
        .await;
    assert_eq!(fed.json["account_type"], "Federated");
    assert_eq!(fed.json["federation_protocol"], "WSTrust");
    assert_eq!(
        fed.json["federation_metadata_url"],
        "https://sts.federated.test/adfs/services/trust/mex"
    );
    let srf = env
        .get("/GetUserRealm.srf?login=dave%40federated.test")
        .await;
    srf.assert_ok();
    assert_eq!(srf.json["NameSpaceType"], "Federated");
    assert!(
        srf.json["AuthURL"]
            .as_str()
            .unwrap()
            .starts_with("https://sts.federated.test/adfs/ls/?username=")
    );
    env.get("/getuserrealm.srf")
        .await
        .assert_error(400, "invalid_request", 900144);
}

#[tokio::test]
async fn get_credential_type() {
    let env = Env::new().await;
    let ask = |username: &str| {
        let env = &env;
        let body = serde_json::json!({ "username": username, "isOtherIdpSupported": true })
            .to_string()
            .into_bytes();
        async move {
            env.post_raw("/common/GetCredentialType", body, Some("application/json"))
                .await
        }
    };
    let alice = ask("alice@contoso.test").await;
    alice.assert_ok();
    assert_eq!(alice.json["IfExistsResult"], 0);
    assert_eq!(alice.json["Credentials"]["HasPassword"], true);
    assert_eq!(alice.json["EstsProperties"]["DomainType"], 3);
    let nobody = ask("nobody@contoso.test").await;
    assert_eq!(nobody.json["IfExistsResult"], 1);
    let r = env
        .post_raw("/common/getcredentialtype", b"{not json".to_vec(), None)
        .await;
    r.assert_error(400, "invalid_request", 9002313);
}

#[tokio::test]
async fn userinfo_with_a_graph_token() {
    let env = Env::new().await;
    let r = env.ropc_v2("openid profile").await;
    let token = r.str("access_token");
    let request = Request::get("/contoso.test/openid/userinfo")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(axum::body::Body::empty())
        .unwrap();
    let info = env.send(request).await;
    info.assert_ok();
    assert_eq!(info.json["oid"], env.alice.id.to_string());
    assert_eq!(info.json["preferred_username"], "alice@contoso.test");
    assert_eq!(info.json["sub"], r.claims("id_token")["sub"]);

    let none = env.get("/contoso.test/openid/userinfo").await;
    assert_eq!(none.status.as_u16(), 401);
    assert!(none.header_of("www-authenticate").starts_with("Bearer"));
    let drs = env.ropc_v2(DRS_URN).await.str("access_token");
    let request = Request::post("/common/openid/userinfo")
        .header(header::AUTHORIZATION, format!("Bearer {drs}"))
        .body(axum::body::Body::empty())
        .unwrap();
    let wrong = env.send(request).await;
    assert_eq!(wrong.status.as_u16(), 401);
    assert_eq!(wrong.json["error"], "invalid_token");
}
