//! The authorize endpoint: validation order, the full code flow, SSO, prompts, response
//! modes and headers.

use std::time::Instant;

use cerulean_directory::authority::CodeRedemption;
use cerulean_server::authority::secrets::hash_secret;
use http::StatusCode;

use crate::support::*;

const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
const LOOPBACK: &str = "http://localhost:53100";
const STATE: &str = "st@te/with spaces&=?#";

fn authorize_url(tenant: &str, client: &str, redirect: &str, extra: &[(&str, &str)]) -> String {
    let mut params: Vec<(&str, &str)> = vec![
        ("client_id", client),
        ("response_type", "code"),
        ("redirect_uri", redirect),
        ("scope", "openid profile offline_access"),
        ("state", STATE),
        ("nonce", "n-0S6_WzA2Mj"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
        ("client_info", "1"),
        ("x-client-SKU", "MSAL.Python"),
    ];
    params.retain(|(k, _)| !extra.iter().any(|(e, _)| e == k));
    params.extend_from_slice(extra);
    let query: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect();
    format!("/{tenant}/oauth2/v2.0/authorize?{}", query.join("&"))
}

fn cli_url(extra: &[(&str, &str)]) -> String {
    authorize_url("common", AZURE_CLI, LOOPBACK, extra)
}

#[tokio::test]
async fn full_code_flow_binds_the_code() {
    let env = Env::new().await;
    let mut browser = env.browser();
    let started = Instant::now();
    let start = browser
        .get(&cli_url(&[("login_hint", "alice@contoso.test")]))
        .await;
    assert!(
        start.has("value=\"alice@contoso.test\""),
        "login_hint pre-fills"
    );
    let done = sign_in(&mut browser, &start, "alice@contoso.test", PASSWORD).await;
    eprintln!("sign-in flow took {:?}", started.elapsed());
    assert_eq!(done.status, StatusCode::FOUND, "{}", done.body);
    let location = done.location().unwrap();
    assert!(
        location.starts_with(&format!("{LOOPBACK}?code=")),
        "{location}"
    );
    let query = query_of(&location);
    assert_eq!(query["state"], STATE);
    assert!(
        done.has(&format!("<a href=\"{}", LOOPBACK)),
        "body link: {}",
        done.body
    );
    assert_eq!(done.header("cache-control"), "no-store");
    assert_eq!(done.header("referrer-policy"), "no-referrer");
    assert!(browser.has_session());

    let store = env.directory.store();
    let now = time::OffsetDateTime::now_utc();
    let redeemed = store
        .consume_authorization_code(&hash_secret(&query["code"]), now)
        .await
        .unwrap();
    let CodeRedemption::Fresh(code) = redeemed else {
        panic!("code not stored: {redeemed:?}");
    };
    assert_eq!(code.client_id.to_string(), AZURE_CLI);
    assert_eq!(code.redirect_uri, LOOPBACK);
    assert_eq!(code.nonce.as_deref(), Some("n-0S6_WzA2Mj"));
    assert_eq!(code.code_challenge.as_deref(), Some(CHALLENGE));
    assert_eq!(code.code_challenge_method.as_deref(), Some("S256"));
    assert_eq!(code.scope.as_deref(), Some("openid profile offline_access"));
    assert!(code.v2);
    assert_eq!(code.auth.user_id, env.alice.id);
    assert_eq!(code.auth.tenant_id, env.tenant.id);
    assert!(code.expires_at > now && code.expires_at <= now + time::Duration::seconds(601));
}

#[tokio::test]
async fn unregistered_redirect_uri_is_a_page_not_a_redirect() {
    let env = Env::new().await;
    let mut browser = env.browser();
    let page = browser
        .get(&authorize_url(
            "common",
            AZURE_CLI,
            "https://evil.test/cb",
            &[],
        ))
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.location().is_none());
    assert!(page.has("AADSTS50011"), "{}", page.body);
    assert!(!page.has("href=\"https://evil.test"));
    // Bad response_type does not change that: the redirect URI is checked first.
    let page = browser
        .get(&authorize_url(
            "common",
            AZURE_CLI,
            "https://evil.test/cb",
            &[("response_type", "token")],
        ))
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.location().is_none());
}

#[tokio::test]
async fn unknown_client_and_tenant_are_pages() {
    let env = Env::new().await;
    let mut browser = env.browser();
    let unknown = "11111111-2222-3333-4444-555555555555";
    let page = browser
        .get(&authorize_url("common", unknown, LOOPBACK, &[]))
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.location().is_none());
    assert!(page.has("AADSTS700016"), "{}", page.body);
    let page = browser
        .get(&authorize_url("common", "not-a-guid", LOOPBACK, &[]))
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.location().is_none());
    let page = browser
        .get(&authorize_url("nowhere.test", AZURE_CLI, LOOPBACK, &[]))
        .await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert!(page.location().is_none());
    assert!(page.has("AADSTS90002"), "{}", page.body);
    // The tenant's own app is found under the tenant and under common.
    let app = env.web_app.client_id.to_string();
    for tenant in ["contoso.test", "common"] {
        let page = browser
            .get(&authorize_url(tenant, &app, APP_REDIRECT, &[]))
            .await;
        assert_eq!(page.status, StatusCode::OK, "{tenant}: {}", page.body);
    }
}

#[tokio::test]
async fn later_errors_are_redirected_with_state() {
    let env = Env::new().await;
    let mut browser = env.browser();
    let r = browser.get(&cli_url(&[("response_type", "token")])).await;
    assert_eq!(r.status, StatusCode::FOUND);
    let q = query_of(&r.location().unwrap());
    assert_eq!(q["error"], "unsupported_response_type");
    assert_eq!(q["state"], STATE);

    let r = browser.get(&cli_url(&[("code_challenge", "short")])).await;
    let q = query_of(&r.location().unwrap());
    assert_eq!(q["error"], "invalid_request");
    assert!(q["error_description"].starts_with("AADSTS501491"), "{q:?}");
    assert_eq!(q["state"], STATE);

    let r = browser.get(&cli_url(&[("prompt", "bogus")])).await;
    assert_eq!(query_of(&r.location().unwrap())["error"], "invalid_request");

    let r = browser.get(&cli_url(&[("prompt", "none")])).await;
    assert_eq!(r.status, StatusCode::FOUND);
    let q = query_of(&r.location().unwrap());
    assert_eq!(q["error"], "login_required");
    assert!(q["error_description"].starts_with("AADSTS50058"));
    assert_eq!(q["state"], STATE);
}

#[tokio::test]
async fn sso_prompt_login_and_logout() {
    let env = Env::new().await;
    let mut browser = env.browser();
    let start = browser.get(&cli_url(&[])).await;
    let first = sign_in(&mut browser, &start, "alice@contoso.test", PASSWORD).await;
    assert_eq!(first.status, StatusCode::FOUND);

    // A second request with the session cookie: a code at once.
    let again = browser.get(&cli_url(&[("state", "second")])).await;
    assert_eq!(again.status, StatusCode::FOUND, "{}", again.body);
    let q = query_of(&again.location().unwrap());
    assert!(q.contains_key("code"));
    assert_eq!(q["state"], "second");
    // prompt=none works silently too.
    let silent = browser.get(&cli_url(&[("prompt", "none")])).await;
    assert!(query_of(&silent.location().unwrap()).contains_key("code"));
    // prompt=login ignores the session.
    let login = browser.get(&cli_url(&[("prompt", "login")])).await;
    assert_eq!(login.status, StatusCode::OK);
    assert!(login.has("id=\"signin-email\""));
    // A login_hint for someone else ignores it as well.
    let other = browser
        .get(&cli_url(&[("login_hint", "bob@contoso.test")]))
        .await;
    assert_eq!(other.status, StatusCode::OK);

    // Logout with an unregistered return URI: the signed-out page, session gone.
    let out = browser
        .get("/common/oauth2/v2.0/logout?post_logout_redirect_uri=https%3A%2F%2Fevil.test")
        .await;
    assert_eq!(out.status, StatusCode::OK);
    assert!(out.has("id=\"signedOut\""));
    assert!(!browser.has_session());
    let r = browser.get(&cli_url(&[("prompt", "none")])).await;
    assert_eq!(query_of(&r.location().unwrap())["error"], "login_required");
}

#[tokio::test]
async fn logout_returns_only_to_registered_uris() {
    let env = Env::new().await;
    let mut browser = env.browser();
    let url = format!(
        "/common/oauth2/logout?client_id={}&post_logout_redirect_uri={}&state=xyz",
        env.web_app.client_id,
        encode(APP_REDIRECT)
    );
    let r = browser.get(&url).await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(r.location().unwrap(), format!("{APP_REDIRECT}?state=xyz"));
}

#[tokio::test]
async fn form_post_renders_an_auto_submitting_form() {
    let env = Env::new().await;
    let mut browser = env.browser();
    let start = browser
        .get(&cli_url(&[("response_mode", "form_post")]))
        .await;
    let csp = start.header("content-security-policy");
    assert!(
        csp.contains("form-action 'self' http://localhost:53100"),
        "{csp}"
    );
    let page = sign_in(&mut browser, &start, "alice@contoso.test", PASSWORD).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.has(&format!(
        "id=\"form_post\" method=\"post\" action=\"{LOOPBACK}\""
    )));
    assert!(page.field("code").is_some());
    assert_eq!(page.field("state").unwrap(), STATE);
    assert!(page.has("<noscript>") && page.has("type=\"submit\""));
    let csp = page.header("content-security-policy");
    assert!(csp.contains("script-src 'sha256-"), "{csp}");
    assert!(csp.contains("http://localhost:53100"), "{csp}");
    assert_eq!(page.header("cache-control"), "no-store");
}

#[tokio::test]
async fn pages_carry_security_headers() {
    let env = Env::new().await;
    let mut browser = env.browser();
    let page = browser.get(&cli_url(&[])).await;
    let csp = page.header("content-security-policy");
    for part in [
        "default-src 'none'",
        "style-src 'unsafe-inline'",
        "img-src https: data:",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(part), "{csp}");
    }
    assert_eq!(page.header("x-frame-options"), "DENY");
    assert_eq!(page.header("x-content-type-options"), "nosniff");
    assert_eq!(page.header("cache-control"), "no-store");
    let set = page.header("set-cookie");
    assert!(set.starts_with("__Host-cerulean-csrf="), "{set}");
    for attr in ["Path=/", "HttpOnly", "SameSite=Lax", "Secure"] {
        assert!(set.contains(attr), "{set}");
    }
}

#[tokio::test]
async fn consent_for_organization_apps_once_per_browser() {
    let env = Env::new().await;
    let mut browser = env.browser();
    let app = env.web_app.client_id.to_string();
    let url = authorize_url(
        "contoso.test",
        &app,
        APP_REDIRECT,
        &[("scope", "openid User.Read")],
    );
    let start = browser.get(&url).await;
    assert!(start.has("Contoso Expenses"));
    let consent = sign_in(&mut browser, &start, "alice@contoso.test", PASSWORD).await;
    assert_eq!(consent.status, StatusCode::OK, "{}", consent.body);
    assert!(consent.has("id=\"consent\"") && consent.has("Access User.Read"));
    let done = browser
        .submit(&consent, "consent", &[("consent", "accept")])
        .await;
    assert_eq!(done.status, StatusCode::FOUND, "{}", done.body);
    assert!(
        done.location()
            .unwrap()
            .starts_with(&format!("{APP_REDIRECT}?code="))
    );
    // Remembered: SSO needs no consent page now.
    let again = browser.get(&url).await;
    assert_eq!(again.status, StatusCode::FOUND, "{}", again.body);
    // prompt=consent asks again; declining answers access_denied.
    let ask = browser
        .get(&authorize_url(
            "contoso.test",
            &app,
            APP_REDIRECT,
            &[("prompt", "consent")],
        ))
        .await;
    assert!(ask.has("id=\"consent\""), "{}", ask.body);
    let declined = browser
        .submit(&ask, "consent", &[("consent", "decline")])
        .await;
    let q = query_of(&declined.location().unwrap());
    assert_eq!(q["error"], "access_denied");
    assert_eq!(q["state"], STATE);
    // Another browser with only the session still needs consent for prompt=none.
    browser.cookies.remove("__Host-cerulean-consent");
    let silent = browser
        .get(&authorize_url(
            "contoso.test",
            &app,
            APP_REDIRECT,
            &[("prompt", "none")],
        ))
        .await;
    assert_eq!(
        query_of(&silent.location().unwrap())["error"],
        "interaction_required"
    );
}

#[tokio::test]
async fn select_account_and_xss_escaping() {
    let env = Env::new().await;
    env.user("mallory@contoso.test", "<script>alert(1)</script>")
        .await;
    let mut browser = env.browser();
    let start = browser.get(&cli_url(&[])).await;
    sign_in(&mut browser, &start, "mallory@contoso.test", PASSWORD).await;
    let pick = browser.get(&cli_url(&[("prompt", "select_account")])).await;
    assert!(pick.has("id=\"select-account\""), "{}", pick.body);
    assert!(pick.has("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(!pick.has("<script>alert(1)"));
    let done = browser
        .submit(&pick, "select_account", &[("account", "current")])
        .await;
    assert_eq!(done.status, StatusCode::FOUND);
    let other = browser
        .submit(&pick, "select_account", &[("account", "other")])
        .await;
    assert!(other.has("id=\"signin-email\""));
    // Reflected input is escaped too.
    let hinted = browser
        .get(&cli_url(&[
            ("prompt", "login"),
            ("login_hint", "\"><script>x()</script>"),
        ]))
        .await;
    assert!(!hinted.has("<script>x()"));
}

#[tokio::test]
async fn v1_resource_and_post_requests() {
    let env = Env::new().await;
    let mut browser = env.browser();
    let url = format!(
        "/common/oauth2/authorize?client_id={AZURE_CLI}&response_type=code&redirect_uri={}&\
         resource=https%3A%2F%2Fgraph.microsoft.com&client-request-id=x&haschrome=1&\
         claims=%7B%7D&x-client-SKU=PCL.Desktop",
        encode(LOOPBACK)
    );
    let start = browser.get(&url).await;
    let done = sign_in(&mut browser, &start, "alice@contoso.test", PASSWORD).await;
    let location = done.location().unwrap();
    let query = query_of(&location);
    assert!(
        !query.contains_key("state"),
        "no state sent, none echoed: {location}"
    );
    let store = env.directory.store();
    let redeemed = store
        .consume_authorization_code(
            &hash_secret(&query["code"]),
            time::OffsetDateTime::now_utc(),
        )
        .await
        .unwrap();
    let CodeRedemption::Fresh(code) = redeemed else {
        panic!("{redeemed:?}");
    };
    assert!(!code.v2);
    assert_eq!(
        code.resource.as_deref(),
        Some("https://graph.microsoft.com")
    );
    assert_eq!(code.nonce, None);
    assert_eq!(code.code_challenge, None);

    // The same request as a form POST, answered by SSO.
    let fields = [
        ("client_id", AZURE_CLI),
        ("response_type", "code"),
        ("redirect_uri", LOOPBACK),
        ("resource", "https://graph.microsoft.com"),
        ("state", "posted"),
    ];
    let r = browser.post("/common/oauth2/authorize", &fields).await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    assert_eq!(query_of(&r.location().unwrap())["state"], "posted");
    // v2 without scope is an error sent to the client.
    let r = browser
        .get(&format!(
            "/common/oauth2/v2.0/authorize?client_id={AZURE_CLI}&response_type=code&redirect_uri={}&state=q",
            encode(LOOPBACK)
        ))
        .await;
    let q = query_of(&r.location().unwrap());
    assert_eq!(q["error"], "invalid_request");
    assert_eq!(q["state"], "q");
}
