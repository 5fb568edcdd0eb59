//! A real server (the testkit's, with the Contoso fixtures) and real TLS clients:
//! DRS tokens from the token endpoint, device keys, CSRs and key blobs made here.

use std::path::PathBuf;
use std::sync::OnceLock;

use cerulean_crypto::{
    DeviceCertificateInfo, RsaPrivateKey, encode_bcrypt_rsa_public_blob, parse_device_certificate,
};
use cerulean_directory::{ActionContext, Actor, Device, DeviceRegistrationPolicy, TenantId};
use cerulean_testkit::{FIXTURE_PASSWORD, Fixtures, TestServer, TestServerOptions};
use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair, PKCS_RSA_SHA256};
use reqwest::StatusCode;
use rustls_pki_types::PrivatePkcs8KeyDer;
use serde_json::{Value, json};
use uuid::Uuid;

pub const AZURE_CLI: &str = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";
pub const DRS_URN: &str = "urn:ms-drs:enterpriseregistration.windows.net";
pub const PLACEHOLDER_CN: &str = "7E980AD9-B86D-4306-9425-9AC066FB014A";

pub fn ops() -> ActionContext {
    ActionContext::new(Actor::Operator("drs-test".into()))
}

/// A server with the Contoso fixtures and an HTTPS client that trusts its CA.
pub struct Rig {
    pub server: TestServer,
    pub fx: Fixtures,
    pub ca_pem: Vec<u8>,
    pub http: reqwest::Client,
}

impl Rig {
    pub async fn start() -> Rig {
        Self::start_with(TestServerOptions {
            fixtures: true,
            ..TestServerOptions::default()
        })
        .await
    }

    pub async fn start_with(options: TestServerOptions) -> Rig {
        let server = TestServer::start_with(options).await.unwrap();
        let fx = server.fixtures.clone().expect("fixtures");
        Self::around(server, fx)
    }

    /// A rig around a running server whose fixtures were created earlier.
    pub fn around(server: TestServer, fx: Fixtures) -> Rig {
        let ca_pem = std::fs::read(&server.ca_path).unwrap();
        let http = client(&ca_pem, None, false);
        Rig {
            server,
            fx,
            ca_pem,
            http,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.base_url())
    }

    pub fn tenant(&self) -> TenantId {
        self.fx.tenant.id
    }

    /// A client presenting `identity` (PEM key + certificate) on a fresh connection.
    pub fn client_with(&self, identity: Option<&[u8]>) -> reqwest::Client {
        client(&self.ca_pem, identity, false)
    }

    /// An HTTP/1.1-only client (so a `Host` header is sent as given).
    pub fn http1(&self) -> reqwest::Client {
        client(&self.ca_pem, None, true)
    }

    /// A DRS access token for `local@contoso.test` from the real token endpoint (ROPC).
    pub async fn token(&self, local: &str) -> String {
        self.token_for(&format!("{local}@contoso.test"), "contoso.test", DRS_URN)
            .await
    }

    pub async fn token_for(&self, upn: &str, tenant: &str, resource: &str) -> String {
        let response = self
            .http
            .post(self.url(&format!("/{tenant}/oauth2/token")))
            .form(&[
                ("grant_type", "password"),
                ("client_id", AZURE_CLI),
                ("resource", resource),
                ("username", upn),
                ("password", FIXTURE_PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, StatusCode::OK, "{body}");
        body["access_token"].as_str().unwrap().to_owned()
    }

    /// Re-signs `claims` with the tenant's current token-signing key, exactly as the
    /// authority signs (same key ring, same store).
    pub async fn sign(&self, tenant: TenantId, claims: &Value) -> String {
        let key = self
            .server
            .state
            .authority
            .keys
            .signing_key(&self.server.directory, tenant)
            .await
            .unwrap();
        key.sign(claims, true).unwrap()
    }

    /// Changes the tenant's device registration policy.
    pub async fn set_policy(&self, change: impl FnOnce(&mut DeviceRegistrationPolicy)) {
        let directory = &self.server.directory;
        let mut policy = directory
            .device_registration_policy(self.tenant())
            .await
            .unwrap();
        change(&mut policy);
        directory
            .put_device_registration_policy(&ops(), self.tenant(), policy)
            .await
            .unwrap();
    }

    /// `POST /EnrollmentServer/device/?api-version=2.0` with `token` and `body`.
    pub async fn post_join(&self, token: &str, body: &Value) -> (StatusCode, Value) {
        self.post_join_with(&self.http, token, body.to_string(), "2.0")
            .await
    }

    pub async fn post_join_with(
        &self,
        client: &reqwest::Client,
        token: &str,
        body: String,
        version: &str,
    ) -> (StatusCode, Value) {
        let response = client
            .post(self.url(&format!("/EnrollmentServer/device/?api-version={version}")))
            .bearer_auth(token)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, value)
    }

    /// Joins (JoinType 0) `keys` as `token`'s user and expects success.
    pub async fn join(&self, token: &str, keys: &DeviceKeys) -> Joined {
        self.join_as(token, keys, 0).await
    }

    pub async fn join_as(&self, token: &str, keys: &DeviceKeys, join_type: i64) -> Joined {
        let (status, body) = self
            .post_join(token, &join_body(keys, join_type, "dev1"))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        Joined::from_response(keys, body)
    }

    pub async fn devices_of(&self, user: &cerulean_directory::User) -> Vec<Device> {
        self.server
            .directory
            .devices_of_user(user.tenant_id, user.id)
            .await
            .unwrap()
    }
}

fn client(ca_pem: &[u8], identity: Option<&[u8]>, http1: bool) -> reqwest::Client {
    let mut builder = reqwest::Client::builder()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(ca_pem).unwrap())
        .timeout(std::time::Duration::from_secs(60));
    if let Some(identity) = identity {
        builder = builder.identity(reqwest::Identity::from_pem(identity).unwrap());
    }
    if http1 {
        builder = builder.http1_only();
    }
    builder.build().unwrap()
}

/// A device's key, CSR and transport key blob (a separate key, as libhimmelblau sends).
#[derive(Clone)]
pub struct DeviceKeys {
    pub key_pem: String,
    pub csr_der: Vec<u8>,
    pub transport_blob: Vec<u8>,
}

impl DeviceKeys {
    /// Fresh keys.
    pub fn new() -> DeviceKeys {
        let key = RsaPrivateKey::generate(2048).unwrap();
        let transport = RsaPrivateKey::generate(2048).unwrap();
        Self::from_keys(&key, &transport)
    }

    /// The CSR of `key` and the blob of `transport`.
    pub fn from_keys(key: &RsaPrivateKey, transport: &RsaPrivateKey) -> DeviceKeys {
        DeviceKeys {
            key_pem: key.to_pkcs8_pem().unwrap().expose().to_owned(),
            csr_der: csr_of(key),
            transport_blob: encode_bcrypt_rsa_public_blob(&transport.public_key()),
        }
    }
}

/// A PKCS#10 request for `key` with the placeholder subject every client sends.
pub fn csr_of(key: &RsaPrivateKey) -> Vec<u8> {
    let der = key.to_pkcs8_der().unwrap();
    let pair = KeyPair::from_pkcs8_der_and_sign_algo(
        &PrivatePkcs8KeyDer::from(der.expose()),
        &PKCS_RSA_SHA256,
    )
    .unwrap();
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, PLACEHOLDER_CN);
    params.distinguished_name = dn;
    params.serialize_request(&pair).unwrap().der().to_vec()
}

/// `count` RSA keys made once per test binary (key generation is the slow part).
pub fn key_pool(count: usize) -> &'static [RsaPrivateKey] {
    static POOL: OnceLock<Vec<RsaPrivateKey>> = OnceLock::new();
    let pool = POOL.get_or_init(|| {
        (0..16)
            .map(|_| RsaPrivateKey::generate(2048).unwrap())
            .collect()
    });
    assert!(count <= pool.len());
    &pool[..count]
}

pub fn b64(bytes: &[u8]) -> String {
    cerulean_crypto::b64::b64_std_encode(bytes)
}

/// The roadtx-shaped join body (lower-case `attributes`).
pub fn join_body(keys: &DeviceKeys, join_type: i64, name: &str) -> Value {
    json!({
        "CertificateRequest": {"Type": "pkcs10", "Data": b64(&keys.csr_der)},
        "TransportKey": b64(&keys.transport_blob),
        "TargetDomain": "contoso.test",
        "DeviceType": "Windows",
        "OSVersion": "10.0.19041.928",
        "DeviceDisplayName": name,
        "JoinType": join_type,
        "attributes": {"ReuseDevice": "true", "ReturnClientSid": "true"}
    })
}

/// A successful join: the response and the device certificate in it.
pub struct Joined {
    pub response: Value,
    pub cert_der: Vec<u8>,
    pub info: DeviceCertificateInfo,
    pub key_pem: String,
}

impl Joined {
    pub fn from_response(keys: &DeviceKeys, response: Value) -> Joined {
        let raw = response["Certificate"]["RawBody"].as_str().unwrap();
        let cert_der = cerulean_crypto::b64::b64_std_decode(raw).unwrap();
        let info = parse_device_certificate(&cert_der).unwrap();
        Joined {
            response,
            cert_der,
            info,
            key_pem: keys.key_pem.clone(),
        }
    }

    pub fn device_id(&self) -> Uuid {
        self.info.device_id
    }

    /// PEM key and certificate, for a TLS client identity.
    pub fn identity(&self) -> Vec<u8> {
        let cert = cerulean_crypto::encode_pem("CERTIFICATE", &self.cert_der);
        format!("{}{cert}", self.key_pem).into_bytes()
    }
}

/// The DRS error body's `ErrorType`, asserting the DRS error shape.
pub fn error_type(body: &Value) -> &str {
    for field in ["Message", "TraceId", "Time"] {
        assert!(body[field].is_string(), "not a DRS error body: {body}");
    }
    body["ErrorType"].as_str().unwrap()
}

/// Decodes a JWT's payload.
pub fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&cerulean_crypto::b64::b64url_decode(payload).unwrap()).unwrap()
}

pub fn data_dir() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_path_buf();
    (dir, path)
}
