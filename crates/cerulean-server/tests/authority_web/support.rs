//! A directory with one tenant, users and apps; and a tiny "browser" that carries cookies
//! by hand and reads the hidden fields of the pages.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use cerulean_crypto::{PasswordParams, SecretString};
use cerulean_directory::{
    ActionContext, Actor, Application, Directory, NewApplication, NewUser, SystemClock, Tenant,
    User,
};
use cerulean_server::{AppState, Config, Metrics, app};
use cerulean_store::SqliteStore;
use http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt as _;
use tower::ServiceExt as _;

pub const PASSWORD: &str = "Correct-Horse-Battery-9";
pub const AZURE_CLI: &str = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";
pub const APP_REDIRECT: &str = "https://app.contoso.test/callback";

pub struct Env {
    pub app: Router,
    pub directory: Directory,
    pub tenant: Tenant,
    pub alice: User,
    /// An organization-registered (not first-party) web app.
    pub web_app: Application,
}

fn ops() -> ActionContext {
    ActionContext::new(Actor::Operator("test".into()))
}

impl Env {
    pub async fn new() -> Self {
        let store = Arc::new(SqliteStore::open_in_memory().await.unwrap());
        let params = PasswordParams {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        };
        let directory = Directory::new(store, Arc::new(SystemClock), params).unwrap();
        let tenant = directory
            .create_tenant(&ops(), "Contoso", "contoso.test")
            .await
            .unwrap();
        let alice = Self::user_in(&directory, "alice@contoso.test", "Alice Adams").await;
        let web_app = directory
            .create_application(
                &ops(),
                tenant.id,
                NewApplication {
                    display_name: "Contoso Expenses".into(),
                    public_client: true,
                    redirect_uris: vec![APP_REDIRECT.into()],
                    identifier_uris: vec![],
                },
            )
            .await
            .unwrap();
        let state = AppState::new(
            directory.clone(),
            Arc::new(Config::default()),
            Arc::new(Metrics::new()),
        );
        Self {
            app: app(state),
            directory,
            tenant,
            alice,
            web_app,
        }
    }

    pub async fn user_in(directory: &Directory, upn: &str, name: &str) -> User {
        directory
            .create_user(
                &ops(),
                NewUser {
                    upn: upn.into(),
                    display_name: name.into(),
                    password: Some(SecretString::new(PASSWORD.into())),
                    roles: BTreeSet::new(),
                    enabled: true,
                },
            )
            .await
            .unwrap()
    }

    pub async fn user(&self, upn: &str, name: &str) -> User {
        Self::user_in(&self.directory, upn, name).await
    }

    pub async fn disable(&self, user: &User) {
        self.directory
            .set_user_enabled(&ops(), user.tenant_id, user.id, false)
            .await
            .unwrap();
    }

    pub fn browser(&self) -> Browser {
        Browser {
            app: self.app.clone(),
            cookies: BTreeMap::new(),
        }
    }
}

/// One answer.
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Resp {
    pub fn location(&self) -> Option<String> {
        self.headers
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_string())
    }

    /// The value of the first `<input … name="{name}" value="…">`.
    pub fn field(&self, name: &str) -> Option<String> {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self.body.find(&marker)? + marker.len();
        let end = start + self.body[start..].find('"')?;
        Some(unescape(&self.body[start..end]))
    }

    pub fn has(&self, text: &str) -> bool {
        self.body.contains(text)
    }

    pub fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    }
}

pub fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#96;", "`")
        .replace("&amp;", "&")
}

/// Query parameters of a URL (after `?`, before `#`), decoded.
pub fn query_of(url: &str) -> BTreeMap<String, String> {
    let query = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
    let query = query.split('#').next().unwrap_or_default();
    form_decode(query)
}

pub fn form_decode(text: &str) -> BTreeMap<String, String> {
    cerulean_proto::oauth2::parse_form_body(text.as_bytes())
        .into_iter()
        .collect()
}

pub fn encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub struct Browser {
    app: Router,
    pub cookies: BTreeMap<String, String>,
}

impl Browser {
    async fn send(&mut self, request: Request<Body>) -> Resp {
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        for set in headers.get_all(header::SET_COOKIE) {
            let set = set.to_str().unwrap();
            let (pair, attrs) = set.split_once(';').unwrap_or((set, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if attrs.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_string(), value.to_string());
            }
        }
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Resp {
            status,
            headers,
            body: String::from_utf8(bytes.to_vec()).unwrap(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub async fn get(&mut self, uri: &str) -> Resp {
        let request = Request::get(uri)
            .header(header::COOKIE, self.cookie_header())
            .body(Body::empty())
            .unwrap();
        self.send(request).await
    }

    pub async fn post(&mut self, uri: &str, fields: &[(&str, &str)]) -> Resp {
        let body = fields
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let request = Request::post(uri)
            .header(header::COOKIE, self.cookie_header())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        self.send(request).await
    }

    /// Posts the page's form (its `action`, `csrf` and `flow`) with `step` and `extra`.
    pub async fn submit(&mut self, page: &Resp, step: &str, extra: &[(&str, &str)]) -> Resp {
        let action = form_action(page);
        let csrf = page.field("csrf").expect("page has a csrf field");
        let flow = page.field("flow").expect("page has a flow field");
        let mut fields: Vec<(&str, &str)> = vec![("csrf", &csrf), ("flow", &flow), ("step", step)];
        fields.extend_from_slice(extra);
        self.post(&action, &fields).await
    }

    pub fn has_session(&self) -> bool {
        self.cookies.contains_key("__Host-cerulean-session")
    }
}

/// The `action` of the first `method="post"` form whose action is local.
pub fn form_action(page: &Resp) -> String {
    let marker = "method=\"post\" action=\"";
    let start = page.body.find(marker).expect("page has a form") + marker.len();
    let end = start + page.body[start..].find('"').unwrap();
    unescape(&page.body[start..end])
}

/// Signs in through the pages: email → password → "Stay signed in? No". Returns the
/// response to the KMSI answer.
pub async fn sign_in(browser: &mut Browser, start: &Resp, upn: &str, password: &str) -> Resp {
    assert_eq!(start.status, StatusCode::OK, "{}", start.body);
    assert!(start.has("id=\"signin-email\""), "{}", start.body);
    let password_page = browser.submit(start, "email", &[("login", upn)]).await;
    assert!(
        password_page.has("id=\"signin-password\""),
        "{}",
        password_page.body
    );
    let kmsi = browser
        .submit(
            &password_page,
            "password",
            &[("login", upn), ("passwd", password)],
        )
        .await;
    assert!(kmsi.has("id=\"kmsi\""), "{}", kmsi.body);
    browser.submit(&kmsi, "kmsi", &[("kmsi", "no")]).await
}
