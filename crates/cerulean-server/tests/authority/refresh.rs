//! The refresh-token grant: rotation, reuse detection, revocation, FOCI.

use cerulean_crypto::SecretString;

use crate::support::*;

async fn refresh(env: &Env, client: &str, rt: &str, scope: Option<&str>) -> Resp {
    let mut form = vec![
        ("grant_type", "refresh_token"),
        ("client_id", client),
        ("refresh_token", rt),
        ("client_info", "1"),
    ];
    if let Some(scope) = scope {
        form.push(("scope", scope));
    }
    env.post("/common/oauth2/v2.0/token", &form).await
}

#[tokio::test]
async fn rotation_issues_a_new_token_in_the_same_family() {
    let env = Env::new().await;
    let first = env.ropc_v2("openid profile offline_access User.Read").await;
    first.assert_ok();
    let rt1 = first.str("refresh_token");
    let second = refresh(
        &env,
        AZURE_CLI,
        &rt1,
        Some("openid profile offline_access User.Read"),
    )
    .await;
    second.assert_ok();
    let rt2 = second.str("refresh_token");
    assert_ne!(rt1, rt2);
    assert_eq!(
        second.claims("access_token")["oid"],
        env.alice.id.to_string()
    );
    assert!(second.json["client_info"].is_string());
    assert_eq!(second.claims("id_token")["aud"], AZURE_CLI);
    // Multi-resource: the same family yields a DRS token; no scope reuses the stored one.
    let drs = refresh(&env, AZURE_CLI, &rt2, Some(&format!("{DRS_APP}/.default"))).await;
    drs.assert_ok();
    assert_eq!(drs.claims("access_token")["aud"], DRS_URN);
    let again = refresh(&env, AZURE_CLI, &drs.str("refresh_token"), None).await;
    again.assert_ok();
    assert_eq!(again.claims("access_token")["aud"], DRS_URN);
    // Without client_id the token's own (public) client is used.
    let anonymous = env
        .post(
            "/common/oauth2/token",
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", &again.str("refresh_token")),
                ("resource", GRAPH),
            ],
        )
        .await;
    anonymous.assert_ok();
    assert_eq!(anonymous.json["resource"], GRAPH);
    assert_eq!(anonymous.claims("access_token")["appid"], AZURE_CLI);
}

#[tokio::test]
async fn reuse_revokes_the_whole_family() {
    let env = Env::new().await;
    let rt1 = env
        .ropc_v2("openid offline_access")
        .await
        .str("refresh_token");
    let second = refresh(&env, AZURE_CLI, &rt1, None).await;
    second.assert_ok();
    let rt2 = second.str("refresh_token");
    // rt1 again: a replay. The whole family dies, rt2 included.
    refresh(&env, AZURE_CLI, &rt1, None)
        .await
        .assert_error(400, "invalid_grant", 70008);
    refresh(&env, AZURE_CLI, &rt2, None)
        .await
        .assert_error(400, "invalid_grant", 70008);
    assert_eq!(env.audit("token.refresh.reuse").await.len(), 2);
    refresh(&env, AZURE_CLI, "not-a-token", None)
        .await
        .assert_error(400, "invalid_grant", 70008);
}

#[tokio::test]
async fn a_disabled_user_or_a_new_password_ends_the_family() {
    let env = Env::new().await;
    let rt = env
        .ropc_v2("openid offline_access")
        .await
        .str("refresh_token");
    env.disable(&env.alice).await;
    refresh(&env, AZURE_CLI, &rt, None)
        .await
        .assert_error(400, "invalid_grant", 50057);
    assert_eq!(env.audit("token.refresh.revoked").await.len(), 1);

    let bob = env.user("bob@contoso.test", "Bob").await;
    let r = env
        .post(
            "/contoso.test/oauth2/v2.0/token",
            &[
                ("grant_type", "password"),
                ("client_id", AZURE_CLI),
                ("scope", "openid offline_access"),
                ("username", "bob@contoso.test"),
                ("password", PASSWORD),
            ],
        )
        .await;
    r.assert_ok();
    let rt1 = r.str("refresh_token");
    let rt2 = refresh(&env, AZURE_CLI, &rt1, None)
        .await
        .str("refresh_token");
    env.clock.advance(time::Duration::seconds(5));
    env.directory
        .set_password(
            &ops(),
            bob.tenant_id,
            bob.id,
            &SecretString::new("A-brand-new-passphrase-7".into()),
        )
        .await
        .unwrap();
    refresh(&env, AZURE_CLI, &rt2, None)
        .await
        .assert_error(400, "invalid_grant", 50173);
}

#[tokio::test]
async fn expired_refresh_tokens_are_refused() {
    let env = Env::new().await;
    let rt = env
        .ropc_v2("openid offline_access")
        .await
        .str("refresh_token");
    env.clock.advance(time::Duration::days(91));
    refresh(&env, AZURE_CLI, &rt, None)
        .await
        .assert_error(400, "invalid_grant", 70008);
}

#[tokio::test]
async fn foci_family_members_share_refresh_tokens_others_do_not() {
    let env = Env::new().await;
    let rt = env
        .ropc_v2("openid offline_access")
        .await
        .str("refresh_token");
    // Azure CLI → Microsoft Authentication Broker: both first-party public clients.
    let broker = refresh(&env, BROKER, &rt, Some(&format!("{DRS_URN}/.default"))).await;
    broker.assert_ok();
    assert_eq!(broker.json["foci"], "1");
    let at = broker.claims("access_token");
    assert_eq!(at["appid"], BROKER);
    assert_eq!(at["aud"], DRS_URN);
    // An organization's own public client may not use a family token.
    let spa = env.spa.client_id.to_string();
    refresh(&env, &spa, &broker.str("refresh_token"), None)
        .await
        .assert_error(400, "invalid_grant", 70000);
}

#[tokio::test]
async fn refresh_tokens_of_third_party_clients_stay_with_them() {
    let env = Env::new().await;
    let daemon = env.daemon.client_id.to_string();
    let r = env
        .post(
            "/contoso.test/oauth2/v2.0/token",
            &[
                ("grant_type", "password"),
                ("client_id", &daemon),
                ("client_secret", &env.daemon_secret),
                ("scope", "openid offline_access"),
                ("username", "alice@contoso.test"),
                ("password", PASSWORD),
            ],
        )
        .await;
    r.assert_ok();
    let rt = r.str("refresh_token");
    // A confidential client's token needs the client's secret.
    let no_secret = env
        .post(
            "/contoso.test/oauth2/v2.0/token",
            &[("grant_type", "refresh_token"), ("refresh_token", &rt)],
        )
        .await;
    no_secret.assert_error(401, "invalid_client", 7000218);
    // (That attempt consumed the token: the store offers no read without consumption.)
    let r = env
        .post(
            "/contoso.test/oauth2/v2.0/token",
            &[
                ("grant_type", "password"),
                ("client_id", &daemon),
                ("client_secret", &env.daemon_secret),
                ("scope", "openid offline_access"),
                ("username", "alice@contoso.test"),
                ("password", PASSWORD),
            ],
        )
        .await;
    let rt = r.str("refresh_token");
    refresh(&env, AZURE_CLI, &rt, None)
        .await
        .assert_error(400, "invalid_grant", 70000);
    // A malformed scope is refused before the token is spent.
    let r = env.ropc_v2("openid offline_access").await;
    let rt = r.str("refresh_token");
    refresh(
        &env,
        AZURE_CLI,
        &rt,
        Some("User.Read api://contoso-api/.default"),
    )
    .await
    .assert_error(400, "invalid_scope", 70011);
    refresh(&env, AZURE_CLI, &rt, None).await.assert_ok();
}

#[tokio::test]
async fn with_the_tenant_named_mistakes_do_not_spend_the_token() {
    let env = Env::new().await;
    let rt = env
        .ropc_v2("openid offline_access")
        .await
        .str("refresh_token");
    let path = "/contoso.test/oauth2/v2.0/token";
    let attempt = |client: &'static str, scope: &'static str| {
        let env = &env;
        let rt = rt.clone();
        async move {
            env.post(
                path,
                &[
                    ("grant_type", "refresh_token"),
                    ("client_id", client),
                    ("refresh_token", &rt),
                    ("scope", scope),
                ],
            )
            .await
        }
    };
    attempt(AZURE_CLI, "api://nothing-here/.default")
        .await
        .assert_error(400, "invalid_resource", 500011);
    attempt("11111111-2222-3333-4444-555555555555", "openid")
        .await
        .assert_error(400, "unauthorized_client", 700016);
    attempt(AZURE_CLI, "openid offline_access")
        .await
        .assert_ok();
}
