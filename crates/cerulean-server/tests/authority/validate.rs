//! `validate_access_token`: each way a token can be wrong is its own error.

use cerulean_crypto::b64::{b64url_decode, b64url_encode};
use cerulean_server::authority::{TokenError, validate_access_token};
use serde_json::{Value, json};
use time::Duration;

use cerulean_directory::Clock as _;

use crate::support::*;

/// Re-signs `claims` with the key currently signing for `tenant`.
async fn sign_as(env: &Env, tenant: cerulean_directory::TenantId, claims: &Value) -> String {
    let key = env
        .state
        .authority
        .keys
        .signing_key(&env.directory, tenant)
        .await
        .unwrap();
    key.sign(claims, true).unwrap()
}

#[tokio::test]
async fn a_good_token_validates() {
    let env = Env::new().await;
    let token = env.ropc_v2(DRS_URN).await.str("access_token");
    let v = validate_access_token(&env.state, &token, &[DRS_URN, DRS_APP])
        .await
        .unwrap();
    assert_eq!(v.tenant.id, env.tenant.id);
    assert_eq!(v.user.as_ref().unwrap().id, env.alice.id);
    assert!(!v.is_app_only());
    assert!(v.scopes().any(|s| s == "adrs_access"));
    assert_eq!(v.device_id, None);
}

#[tokio::test]
async fn each_failure_is_distinct() {
    let env = Env::new().await;
    let token = env.ropc_v2("User.Read").await.str("access_token");
    let check = |token: String, audiences: &'static [&'static str]| {
        let env = &env;
        async move { validate_access_token(&env.state, &token, audiences).await }
    };

    assert_eq!(
        check(token.clone(), &[DRS_URN]).await.unwrap_err(),
        TokenError::WrongAudience
    );

    // Tampered: another user's oid under the original signature.
    let parts: Vec<&str> = token.split('.').collect();
    let mut claims: Value = serde_json::from_slice(&b64url_decode(parts[1]).unwrap()).unwrap();
    claims["oid"] = json!(uuid::Uuid::new_v4());
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        b64url_encode(&serde_json::to_vec(&claims).unwrap()),
        parts[2]
    );
    assert_eq!(
        check(forged, &[GRAPH]).await.unwrap_err(),
        TokenError::BadSignature
    );

    // Signed by another tenant's key but claiming this tenant.
    let fabrikam = env
        .directory
        .create_tenant(&ops(), "Fabrikam", "fabrikam.test")
        .await
        .unwrap();
    let original = claims_of(&token);
    let foreign = sign_as(&env, fabrikam.id, &original).await;
    assert_eq!(
        check(foreign, &[GRAPH]).await.unwrap_err(),
        TokenError::UnknownKey
    );

    // Our key, someone else's issuer.
    let mut other_iss = original.clone();
    other_iss["iss"] = json!(format!("https://evil.test/{}/", env.tenant.id));
    let t = sign_as(&env, env.tenant.id, &other_iss).await;
    assert_eq!(
        check(t, &[GRAPH]).await.unwrap_err(),
        TokenError::WrongIssuer
    );

    // Not yet valid (beyond the skew).
    let mut future = original.clone();
    future["nbf"] = json!(env.clock.now().unix_timestamp() + 3600);
    let t = sign_as(&env, env.tenant.id, &future).await;
    assert_eq!(
        check(t, &[GRAPH]).await.unwrap_err(),
        TokenError::NotYetValid
    );

    assert!(matches!(
        check("not-a-jwt".into(), &[GRAPH]).await.unwrap_err(),
        TokenError::Malformed(_)
    ));

    // Expired: within the five minutes of skew still fine, after it not.
    env.clock.advance(Duration::seconds(3600 + 200));
    check(token.clone(), &[GRAPH]).await.unwrap();
    env.clock.advance(Duration::seconds(200));
    assert_eq!(
        check(token.clone(), &[GRAPH]).await.unwrap_err(),
        TokenError::Expired
    );
}

#[tokio::test]
async fn a_disabled_user_invalidates_their_tokens() {
    let env = Env::new().await;
    let token = env.ropc_v2("User.Read").await.str("access_token");
    env.disable(&env.alice).await;
    assert_eq!(
        validate_access_token(&env.state, &token, &[GRAPH])
            .await
            .unwrap_err(),
        TokenError::UserDisabled
    );
    // A user that does not exist (a forged oid under our key).
    let mut claims = claims_of(&token);
    claims["oid"] = json!(uuid::Uuid::new_v4());
    let t = sign_as(&env, env.tenant.id, &claims).await;
    assert_eq!(
        validate_access_token(&env.state, &t, &[GRAPH])
            .await
            .unwrap_err(),
        TokenError::UnknownUser
    );
}

#[tokio::test]
async fn app_only_tokens_validate_without_a_user() {
    let env = Env::new().await;
    let daemon = env.daemon.client_id.to_string();
    let r = env
        .post(
            "/contoso.test/oauth2/v2.0/token",
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &daemon),
                ("client_secret", &env.daemon_secret),
                ("scope", "api://contoso-api/.default"),
            ],
        )
        .await;
    r.assert_ok();
    let v = validate_access_token(&env.state, &r.str("access_token"), &[API_URI])
        .await
        .unwrap();
    assert!(v.is_app_only());
    assert_eq!(v.claims.aud, env.api.identifier_uris[0]);
    assert_eq!(v.claims.appid.as_deref(), Some(daemon.as_str()));
}

fn claims_of(token: &str) -> Value {
    claims(token)
}
