//! `x-ms-DeviceCredential` at `/authorize` (PROTOCOLS.md §5.6): a device-key-signed
//! `device_auth` JWS proves the device to an interactive sign-in (the pages, or an existing
//! session), and the code's tokens carry its `deviceid`. A valid PRT credential wins; a
//! bad, replayed, foreign or disabled device's credential is ignored — the sign-in goes on
//! without `deviceid`, never an error page.

use std::collections::BTreeMap;

use cerulean_crypto::prt::KdfVersion;
use cerulean_crypto::{RsaPrivateKey, SecretString};
use cerulean_directory::NewUser;
use cerulean_testkit::FIXTURE_PASSWORD;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::prt_support::*;
use crate::session::{device_row, held, sign};
use crate::support::*;

const AAD_POWERSHELL: &str = "1b730954-1685-4b74-9bfd-dac224a7b894";
const NATIVE_CLIENT: &str = "https://login.microsoftonline.com/common/oauth2/nativeclient";
const ALICE: &str = "alice@contoso.test";
const DEVICE_CREDENTIAL: &str = "x-ms-DeviceCredential";

/// The broker's device credential: `grant_type: device_auth` and a fresh nonce.
fn device_credential(device: &Device, nonce: &str, x5c: X5c) -> String {
    let claims = json!({
        "grant_type": "device_auth",
        "iss": "aad:brokerplugin",
        "request_nonce": nonce,
        "win_ver": "10.0.19041.868",
        "windows_api_version": "2.0.1",
    });
    sign_request(&device.key, &device.joined.cert_der, x5c, &claims)
}

/// How a credential is sent.
#[derive(Clone, Copy)]
enum Via {
    Header,
    Cookie,
}

/// A page or redirect.
struct Page {
    status: StatusCode,
    location: Option<String>,
    body: String,
}

impl Page {
    /// The value of the first `<input … name="{name}" value="…">`.
    fn field(&self, name: &str) -> String {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self.body.find(&marker).expect(name) + marker.len();
        let end = start + self.body[start..].find('"').unwrap();
        self.body[start..end].replace("&amp;", "&")
    }

    fn action(&self) -> String {
        let marker = "method=\"post\" action=\"";
        let start = self.body.find(marker).expect("a form") + marker.len();
        let end = start + self.body[start..].find('"').unwrap();
        self.body[start..end].replace("&amp;", "&")
    }

    fn has(&self, text: &str) -> bool {
        self.body.contains(text)
    }

    /// The code of a 302 to the native client.
    fn code(&self) -> String {
        assert_eq!(self.status, StatusCode::FOUND, "{}", self.body);
        let location = self.location.as_deref().unwrap();
        assert!(location.starts_with(NATIVE_CLIENT), "{location}");
        reqwest::Url::parse(location)
            .unwrap()
            .query_pairs()
            .find(|(k, _)| k == "code")
            .map(|(_, v)| v.into_owned())
            .unwrap()
    }
}

/// A browser over TLS that keeps its cookies and follows no redirects.
struct Browser<'a> {
    rig: &'a Rig,
    http: reqwest::Client,
    cookies: BTreeMap<String, String>,
}

impl<'a> Browser<'a> {
    fn new(rig: &'a Rig) -> Self {
        let http = reqwest::Client::builder()
            .tls_built_in_root_certs(false)
            .add_root_certificate(reqwest::Certificate::from_pem(&rig.ca_pem).unwrap())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self {
            rig,
            http,
            cookies: BTreeMap::new(),
        }
    }

    fn cookie_header(&self, extra: Option<String>) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .chain(extra)
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn send(&mut self, request: reqwest::RequestBuilder) -> Page {
        let response = request.send().await.unwrap();
        let status = response.status();
        assert!(!status.is_server_error(), "{status}");
        for set in response.headers().get_all("set-cookie") {
            let set = set.to_str().unwrap();
            let (pair, attrs) = set.split_once(';').unwrap_or((set, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if attrs.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        let location = response
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_owned());
        let body = response.text().await.unwrap();
        Page {
            status,
            location,
            body,
        }
    }

    /// roadtx's authorize request (v1, Graph) under `tenant`, with these credentials.
    async fn authorize(
        &mut self,
        tenant: &str,
        extra: &[(&str, &str)],
        credentials: &[(&str, &str, Via)],
    ) -> Page {
        let mut query = vec![
            ("client_id", AAD_POWERSHELL),
            ("response_type", "code"),
            ("redirect_uri", NATIVE_CLIENT),
            ("resource", "https://graph.microsoft.com"),
        ];
        query.extend_from_slice(extra);
        let mut request = self
            .http
            .get(self.rig.url(&format!("/{tenant}/oauth2/authorize")))
            .query(&query);
        let mut cookie = None;
        for (name, value, via) in credentials {
            match via {
                Via::Header => request = request.header(*name, *value),
                Via::Cookie => cookie = Some(format!("{name}={value}")),
            }
        }
        let request = request.header("cookie", self.cookie_header(cookie));
        self.send(request).await
    }

    /// Posts the page's form with `step` and `fields`.
    async fn submit(&mut self, page: &Page, step: &str, fields: &[(&str, &str)]) -> Page {
        let csrf = page.field("csrf");
        let flow = page.field("flow");
        let mut form: Vec<(&str, &str)> = vec![("csrf", &csrf), ("flow", &flow), ("step", step)];
        form.extend_from_slice(fields);
        let request = self
            .http
            .post(self.rig.url(&page.action()))
            .header("cookie", self.cookie_header(None))
            .form(&form);
        self.send(request).await
    }

    /// From the "Sign in" page: email, password, "Stay signed in? No".
    async fn sign_in(&mut self, start: &Page, upn: &str) -> Page {
        assert_sign_in_page(start);
        let password = self.submit(start, "email", &[("login", upn)]).await;
        assert!(password.has("id=\"signin-password\""), "{}", password.body);
        let kmsi = self
            .submit(
                &password,
                "password",
                &[("login", upn), ("passwd", FIXTURE_PASSWORD)],
            )
            .await;
        assert!(kmsi.has("id=\"kmsi\""), "{}", kmsi.body);
        self.submit(&kmsi, "kmsi", &[("kmsi", "no")]).await
    }

    /// Redeems the code of `page` under `tenant`: the access and id token claims.
    async fn redeem(&self, tenant: &str, page: &Page) -> (Value, Value) {
        let code = page.code();
        let response = self
            .http
            .post(self.rig.url(&format!("/{tenant}/oauth2/token")))
            .form(&[
                ("grant_type", "authorization_code"),
                ("client_id", AAD_POWERSHELL),
                ("code", code.as_str()),
                ("redirect_uri", NATIVE_CLIENT),
                ("resource", "https://graph.microsoft.com"),
            ])
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, StatusCode::OK, "{body}");
        (
            claims(body["access_token"].as_str().unwrap()),
            claims(body["id_token"].as_str().unwrap()),
        )
    }
}

/// The "Sign in" page: 200 with the email form, not an error page.
fn assert_sign_in_page(page: &Page) {
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.has("id=\"signin-email\""), "{}", page.body);
    assert!(!page.has("id=\"errorTitle\""), "{}", page.body);
}

/// A fresh browser signs in through the pages under `tenant` with these credentials on
/// the authorize request; the redeemed access and id tokens.
async fn sign_in_with(
    rig: &Rig,
    tenant: &str,
    upn: &str,
    credentials: &[(&str, &str, Via)],
) -> (Value, Value) {
    let mut browser = Browser::new(rig);
    let start = browser.authorize(tenant, &[], credentials).await;
    let done = browser.sign_in(&start, upn).await;
    browser.redeem(tenant, &done).await
}

async fn device_id(rig: &Rig, device: &Device) -> String {
    device_row(rig, device).await.device_id.to_string()
}

fn assert_no_device(tokens: &(Value, Value)) {
    assert_eq!(tokens.0["deviceid"], Value::Null, "{}", tokens.0);
    assert_eq!(tokens.1["deviceid"], Value::Null, "{}", tokens.1);
}

#[tokio::test]
async fn a_valid_credential_binds_the_device_to_the_interactive_sign_in() {
    let rig = Rig::start().await;
    let device = Device::join(&rig).await;
    let expected = device_id(&rig, &device).await;

    // The header (x5c a string) on the authorize request, then the password pages.
    let mut browser = Browser::new(&rig);
    let credential = device_credential(&device, &nonce(&rig).await, X5c::String);
    let start = browser
        .authorize(
            "contoso.test",
            &[],
            &[(DEVICE_CREDENTIAL, &credential, Via::Header)],
        )
        .await;
    let done = browser.sign_in(&start, ALICE).await;
    let (at, id) = browser.redeem("contoso.test", &done).await;
    assert_eq!(at["oid"], rig.fx.alice.id.to_string());
    assert_eq!(at["deviceid"], expected, "{at}");
    assert_eq!(id["deviceid"], expected, "{id}");
    assert_eq!(at["amr"], json!(["pwd"]), "{at}");

    // The session alone does not carry the device.
    let page = browser.authorize("contoso.test", &[], &[]).await;
    let (at, _) = browser.redeem("contoso.test", &page).await;
    assert_eq!(at["deviceid"], Value::Null, "{at}");

    // The cookie (x5c an array) with the existing session: the code at once, bound.
    let credential = device_credential(&device, &nonce(&rig).await, X5c::Array);
    let page = browser
        .authorize(
            "contoso.test",
            &[],
            &[(DEVICE_CREDENTIAL, &credential, Via::Cookie)],
        )
        .await;
    let (at, _) = browser.redeem("contoso.test", &page).await;
    assert_eq!(at["deviceid"], expected, "{at}");

    // Through a page sealed after the authorize request (consent), under /common.
    let credential = device_credential(&device, &nonce(&rig).await, X5c::String);
    let consent = browser
        .authorize(
            "common",
            &[("prompt", "consent")],
            &[(DEVICE_CREDENTIAL, &credential, Via::Header)],
        )
        .await;
    assert!(consent.has("id=\"consent\""), "{}", consent.body);
    let page = browser
        .submit(&consent, "consent", &[("consent", "accept")])
        .await;
    let (at, _) = browser.redeem("common", &page).await;
    assert_eq!(at["deviceid"], expected, "{at}");
}

#[tokio::test]
async fn a_valid_prt_credential_wins_and_the_device_credential_is_not_spent() {
    let rig = Rig::start().await;
    let h = held(&rig).await;
    let prt_device = device_id(&rig, &h.device).await;
    let other = Device::join(&rig).await;
    let other_id = device_id(&rig, &other).await;
    assert_ne!(prt_device, other_id);

    let prt = sign(
        &h.key,
        &json!({ "refresh_token": h.prt, "is_primary": "true", "request_nonce": nonce(&rig).await }),
        KdfVersion::V2,
    );
    let credential = device_credential(&other, &nonce(&rig).await, X5c::String);
    let mut browser = Browser::new(&rig);
    let page = browser
        .authorize(
            "contoso.test",
            &[],
            &[
                ("x-ms-RefreshTokenCredential", &prt, Via::Header),
                (DEVICE_CREDENTIAL, &credential, Via::Header),
            ],
        )
        .await;
    let (at, _) = browser.redeem("contoso.test", &page).await;
    assert_eq!(at["deviceid"], prt_device, "{at}");

    // The device credential was ignored, not verified: its nonce is still good.
    let tokens = sign_in_with(
        &rig,
        "contoso.test",
        ALICE,
        &[(DEVICE_CREDENTIAL, &credential, Via::Header)],
    )
    .await;
    assert_eq!(tokens.0["deviceid"], other_id, "{}", tokens.0);
}

#[tokio::test]
async fn a_replayed_credential_is_ignored() {
    let rig = Rig::start().await;
    let device = Device::join(&rig).await;
    let credential = device_credential(&device, &nonce(&rig).await, X5c::String);
    let first = sign_in_with(
        &rig,
        "contoso.test",
        ALICE,
        &[(DEVICE_CREDENTIAL, &credential, Via::Header)],
    )
    .await;
    assert_eq!(first.0["deviceid"], device_id(&rig, &device).await);

    for via in [Via::Header, Via::Cookie] {
        let again = sign_in_with(
            &rig,
            "contoso.test",
            ALICE,
            &[(DEVICE_CREDENTIAL, &credential, via)],
        )
        .await;
        assert_no_device(&again);
    }
}

#[tokio::test]
async fn a_disabled_device_is_ignored() {
    let rig = Rig::start().await;
    let device = Device::join(&rig).await;
    let row = device_row(&rig, &device).await;
    let directory = &rig.server.directory;

    // Disabled before the authorize request.
    directory
        .set_device_enabled(&ops(), rig.tenant(), row.object_id, false)
        .await
        .unwrap();
    let credential = device_credential(&device, &nonce(&rig).await, X5c::String);
    let tokens = sign_in_with(
        &rig,
        "contoso.test",
        ALICE,
        &[(DEVICE_CREDENTIAL, &credential, Via::Header)],
    )
    .await;
    assert_no_device(&tokens);

    // Disabled while the user is on the sign-in pages: the code is issued without it.
    directory
        .set_device_enabled(&ops(), rig.tenant(), row.object_id, true)
        .await
        .unwrap();
    let credential = device_credential(&device, &nonce(&rig).await, X5c::String);
    let mut browser = Browser::new(&rig);
    let start = browser
        .authorize(
            "contoso.test",
            &[],
            &[(DEVICE_CREDENTIAL, &credential, Via::Header)],
        )
        .await;
    directory
        .set_device_enabled(&ops(), rig.tenant(), row.object_id, false)
        .await
        .unwrap();
    let done = browser.sign_in(&start, ALICE).await;
    assert_no_device(&browser.redeem("contoso.test", &done).await);

    // Deleted.
    directory
        .delete_device(&ops(), rig.tenant(), row.object_id)
        .await
        .unwrap();
    let credential = device_credential(&device, &nonce(&rig).await, X5c::String);
    let tokens = sign_in_with(
        &rig,
        "contoso.test",
        ALICE,
        &[(DEVICE_CREDENTIAL, &credential, Via::Header)],
    )
    .await;
    assert_no_device(&tokens);
}

#[tokio::test]
async fn garbage_and_wrong_credentials_get_the_sign_in_page() {
    let rig = Rig::start().await;
    let device = Device::join(&rig).await;
    let other_key = RsaPrivateKey::generate(2048).unwrap();
    let nonce_for_other_key = nonce(&rig).await;

    let wrong_grant = password_claims(&nonce(&rig).await, ALICE, FIXTURE_PASSWORD);
    let no_nonce = json!({ "grant_type": "device_auth", "win_ver": "10.0.19041.868" });
    let cases = [
        "garbage".to_owned(),
        "not.a.jws".to_owned(),
        // A PRT request is not a device credential (and spends its own nonce only).
        sign_request(
            &device.key,
            &device.joined.cert_der,
            X5c::String,
            &wrong_grant,
        ),
        // No nonce.
        sign_request(&device.key, &device.joined.cert_der, X5c::Array, &no_nonce),
        // Signed by a key that is not the certificate's.
        sign_request(
            &other_key,
            &device.joined.cert_der,
            X5c::String,
            &json!({ "grant_type": "device_auth", "request_nonce": nonce_for_other_key }),
        ),
    ];
    for case in &cases {
        for via in [Via::Header, Via::Cookie] {
            let mut browser = Browser::new(&rig);
            let page = browser
                .authorize("contoso.test", &[], &[(DEVICE_CREDENTIAL, case, via)])
                .await;
            assert_sign_in_page(&page);
        }
    }
    // A non-ASCII header value.
    let mut browser = Browser::new(&rig);
    let request = browser
        .http
        .get(rig.url("/contoso.test/oauth2/authorize"))
        .query(&[
            ("client_id", AAD_POWERSHELL),
            ("response_type", "code"),
            ("redirect_uri", NATIVE_CLIENT),
            ("resource", "https://graph.microsoft.com"),
        ])
        .header(
            DEVICE_CREDENTIAL,
            reqwest::header::HeaderValue::from_bytes(b"\xff\xfe").unwrap(),
        );
    assert_sign_in_page(&browser.send(request).await);

    // The other key's signature did not spend its nonce (the device was not proven).
    let credential = device_credential(&device, &nonce_for_other_key, X5c::String);
    let tokens = sign_in_with(
        &rig,
        "contoso.test",
        ALICE,
        &[(DEVICE_CREDENTIAL, &credential, Via::Header)],
    )
    .await;
    assert_eq!(tokens.0["deviceid"], device_id(&rig, &device).await);

    // After a garbage credential the sign-in completes, without a device.
    let tokens = sign_in_with(
        &rig,
        "contoso.test",
        ALICE,
        &[(DEVICE_CREDENTIAL, "garbage", Via::Header)],
    )
    .await;
    assert_no_device(&tokens);
}

#[tokio::test]
async fn a_device_of_another_tenant_is_ignored() {
    let rig = Rig::start().await;
    let device = Device::join(&rig).await;
    let directory = &rig.server.directory;
    directory
        .create_tenant(&ops(), "Fabrikam", "fabrikam.test")
        .await
        .unwrap();
    directory
        .create_user(
            &ops(),
            NewUser {
                upn: "frank@fabrikam.test".into(),
                display_name: "Frank".into(),
                password: Some(SecretString::new(FIXTURE_PASSWORD.into())),
                roles: Default::default(),
                enabled: true,
            },
        )
        .await
        .unwrap();

    // Under /common the Contoso device is proven, but Frank is a Fabrikam user.
    let credential = device_credential(&device, &nonce(&rig).await, X5c::String);
    let tokens = sign_in_with(
        &rig,
        "common",
        "frank@fabrikam.test",
        &[(DEVICE_CREDENTIAL, &credential, Via::Header)],
    )
    .await;
    assert_eq!(tokens.0["tid"], tokens.1["tid"]);
    assert_ne!(tokens.0["tid"], rig.tenant().to_string());
    assert_no_device(&tokens);

    // Under Fabrikam's path the Contoso device is not admitted at all.
    let credential = device_credential(&device, &nonce(&rig).await, X5c::String);
    let tokens = sign_in_with(
        &rig,
        "fabrikam.test",
        "frank@fabrikam.test",
        &[(DEVICE_CREDENTIAL, &credential, Via::Header)],
    )
    .await;
    assert_no_device(&tokens);
}
