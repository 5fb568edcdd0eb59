//! A real server (the testkit's, with the Contoso fixtures), an HTTPS client that trusts
//! its CA, Graph tokens from the real token endpoint, and devices registered through the
//! directory with a stand-in certificate callback (self-signed with the device's own
//! key, as the directory's device tests do; the DRS signs with the tenant's device CA).

use std::collections::BTreeSet;

use cerulean_crypto::SecretString;
use cerulean_directory::{
    ActionContext, Actor, AuditEvent, AuditQuery, CertificateToIssue, Device, DirectoryResult,
    NewApplication, NewUser, RegisterDevice, Role, TenantId, TrustType, User, device,
};
use cerulean_testkit::{FIXTURE_PASSWORD, Fixtures, TestServer};
use rcgen::PublicKeyData as _;
use reqwest::{Method, StatusCode};
use serde_json::Value;

pub const AZURE_CLI: &str = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";
pub const GRAPH: &str = "https://graph.microsoft.com";
pub const DRS_URN: &str = "urn:ms-drs:enterpriseregistration.windows.net";

pub fn ops() -> ActionContext {
    ActionContext::new(Actor::Operator("graph-test".into()))
}

/// A server with the Contoso fixtures and a client for it.
pub struct Rig {
    pub server: TestServer,
    pub fx: Fixtures,
    pub http: reqwest::Client,
}

/// One answer.
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
    pub json: Value,
}

impl Resp {
    /// Asserts a Graph OData error with this status and code, and returns its message.
    #[track_caller]
    pub fn odata_error(&self, status: u16, code: &str) -> String {
        assert_eq!(self.status.as_u16(), status, "{}", self.body);
        let error = &self.json["error"];
        assert_eq!(error["code"], code, "{}", self.body);
        let inner = &error["innerError"];
        assert!(inner["request-id"].is_string(), "{}", self.body);
        assert!(inner["client-request-id"].is_string(), "{}", self.body);
        assert!(inner["date"].is_string(), "{}", self.body);
        error["message"].as_str().unwrap_or_default().to_owned()
    }

    #[track_caller]
    pub fn ok(&self) -> &Value {
        assert_eq!(self.status, StatusCode::OK, "{}", self.body);
        &self.json
    }
}

/// A device registered for a test, with its key's `subjectPublicKey` bits.
pub struct Registered {
    pub device: Device,
    pub public_key_raw: Vec<u8>,
}

impl Rig {
    pub async fn start() -> Rig {
        let server = TestServer::start().await.unwrap();
        let fx = server.fixtures.clone().unwrap();
        let ca_pem = std::fs::read(&server.ca_path).unwrap();
        let http = reqwest::Client::builder()
            .tls_built_in_root_certs(false)
            .add_root_certificate(reqwest::Certificate::from_pem(&ca_pem).unwrap())
            .timeout(std::time::Duration::from_secs(60))
            .build()
            .unwrap();
        Rig { server, fx, http }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.base_url())
    }

    pub fn tenant(&self) -> TenantId {
        self.fx.tenant.id
    }

    /// A Graph token (v1 `resource=`, so every Graph permission) for `local@contoso.test`.
    pub async fn token(&self, local: &str) -> String {
        self.token_for(local, &[("resource", GRAPH)]).await
    }

    /// A token for `local@contoso.test` with extra parameters (`resource` or `scope`).
    pub async fn token_for(&self, local: &str, target: &[(&str, &str)]) -> String {
        let upn = format!("{local}@contoso.test");
        let mut form = vec![
            ("grant_type", "password"),
            ("client_id", AZURE_CLI),
            ("username", upn.as_str()),
            ("password", FIXTURE_PASSWORD),
        ];
        form.extend_from_slice(target);
        let path = if target.iter().any(|(k, _)| *k == "scope") {
            "/contoso.test/oauth2/v2.0/token"
        } else {
            "/contoso.test/oauth2/token"
        };
        self.token_from(path, &form).await
    }

    pub async fn token_from(&self, path: &str, form: &[(&str, &str)]) -> String {
        let response = self
            .http
            .post(self.url(path))
            .form(form)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, StatusCode::OK, "{body}");
        body["access_token"].as_str().unwrap().to_owned()
    }

    /// A user with `roles` and the fixture password.
    pub async fn user(&self, local: &str, roles: &[Role]) -> User {
        self.server
            .directory
            .create_user(
                &ops(),
                NewUser {
                    upn: format!("{local}@contoso.test"),
                    display_name: local.into(),
                    password: Some(SecretString::new(FIXTURE_PASSWORD.into())),
                    roles: roles.iter().copied().collect::<BTreeSet<_>>(),
                    enabled: true,
                },
            )
            .await
            .unwrap()
    }

    /// An app-only Graph token of a new confidential client.
    pub async fn app_token(&self) -> String {
        let directory = &self.server.directory;
        let app = directory
            .create_application(
                &ops(),
                self.tenant(),
                NewApplication {
                    display_name: "Contoso Daemon".into(),
                    public_client: false,
                    redirect_uris: vec![],
                    identifier_uris: vec![],
                },
            )
            .await
            .unwrap();
        let secret = directory
            .add_client_secret(&ops(), self.tenant(), app.client_id, "test", None)
            .await
            .unwrap();
        let client_id = app.client_id.to_string();
        self.token_from(
            "/contoso.test/oauth2/v2.0/token",
            &[
                ("grant_type", "client_credentials"),
                ("client_id", &client_id),
                ("client_secret", secret.plaintext.expose()),
                ("scope", "https://graph.microsoft.com/.default"),
            ],
        )
        .await
    }

    /// Registers a device for `owner` through the directory, as the DRS would.
    pub async fn register(
        &self,
        owner: &User,
        trust: TrustType,
        name: &str,
        os: &str,
    ) -> Registered {
        let key = rcgen::KeyPair::generate().unwrap();
        let spki = key.subject_public_key_info();
        let request = RegisterDevice {
            tenant: self.tenant(),
            user: owner.id,
            amr: vec!["pwd".into(), "mfa".into()],
            trust_type: trust,
            reuse_device: None,
            display_name: name.into(),
            operating_system: os.into(),
            operating_system_version: "1.0".into(),
            cert_public_key_spki: spki.clone(),
            transport_key_spki: spki.clone(),
            request_fingerprint: device::hello_key_hash(&spki),
        };
        let registered = self
            .server
            .directory
            .register_device(&ops(), request, |cert| issue(&key, cert))
            .await
            .unwrap()
            .unwrap();
        Registered {
            device: registered.device,
            public_key_raw: key.public_key_raw().to_vec(),
        }
    }

    /// `method path` with `token` (if any), a JSON body (if any) and extra headers.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<String>,
        headers: &[(&str, &str)],
    ) -> Resp {
        let mut request = self.http.request(method, self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.text().await.unwrap();
        let json = serde_json::from_str(&body).unwrap_or(Value::Null);
        Resp {
            status,
            headers,
            body,
            json,
        }
    }

    pub async fn get(&self, token: &str, path: &str) -> Resp {
        self.call(Method::GET, path, Some(token), None, &[]).await
    }

    pub async fn patch(&self, token: &str, path: &str, body: &str) -> Resp {
        self.call(Method::PATCH, path, Some(token), Some(body.into()), &[])
            .await
    }

    pub async fn put(&self, token: &str, path: &str, body: &str) -> Resp {
        self.call(Method::PUT, path, Some(token), Some(body.into()), &[])
            .await
    }

    pub async fn delete(&self, token: &str, path: &str) -> Resp {
        self.call(Method::DELETE, path, Some(token), None, &[])
            .await
    }

    /// The tenant's audit events whose action starts with `prefix`, newest first.
    pub async fn audit(&self, prefix: &str) -> Vec<AuditEvent> {
        self.server
            .directory
            .store()
            .audit_events(&AuditQuery {
                tenant_id: Some(self.tenant()),
                action_prefix: Some(prefix.into()),
                since: None,
                limit: 100,
            })
            .await
            .unwrap()
    }
}

/// The certificate callback: CN = device id, the device's own key, self-signed.
fn issue(key: &rcgen::KeyPair, cert: &CertificateToIssue<'_>) -> DirectoryResult<Vec<u8>> {
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, cert.device_id.to_string());
    params.serial_number = Some(rcgen::SerialNumber::from_slice(
        uuid::Uuid::new_v4().as_bytes(),
    ));
    Ok(params.self_signed(key).unwrap().der().to_vec())
}

/// The ids of a page's devices.
pub fn ids(page: &Value) -> Vec<String> {
    page["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Percent-encodes a query value (spaces and quotes included).
pub fn enc(text: &str) -> String {
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
