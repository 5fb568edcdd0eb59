//! The device-code verification page.

use std::str::FromStr;

use cerulean_directory::ClientId;
use cerulean_directory::authority::{DeviceCode, DeviceCodeState};
use http::StatusCode;
use time::{Duration, OffsetDateTime};

use crate::support::*;

async fn pending_code(env: &Env, user_code: &str) {
    let now = OffsetDateTime::now_utc();
    let code = DeviceCode {
        device_code_hash: format!("hash-of-{user_code}"),
        user_code: user_code.to_string(),
        tenant_hint: "common".into(),
        client_id: ClientId::from_str(AZURE_CLI).unwrap(),
        scope: Some("openid profile offline_access".into()),
        resource: None,
        v2: true,
        state: DeviceCodeState::Pending,
        interval_secs: 5,
        last_polled_at: None,
        created_at: now,
        expires_at: now + Duration::minutes(15),
    };
    env.directory
        .store()
        .insert_device_code(&code)
        .await
        .unwrap();
}

async fn state_of(env: &Env, user_code: &str) -> DeviceCodeState {
    env.directory
        .store()
        .device_code_by_user_code(user_code, OffsetDateTime::now_utc())
        .await
        .unwrap()
        .map(|c| c.state)
        .unwrap()
}

async fn confirm_page(browser: &mut Browser, typed: &str) -> Resp {
    let start = browser.get("/common/oauth2/deviceauth").await;
    assert_eq!(start.status, StatusCode::OK);
    assert!(start.has("id=\"device-code\""), "{}", start.body);
    assert_eq!(form_action(&start), "/common/oauth2/deviceauth");
    browser.submit(&start, "code", &[("otc", typed)]).await
}

#[tokio::test]
async fn enter_code_sign_in_and_approve() {
    let env = Env::new().await;
    pending_code(&env, "BDKF-QMRT").await;
    let mut browser = env.browser();
    let confirm = confirm_page(&mut browser, " bdkfqmrt ").await;
    assert!(
        confirm.has("Are you trying to sign in to Microsoft Azure CLI?"),
        "{}",
        confirm.body
    );
    let email = browser
        .submit(&confirm, "confirm", &[("action", "continue")])
        .await;
    assert!(email.has("id=\"signin-email\""), "{}", email.body);
    assert_eq!(form_action(&email), "/common/login");
    let password = browser
        .submit(&email, "email", &[("login", "alice@contoso.test")])
        .await;
    let done = browser
        .submit(
            &password,
            "password",
            &[("login", "alice@contoso.test"), ("passwd", PASSWORD)],
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(done.has("You may now close this window"), "{}", done.body);
    assert!(done.has("id=\"done\""));
    match state_of(&env, "BDKF-QMRT").await {
        DeviceCodeState::Approved(auth) => {
            assert_eq!(auth.user_id, env.alice.id);
            assert_eq!(auth.tenant_id, env.tenant.id);
        }
        other => panic!("not approved: {other:?}"),
    }
    assert!(browser.has_session());

    // A second code from the same browser reuses the session: no password asked.
    pending_code(&env, "WXYZ-ABCD").await;
    let confirm = confirm_page(&mut browser, "wxyz-abcd").await;
    assert!(
        confirm.has("Signed in as alice@contoso.test"),
        "{}",
        confirm.body
    );
    let done = browser
        .submit(&confirm, "confirm", &[("action", "continue")])
        .await;
    assert!(done.has("id=\"done\""), "{}", done.body);
    assert!(matches!(
        state_of(&env, "WXYZ-ABCD").await,
        DeviceCodeState::Approved(_)
    ));
}

#[tokio::test]
async fn cancel_denies() {
    let env = Env::new().await;
    pending_code(&env, "QQQQ-RRRR").await;
    let mut browser = env.browser();
    let confirm = confirm_page(&mut browser, "QQQQ-RRRR").await;
    let declined = browser
        .submit(&confirm, "confirm", &[("action", "deny")])
        .await;
    assert!(declined.has("id=\"declined\""), "{}", declined.body);
    assert_eq!(state_of(&env, "QQQQ-RRRR").await, DeviceCodeState::Denied);
    // The decided code cannot be approved afterwards.
    let again = browser
        .submit(&confirm, "confirm", &[("action", "continue")])
        .await;
    assert_eq!(again.status, StatusCode::BAD_REQUEST);
    assert!(again.has("no longer valid"));
}

#[tokio::test]
async fn unknown_codes_are_refused_and_limited() {
    let env = Env::new().await;
    pending_code(&env, "GOOD-CODE").await;
    let mut browser = env.browser();
    let mut page = browser.get("/common/oauth2/deviceauth?otc=ABCD").await;
    assert!(page.has("value=\"ABCD\""));
    for _ in 0..10 {
        page = browser.submit(&page, "code", &[("otc", "NOPE-NOPE")]).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.has("That code didn&#39;t work"), "{}", page.body);
    }
    // Ten wrong codes: even the right one has to wait.
    let limited = browser.submit(&page, "code", &[("otc", "GOOD-CODE")]).await;
    assert!(limited.has("too many codes"), "{}", limited.body);
    // Another browser is not affected.
    let mut other = env.browser();
    let confirm = confirm_page(&mut other, "good-code").await;
    assert!(confirm.has("id=\"device-confirm\""), "{}", confirm.body);
}

#[tokio::test]
async fn tenant_path_and_csrf() {
    let env = Env::new().await;
    let mut browser = env.browser();
    let page = browser.get("/contoso.test/oauth2/deviceauth").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(form_action(&page), "/contoso.test/oauth2/deviceauth");
    let r = browser
        .post(
            "/contoso.test/oauth2/deviceauth",
            &[("step", "code"), ("otc", "AAAA-BBBB")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = browser.get("/nowhere.test/oauth2/deviceauth").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn static_common_routes_do_not_shadow_tenant_routes() {
    let env = Env::new().await;
    let mut browser = env.browser();
    // `/common/oauth2/deviceauth` is registered statically; `/common/oauth2/token` must
    // still reach the token endpoint's `/{tenant}/oauth2/token`.
    let r = browser
        .post("/common/oauth2/token", &[("grant_type", "bogus")])
        .await;
    assert_ne!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    let r = browser.get("/Common/oAuth2/DeviceAuth/").await;
    assert_eq!(r.status, StatusCode::OK);
    let r = browser.get("/common/oauth2/nativeclient?code=x").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!r.has("code=x"));
}
