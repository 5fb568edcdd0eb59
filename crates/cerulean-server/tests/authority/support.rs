//! One tenant with users and applications on a real in-memory SQLite store, a manual
//! clock, and helpers to call the authority through `app(state)` without sockets.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use cerulean_crypto::b64::b64url_decode;
use cerulean_crypto::{PasswordParams, SecretString};
use cerulean_directory::authority::{AuthContext, AuthorizationCode};
use cerulean_directory::{
    ActionContext, Actor, Application, AuditQuery, ClientId, Clock, Directory, ManualClock,
    NewApplication, NewUser, Tenant, User,
};
use cerulean_server::authority::secrets::new_secret;
use cerulean_server::{AppState, Config, Metrics, app};
use cerulean_store::SqliteStore;
use http::{HeaderMap, Request, StatusCode, header};
use http_body_util::BodyExt as _;
use serde_json::Value;
use time::{Duration, OffsetDateTime};
use tower::ServiceExt as _;
use uuid::Uuid;

pub const PASSWORD: &str = "Correct-Horse-Battery-9";
pub const AZURE_CLI: &str = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";
pub const BROKER: &str = "29d9ed98-a469-4536-ade2-f981bc1d605e";
pub const DRS_APP: &str = "01cb2876-7ebd-4aa4-9cc9-d28bd4d359a9";
pub const DRS_URN: &str = "urn:ms-drs:enterpriseregistration.windows.net";
pub const GRAPH: &str = "https://graph.microsoft.com";
pub const SPA_REDIRECT: &str = "https://app.contoso.test/callback";
pub const API_URI: &str = "api://contoso-api";

pub struct Env {
    pub app: Router,
    pub state: AppState,
    pub directory: Directory,
    pub clock: Arc<ManualClock>,
    pub tenant: Tenant,
    pub alice: User,
    /// A public client registered by the organization (not first-party).
    pub spa: Application,
    /// A confidential client and its secret.
    pub daemon: Application,
    pub daemon_secret: String,
    /// A resource API (`api://contoso-api`).
    pub api: Application,
}

pub fn ops() -> ActionContext {
    ActionContext::new(Actor::Operator("test".into()))
}

impl Env {
    pub async fn new() -> Self {
        Self::with_config(Config::default()).await
    }

    pub async fn with_config(config: Config) -> Self {
        let store = Arc::new(SqliteStore::open_in_memory().await.unwrap());
        let params = PasswordParams {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        };
        let clock = Arc::new(ManualClock::new(OffsetDateTime::now_utc()));
        let directory = Directory::new(store, clock.clone(), params).unwrap();
        let tenant = directory
            .create_tenant(&ops(), "Contoso", "contoso.test")
            .await
            .unwrap();
        let alice = user_in(&directory, "alice@contoso.test", "Alice Adams").await;
        let app_of =
            |name: &str, public: bool, redirects: Vec<String>, ids: Vec<String>| NewApplication {
                display_name: name.into(),
                public_client: public,
                redirect_uris: redirects,
                identifier_uris: ids,
            };
        let spa = directory
            .create_application(
                &ops(),
                tenant.id,
                app_of("Contoso SPA", true, vec![SPA_REDIRECT.into()], vec![]),
            )
            .await
            .unwrap();
        let daemon = directory
            .create_application(
                &ops(),
                tenant.id,
                app_of("Contoso Daemon", false, vec![], vec![]),
            )
            .await
            .unwrap();
        let secret = directory
            .add_client_secret(&ops(), tenant.id, daemon.client_id, "ci", None)
            .await
            .unwrap();
        let api = directory
            .create_application(
                &ops(),
                tenant.id,
                app_of("Contoso API", false, vec![], vec![API_URI.into()]),
            )
            .await
            .unwrap();
        let state = AppState::new(
            directory.clone(),
            Arc::new(config),
            Arc::new(Metrics::new()),
        );
        Self {
            app: app(state.clone()),
            state,
            directory,
            clock,
            tenant,
            alice,
            spa,
            daemon,
            daemon_secret: secret.plaintext.expose().to_owned(),
            api,
        }
    }

    pub async fn user(&self, upn: &str, name: &str) -> User {
        user_in(&self.directory, upn, name).await
    }

    pub async fn disable(&self, user: &User) {
        self.directory
            .set_user_enabled(&ops(), user.tenant_id, user.id, false)
            .await
            .unwrap();
    }

    pub async fn send(&self, request: Request<Body>) -> Resp {
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let body = String::from_utf8_lossy(&bytes).into_owned();
        let json = serde_json::from_str(&body).unwrap_or(Value::Null);
        Resp {
            status,
            headers,
            body,
            json,
        }
    }

    /// A form POST with `Content-Type: application/x-www-form-urlencoded`.
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> Resp {
        self.post_raw(
            path,
            encode_form(form).into_bytes(),
            Some("application/x-www-form-urlencoded"),
        )
        .await
    }

    pub async fn post_raw(&self, path: &str, body: Vec<u8>, content_type: Option<&str>) -> Resp {
        let mut request = Request::post(path);
        if let Some(ct) = content_type {
            request = request.header(header::CONTENT_TYPE, ct);
        }
        self.send(request.body(Body::from(body)).unwrap()).await
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.send(Request::get(path).body(Body::empty()).unwrap())
            .await
    }

    /// ROPC for alice on the v2 endpoint with the Azure CLI client.
    pub async fn ropc_v2(&self, scope: &str) -> Resp {
        self.post(
            "/contoso.test/oauth2/v2.0/token",
            &[
                ("grant_type", "password"),
                ("client_id", AZURE_CLI),
                ("scope", scope),
                ("username", "alice@contoso.test"),
                ("password", PASSWORD),
            ],
        )
        .await
    }

    /// An authorization code as the sign-in pages would store it; returns the plaintext.
    pub async fn insert_code(&self, code: CodeSpec<'_>) -> (String, Uuid) {
        let (plaintext, hash) = new_secret(32).unwrap();
        let now = self.clock.now();
        let family_id = Uuid::new_v4();
        let record = AuthorizationCode {
            code_hash: hash,
            client_id: code.client_id,
            redirect_uri: code.redirect_uri.into(),
            scope: code.scope.map(str::to_owned),
            resource: code.resource.map(str::to_owned),
            nonce: code.nonce.map(str::to_owned),
            code_challenge: code.challenge.map(str::to_owned),
            code_challenge_method: code.method.map(str::to_owned),
            auth: self.auth_of(&self.alice),
            family_id,
            v2: true,
            created_at: now,
            expires_at: now + Duration::minutes(10),
        };
        self.directory
            .store()
            .insert_authorization_code(&record)
            .await
            .unwrap();
        (plaintext, family_id)
    }

    pub fn auth_of(&self, user: &User) -> AuthContext {
        AuthContext {
            tenant_id: user.tenant_id,
            user_id: user.id,
            amr: vec!["pwd".into()],
            auth_time: self.clock.now(),
            device_id: None,
        }
    }

    /// Audit events whose action starts with `prefix`.
    pub async fn audit(&self, prefix: &str) -> Vec<cerulean_directory::AuditEvent> {
        self.directory
            .store()
            .audit_events(&AuditQuery {
                tenant_id: None,
                action_prefix: Some(prefix.into()),
                since: None,
                limit: 100,
            })
            .await
            .unwrap()
    }
}

impl std::fmt::Debug for Env {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Env")
    }
}

/// What an authorization code carries.
pub struct CodeSpec<'a> {
    pub client_id: ClientId,
    pub redirect_uri: &'a str,
    pub scope: Option<&'a str>,
    pub resource: Option<&'a str>,
    pub nonce: Option<&'a str>,
    pub challenge: Option<&'a str>,
    pub method: Option<&'a str>,
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

/// One answer.
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
    pub json: Value,
}

impl Resp {
    /// Asserts an OAuth error with this `error` and first AADSTS code.
    #[track_caller]
    pub fn assert_error(&self, status: u16, error: &str, aadsts: u64) {
        assert_eq!(self.status.as_u16(), status, "{}", self.body);
        assert_eq!(self.json["error"], error, "{}", self.body);
        assert_eq!(self.json["error_codes"][0], aadsts, "{}", self.body);
        assert!(self.json["correlation_id"].is_string(), "{}", self.body);
    }

    #[track_caller]
    pub fn assert_ok(&self) {
        assert_eq!(self.status, StatusCode::OK, "{}", self.body);
    }

    pub fn header_of(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    }

    pub fn str(&self, key: &str) -> String {
        self.json[key].as_str().unwrap_or_default().to_owned()
    }

    /// Claims of the `access_token` / `id_token` member.
    pub fn claims(&self, member: &str) -> Value {
        claims(&self.str(member))
    }
}

/// The payload of a JWT, decoded without verification.
pub fn claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap();
    assert!(!payload.contains('='), "payload must be unpadded");
    serde_json::from_slice(&b64url_decode(payload).unwrap()).unwrap()
}

/// The header of a JWT.
pub fn jwt_header(jwt: &str) -> Value {
    let header = jwt.split('.').next().unwrap();
    serde_json::from_slice(&b64url_decode(header).unwrap()).unwrap()
}

pub fn encode_form(form: &[(&str, &str)]) -> String {
    form.iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
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
