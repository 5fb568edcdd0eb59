//! The sign-in pages: CSRF, the flow seal, password failures, lockout, disabled and
//! federated users, tenant mismatch.

use cerulean_directory::{
    ActionContext, Actor, DomainKind, FederationProtocol, FederationSettings,
};
use http::StatusCode;

use crate::support::*;

fn cli_url() -> String {
    format!(
        "/common/oauth2/v2.0/authorize?client_id={AZURE_CLI}&response_type=code&\
         redirect_uri=http%3A%2F%2Flocalhost%3A53100&scope=openid&state=s1"
    )
}

/// Email page → password page for `upn`.
async fn password_page(browser: &mut Browser, upn: &str) -> Resp {
    let start = browser.get(&cli_url()).await;
    let page = browser.submit(&start, "email", &[("login", upn)]).await;
    assert!(page.has("id=\"signin-password\""), "{}", page.body);
    page
}

#[tokio::test]
async fn csrf_missing_or_mismatched_is_400() {
    let env = Env::new().await;
    let mut browser = env.browser();
    let start = browser.get(&cli_url()).await;
    let flow = start.field("flow").unwrap();
    let csrf = start.field("csrf").unwrap();
    let action = form_action(&start);
    assert_eq!(action, "/common/login");

    let r = browser
        .post(
            &action,
            &[
                ("flow", &flow),
                ("step", "email"),
                ("login", "alice@contoso.test"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.has("id=\"errorTitle\""));

    let r = browser
        .post(
            &action,
            &[
                ("csrf", "x".repeat(43).as_str()),
                ("flow", &flow),
                ("step", "email"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    // The right field but no cookie (another browser).
    let mut stranger = env.browser();
    let r = stranger
        .post(
            &action,
            &[("csrf", &csrf), ("flow", &flow), ("step", "email")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    // A tampered flow.
    let mut forged = flow.clone();
    forged.insert(3, 'A');
    let r = browser
        .post(
            &action,
            &[("csrf", &csrf), ("flow", &forged), ("step", "email")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.has("expired"));

    // And the genuine pair works.
    let r = browser
        .post(
            &action,
            &[
                ("csrf", &csrf),
                ("flow", &flow),
                ("step", "email"),
                ("login", "alice@contoso.test"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.has("id=\"signin-password\""));
}

#[tokio::test]
async fn wrong_passwords_count_towards_lockout() {
    let env = Env::new().await;
    let mut browser = env.browser();
    let mut page = password_page(&mut browser, "alice@contoso.test").await;
    let store = env.directory.store();
    for attempt in 1..=10u32 {
        page = browser
            .submit(
                &page,
                "password",
                &[("login", "alice@contoso.test"), ("passwd", "wrong")],
            )
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.has("Your account or password is incorrect"),
            "{}",
            page.body
        );
        let state = store.lockout_state(env.alice.id).await.unwrap();
        if attempt < 10 {
            assert_eq!(state.failures, attempt);
        } else {
            assert!(state.locked_until.is_some(), "{state:?}");
        }
    }
    // Locked: even the right password is refused, and the page says until when.
    let locked = browser
        .submit(
            &page,
            "password",
            &[("login", "alice@contoso.test"), ("passwd", PASSWORD)],
        )
        .await;
    assert!(locked.has("temporarily locked"), "{}", locked.body);
    assert!(locked.has("UTC"));
    assert!(!browser.has_session());
}

#[tokio::test]
async fn unknown_disabled_and_empty() {
    let env = Env::new().await;
    let bob = env.user("bob@contoso.test", "Bob").await;
    env.disable(&bob).await;
    let mut browser = env.browser();

    let page = password_page(&mut browser, "nobody@contoso.test").await;
    let r = browser
        .submit(
            &page,
            "password",
            &[("login", "nobody@contoso.test"), ("passwd", "x")],
        )
        .await;
    assert!(
        r.has("We couldn&#39;t find an account with that username"),
        "{}",
        r.body
    );
    assert!(r.has("id=\"signin-email\""));

    let page = password_page(&mut browser, "bob@contoso.test").await;
    let r = browser
        .submit(
            &page,
            "password",
            &[("login", "bob@contoso.test"), ("passwd", PASSWORD)],
        )
        .await;
    assert!(r.has("Your account has been disabled"), "{}", r.body);
    assert!(!browser.has_session());

    let r = browser
        .submit(
            &page,
            "password",
            &[("login", "bob@contoso.test"), ("passwd", "")],
        )
        .await;
    assert!(r.has("Please enter your password"));

    let start = browser.get(&cli_url()).await;
    let r = browser
        .submit(&start, "email", &[("login", "not an email")])
        .await;
    assert!(r.has("Enter a valid email address"));
}

#[tokio::test]
async fn federated_domains_point_to_the_organization() {
    let env = Env::new().await;
    let ops = ActionContext::new(Actor::Operator("test".into()));
    env.directory
        .add_domain(
            &ops,
            env.tenant.id,
            "fabrikam.test",
            DomainKind::Federated(FederationSettings {
                issuer_uri: "http://adfs.fabrikam.test/adfs/services/trust".into(),
                passive_sign_in_uri: "https://adfs.fabrikam.test/adfs/ls/".into(),
                preferred_authentication_protocol: FederationProtocol::WsFed,
                ..Default::default()
            }),
        )
        .await
        .unwrap();
    let mut browser = env.browser();
    let start = browser.get(&cli_url()).await;
    let r = browser
        .submit(&start, "email", &[("login", "carol@fabrikam.test")])
        .await;
    assert!(
        r.has("Your organization signs you in at adfs.fabrikam.test"),
        "{}",
        r.body
    );
    assert!(r.has("href=\"https://adfs.fabrikam.test/adfs/ls/\""));
}

#[tokio::test]
async fn users_of_another_tenant_are_refused_under_a_named_tenant() {
    let env = Env::new().await;
    let ops = ActionContext::new(Actor::Operator("test".into()));
    env.directory
        .create_tenant(&ops, "Woodgrove", "woodgrove.test")
        .await
        .unwrap();
    env.user("dave@woodgrove.test", "Dave").await;
    let mut browser = env.browser();
    let url = cli_url().replace("/common/", "/contoso.test/");
    let start = browser.get(&url).await;
    let page = browser
        .submit(&start, "email", &[("login", "dave@woodgrove.test")])
        .await;
    let r = browser
        .submit(
            &page,
            "password",
            &[("login", "dave@woodgrove.test"), ("passwd", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.has("AADSTS50020"), "{}", r.body);
    assert!(r.location().is_none());
    // Under common the same user signs in fine.
    let start = browser.get(&cli_url()).await;
    let done = sign_in(&mut browser, &start, "dave@woodgrove.test", PASSWORD).await;
    assert_eq!(done.status, StatusCode::FOUND);
}

#[tokio::test]
async fn stay_signed_in_makes_a_persistent_session() {
    let env = Env::new().await;
    let mut browser = env.browser();
    let page = password_page(&mut browser, "alice@contoso.test").await;
    let kmsi = browser
        .submit(
            &page,
            "password",
            &[("login", "alice@contoso.test"), ("passwd", PASSWORD)],
        )
        .await;
    let first = kmsi.header("set-cookie");
    assert!(
        first.starts_with("__Host-cerulean-session=") && !first.contains("Max-Age"),
        "{first}"
    );
    let done = browser.submit(&kmsi, "kmsi", &[("kmsi", "yes")]).await;
    assert_eq!(done.status, StatusCode::FOUND);
    let set = done.header("set-cookie");
    assert!(set.contains("Max-Age=7776000"), "{set}");
    // The replaced session is gone; the new one works.
    let again = browser.get(&format!("{}&prompt=none", cli_url())).await;
    assert!(query_of(&again.location().unwrap()).contains_key("code"));
}
