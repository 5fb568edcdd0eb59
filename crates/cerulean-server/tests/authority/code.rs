//! The authorization-code grant: redemption, PKCE, binding, replay, concurrency.

use cerulean_crypto::b64::b64url_encode;
use cerulean_directory::ClientId;
use sha2::{Digest, Sha256};

use crate::support::*;

const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

fn challenge() -> String {
    b64url_encode(&Sha256::digest(VERIFIER.as_bytes()))
}

fn spec<'a>(client: ClientId, challenge: Option<&'a str>) -> CodeSpec<'a> {
    CodeSpec {
        client_id: client,
        redirect_uri: SPA_REDIRECT,
        scope: Some("openid profile offline_access User.Read"),
        resource: None,
        nonce: Some("a2b0c9f1e3d4"),
        challenge,
        method: challenge.map(|_| "S256"),
    }
}

async fn redeem(
    env: &Env,
    code: &str,
    client: &str,
    redirect: &str,
    verifier: Option<&str>,
) -> Resp {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("client_id", client),
        ("code", code),
        ("redirect_uri", redirect),
        ("client_info", "1"),
        ("scope", "openid profile offline_access User.Read"),
    ];
    if let Some(v) = verifier {
        form.push(("code_verifier", v));
    }
    env.post("/common/oauth2/v2.0/token", &form).await
}

#[tokio::test]
async fn code_with_pkce_yields_tokens_and_the_nonce() {
    let env = Env::new().await;
    let challenge = challenge();
    let (code, _) = env
        .insert_code(spec(env.spa.client_id, Some(&challenge)))
        .await;
    let spa = env.spa.client_id.to_string();
    let r = redeem(&env, &code, &spa, SPA_REDIRECT, Some(VERIFIER)).await;
    r.assert_ok();
    assert!(r.json["refresh_token"].is_string());
    assert!(r.json.get("foci").is_none());
    let id = r.claims("id_token");
    assert_eq!(id["nonce"], "a2b0c9f1e3d4");
    assert_eq!(id["aud"], spa);
    assert_eq!(r.claims("access_token")["aud"], GRAPH);
}

#[tokio::test]
async fn without_a_nonce_the_id_token_has_none() {
    let env = Env::new().await;
    let mut s = spec(env.spa.client_id, None);
    s.nonce = None;
    s.scope = None;
    s.resource = Some(GRAPH);
    let (code, _) = env.insert_code(s).await;
    let spa = env.spa.client_id.to_string();
    // v1 redemption like roadtx: `resource` in the token request.
    let r = env
        .post(
            "/contoso.test/oauth2/token",
            &[
                ("grant_type", "authorization_code"),
                ("client_id", &spa),
                ("code", &code),
                ("redirect_uri", SPA_REDIRECT),
                ("resource", GRAPH),
            ],
        )
        .await;
    r.assert_ok();
    assert!(r.claims("id_token").get("nonce").is_none());
    assert_eq!(r.json["resource"], GRAPH);
}

#[tokio::test]
async fn pkce_mismatch_missing_verifier_and_stripped_challenge() {
    let env = Env::new().await;
    let challenge = challenge();
    let spa = env.spa.client_id.to_string();
    let (code, _) = env
        .insert_code(spec(env.spa.client_id, Some(&challenge)))
        .await;
    redeem(
        &env,
        &code,
        &spa,
        SPA_REDIRECT,
        Some("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXX"),
    )
    .await
    .assert_error(400, "invalid_grant", 501481);
    let (code, _) = env
        .insert_code(spec(env.spa.client_id, Some(&challenge)))
        .await;
    redeem(&env, &code, &spa, SPA_REDIRECT, None)
        .await
        .assert_error(400, "invalid_grant", 501481);
    // A verifier for a code that had no challenge: PKCE was stripped somewhere.
    let (code, _) = env.insert_code(spec(env.spa.client_id, None)).await;
    redeem(&env, &code, &spa, SPA_REDIRECT, Some(VERIFIER))
        .await
        .assert_error(400, "invalid_grant", 501481);
    // Plain PKCE.
    let mut plain = spec(env.spa.client_id, Some(VERIFIER));
    plain.method = Some("plain");
    let (code, _) = env.insert_code(plain).await;
    redeem(&env, &code, &spa, SPA_REDIRECT, Some(VERIFIER))
        .await
        .assert_ok();
}

#[tokio::test]
async fn codes_are_bound_to_client_and_exact_redirect_uri() {
    let env = Env::new().await;
    let spa = env.spa.client_id.to_string();
    let (code, _) = env.insert_code(spec(env.spa.client_id, None)).await;
    redeem(
        &env,
        &code,
        &spa,
        "https://app.contoso.test/callback/",
        None,
    )
    .await
    .assert_error(400, "invalid_request", 50011);
    let (code, _) = env.insert_code(spec(env.spa.client_id, None)).await;
    redeem(&env, &code, AZURE_CLI, SPA_REDIRECT, None)
        .await
        .assert_error(400, "invalid_grant", 70000);
    let (code, _) = env.insert_code(spec(env.spa.client_id, None)).await;
    env.post(
        "/common/oauth2/v2.0/token",
        &[
            ("grant_type", "authorization_code"),
            ("client_id", &spa),
            ("code", &code),
        ],
    )
    .await
    .assert_error(400, "invalid_request", 900144);
    redeem(&env, "made-up", &spa, SPA_REDIRECT, None)
        .await
        .assert_error(400, "invalid_grant", 70000);
}

#[tokio::test]
async fn expired_codes_are_refused() {
    let env = Env::new().await;
    let spa = env.spa.client_id.to_string();
    let (code, _) = env.insert_code(spec(env.spa.client_id, None)).await;
    env.clock.advance(time::Duration::minutes(11));
    redeem(&env, &code, &spa, SPA_REDIRECT, None)
        .await
        .assert_error(400, "invalid_grant", 70008);
}

#[tokio::test]
async fn a_replayed_code_revokes_what_it_produced() {
    let env = Env::new().await;
    let spa = env.spa.client_id.to_string();
    let (code, _) = env.insert_code(spec(env.spa.client_id, None)).await;
    let first = redeem(&env, &code, &spa, SPA_REDIRECT, None).await;
    first.assert_ok();
    redeem(&env, &code, &spa, SPA_REDIRECT, None)
        .await
        .assert_error(400, "invalid_grant", 54005);
    // The refresh token of the first redemption is dead.
    env.post(
        "/common/oauth2/v2.0/token",
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &spa),
            ("refresh_token", &first.str("refresh_token")),
        ],
    )
    .await
    .assert_error(400, "invalid_grant", 70008);
    assert_eq!(env.audit("token.code.replay").await.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_parallel_redemptions_exactly_one_wins() {
    let env = Env::new().await;
    let spa = env.spa.client_id.to_string();
    for _ in 0..5 {
        let (code, _) = env.insert_code(spec(env.spa.client_id, None)).await;
        let (a, b) = tokio::join!(
            redeem(&env, &code, &spa, SPA_REDIRECT, None),
            redeem(&env, &code, &spa, SPA_REDIRECT, None)
        );
        let oks = [&a, &b].iter().filter(|r| r.status.is_success()).count();
        assert_eq!(oks, 1, "{} / {}", a.body, b.body);
        let loser = if a.status.is_success() { &b } else { &a };
        loser.assert_error(400, "invalid_grant", 54005);
    }
}
