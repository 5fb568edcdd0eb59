//! The router through `oneshot`, no sockets. The store is a stub whose `ping` can be
//! made to fail; nothing else here touches it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use axum::body::Body;
use axum::routing::{get, post};
use cerulean_crypto::PasswordParams;
use cerulean_directory::authority::{
    AuthContext, AuthorityStore, AuthorizationCode, BrowserSession, CodeRedemption, DeviceCode,
    LockoutState, LockoutUpdate, RefreshRedemption, RefreshToken, SigningKey,
};
use cerulean_directory::{
    Application, AuditEvent, AuditQuery, ClientId, Device, DeviceId, DeviceObjectId, DevicePage,
    DeviceQuery, DeviceRegistration, DeviceRegistrationPolicy, DeviceStore, Domain, Group, GroupId,
    HelloKey, Member, RegistrationOutcome, ServerSecret, Store, StoreError, StoreResult,
    SystemClock, Tenant, TenantDeviceCa, TenantId, User, UserId,
};
use http::{Request, StatusCode};
use time::OffsetDateTime;
use tower::ServiceExt as _;

use super::*;
use crate::OriginalPath;

#[derive(Debug, Default)]
struct StubStore {
    down: AtomicBool,
}

fn down() -> StoreError {
    StoreError::Unavailable("stub".to_owned())
}

#[async_trait]
impl Store for StubStore {
    fn backend(&self) -> &'static str {
        "stub"
    }
    async fn ping(&self) -> StoreResult<()> {
        if self.down.load(Ordering::SeqCst) {
            Err(StoreError::Unavailable(
                "connection refused to db.internal".into(),
            ))
        } else {
            Ok(())
        }
    }
    async fn create_tenant(
        &self,
        _: &Tenant,
        _: &Domain,
        _: &[Application],
        _: &AuditEvent,
    ) -> StoreResult<()> {
        Err(down())
    }
    async fn update_tenant(&self, _: &Tenant, _: &AuditEvent) -> StoreResult<()> {
        Err(down())
    }
    async fn tenant(&self, _: TenantId) -> StoreResult<Option<Tenant>> {
        Err(down())
    }
    async fn tenants(&self) -> StoreResult<Vec<Tenant>> {
        Err(down())
    }
    async fn add_domain(&self, _: &Domain, _: &AuditEvent) -> StoreResult<()> {
        Err(down())
    }
    async fn update_domain(&self, _: &Domain, _: &AuditEvent) -> StoreResult<()> {
        Err(down())
    }
    async fn domain(&self, _: &str) -> StoreResult<Option<Domain>> {
        Err(down())
    }
    async fn domains(&self, _: TenantId) -> StoreResult<Vec<Domain>> {
        Err(down())
    }
    async fn create_user(&self, _: &User, _: &AuditEvent) -> StoreResult<()> {
        Err(down())
    }
    async fn update_user(&self, _: &User, _: &AuditEvent) -> StoreResult<()> {
        Err(down())
    }
    async fn user(&self, _: TenantId, _: UserId) -> StoreResult<Option<User>> {
        Err(down())
    }
    async fn user_by_upn(&self, _: &str) -> StoreResult<Option<User>> {
        Err(down())
    }
    async fn users(&self, _: TenantId) -> StoreResult<Vec<User>> {
        Err(down())
    }
    async fn create_group(&self, _: &Group, _: &AuditEvent) -> StoreResult<()> {
        Err(down())
    }
    async fn group(&self, _: TenantId, _: GroupId) -> StoreResult<Option<Group>> {
        Err(down())
    }
    async fn groups(&self, _: TenantId) -> StoreResult<Vec<Group>> {
        Err(down())
    }
    async fn add_group_member(
        &self,
        _: TenantId,
        _: GroupId,
        _: Member,
        _: &AuditEvent,
    ) -> StoreResult<bool> {
        Err(down())
    }
    async fn remove_group_member(
        &self,
        _: TenantId,
        _: GroupId,
        _: Member,
        _: &AuditEvent,
    ) -> StoreResult<bool> {
        Err(down())
    }
    async fn group_members(&self, _: TenantId, _: GroupId) -> StoreResult<Vec<Member>> {
        Err(down())
    }
    async fn member_of(&self, _: TenantId, _: Member) -> StoreResult<Vec<GroupId>> {
        Err(down())
    }
    async fn create_application(&self, _: &Application, _: &AuditEvent) -> StoreResult<()> {
        Err(down())
    }
    async fn update_application(&self, _: &Application, _: &AuditEvent) -> StoreResult<()> {
        Err(down())
    }
    async fn application(&self, _: TenantId, _: ClientId) -> StoreResult<Option<Application>> {
        Err(down())
    }
    async fn applications(&self, _: TenantId) -> StoreResult<Vec<Application>> {
        Err(down())
    }
    async fn record_audit(&self, _: &AuditEvent) -> StoreResult<()> {
        Err(down())
    }
    async fn audit_events(&self, _: &AuditQuery) -> StoreResult<Vec<AuditEvent>> {
        Err(down())
    }
}

/// The authority's half of the store: everything fails like the rest of the stub.
#[async_trait]
impl AuthorityStore for StubStore {
    async fn add_signing_key(&self, _: &SigningKey, _: &AuditEvent) -> StoreResult<()> {
        Err(down())
    }
    async fn signing_keys(&self, _: TenantId, _: OffsetDateTime) -> StoreResult<Vec<SigningKey>> {
        Err(down())
    }
    async fn insert_authorization_code(&self, _: &AuthorizationCode) -> StoreResult<()> {
        Err(down())
    }
    async fn consume_authorization_code(
        &self,
        _: &str,
        _: OffsetDateTime,
    ) -> StoreResult<CodeRedemption> {
        Err(down())
    }
    async fn insert_refresh_token(&self, _: &RefreshToken) -> StoreResult<()> {
        Err(down())
    }
    async fn consume_refresh_token(
        &self,
        _: &str,
        _: OffsetDateTime,
    ) -> StoreResult<RefreshRedemption> {
        Err(down())
    }
    async fn revoke_refresh_family(&self, _: uuid::Uuid) -> StoreResult<u64> {
        Err(down())
    }
    async fn revoke_user_refresh_tokens(
        &self,
        _: TenantId,
        _: UserId,
        _: &AuditEvent,
    ) -> StoreResult<u64> {
        Err(down())
    }
    async fn insert_device_code(&self, _: &DeviceCode) -> StoreResult<()> {
        Err(down())
    }
    async fn device_code_by_user_code(
        &self,
        _: &str,
        _: OffsetDateTime,
    ) -> StoreResult<Option<DeviceCode>> {
        Err(down())
    }
    async fn decide_device_code(
        &self,
        _: &str,
        _: Option<AuthContext>,
        _: OffsetDateTime,
    ) -> StoreResult<bool> {
        Err(down())
    }
    async fn poll_device_code(
        &self,
        _: &str,
        _: OffsetDateTime,
    ) -> StoreResult<Option<DeviceCode>> {
        Err(down())
    }
    async fn insert_session(&self, _: &BrowserSession) -> StoreResult<()> {
        Err(down())
    }
    async fn session(&self, _: &str) -> StoreResult<Option<BrowserSession>> {
        Err(down())
    }
    async fn delete_session(&self, _: &str) -> StoreResult<()> {
        Err(down())
    }
    async fn lockout_state(&self, _: UserId) -> StoreResult<LockoutState> {
        Err(down())
    }
    async fn update_lockout(&self, _: UserId, _: LockoutUpdate<'_>) -> StoreResult<LockoutState> {
        Err(down())
    }
    async fn consume_nonce(&self, _: &str, _: OffsetDateTime) -> StoreResult<bool> {
        Err(down())
    }
    async fn insert_primary_refresh_token(
        &self,
        _: &cerulean_directory::authority::PrimaryRefreshToken,
    ) -> StoreResult<()> {
        Err(down())
    }
    async fn primary_refresh_token(
        &self,
        _: &str,
    ) -> StoreResult<Option<cerulean_directory::authority::PrimaryRefreshToken>> {
        Err(down())
    }
    async fn revoke_primary_refresh_token(&self, _: &str) -> StoreResult<bool> {
        Err(down())
    }
    async fn revoke_device_primary_refresh_tokens(
        &self,
        _: TenantId,
        _: cerulean_directory::DeviceObjectId,
    ) -> StoreResult<u64> {
        Err(down())
    }
    async fn revoke_user_primary_refresh_tokens(&self, _: TenantId, _: UserId) -> StoreResult<u64> {
        Err(down())
    }
    async fn purge_expired(&self, _: OffsetDateTime) -> StoreResult<u64> {
        Err(down())
    }
}

async fn panics() -> &'static str {
    panic!("secret detail 42")
}

struct Harness {
    store: Arc<StubStore>,
    router: Router,
}

fn harness_with(config: Config) -> Harness {
    let store = Arc::new(StubStore::default());
    let cheap = PasswordParams {
        memory_kib: 8,
        iterations: 1,
        parallelism: 1,
    };
    let directory = Directory::new(store.clone(), Arc::new(SystemClock), cheap).unwrap();
    let state = AppState::new(directory, Arc::new(config), Arc::new(Metrics::new()));
    let extra = Router::new()
        .route("/test/echo", post(|body: String| async move { body }))
        .route("/test/panic", get(panics))
        .route(
            "/test/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                "late"
            }),
        )
        .route(
            "/test/path/{segment}",
            get(
                |axum::extract::Path(segment): axum::extract::Path<String>,
                 axum::Extension(original): axum::Extension<OriginalPath>| async move {
                    format!("{segment} {}", original.0)
                },
            ),
        );
    Harness {
        store,
        router: app_with(state, extra),
    }
}

fn harness() -> Harness {
    harness_with(Config::default())
}

async fn send(router: &Router, request: Request<Body>) -> (StatusCode, http::HeaderMap, String) {
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .unwrap();
    (status, headers, String::from_utf8(bytes.to_vec()).unwrap())
}

fn get_req(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

#[tokio::test]
async fn healthz_is_ok_even_when_the_store_is_down() {
    let h = harness();
    h.store.down.store(true, Ordering::SeqCst);
    let (status, headers, body) = send(&h.router, get_req("/healthz")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "ok");
    assert!(headers.contains_key("client-request-id"));
}

#[tokio::test]
async fn readyz_follows_the_store() {
    let h = harness();
    let (status, _, body) = send(&h.router, get_req("/readyz")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, r#"{"status":"ready","store":"stub"}"#);

    h.store.down.store(true, Ordering::SeqCst);
    let (status, headers, body) = send(&h.router, get_req("/readyz")).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(headers[http::header::CONTENT_TYPE], "application/json");
    assert_eq!(
        body, r#"{"status":"unavailable","store":"stub"}"#,
        "no error detail leaks"
    );
}

#[tokio::test]
async fn unknown_paths_get_a_json_404_counted_as_unmatched() {
    let h = harness();
    let (status, _, body) = send(&h.router, get_req("/nope/x?code=secret")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        body,
        r#"{"error":{"code":"not_found","message":"no such endpoint"}}"#
    );
    let (_, headers, metrics) = send(&h.router, get_req("/metrics")).await;
    assert!(
        headers[http::header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text")
    );
    assert!(
        metrics.contains(
            r#"cerulean_http_requests_total{method="GET",route="unmatched",status="404"} 1"#
        ),
        "{metrics}"
    );
    assert!(!metrics.contains("/nope"), "raw paths never become labels");
}

#[tokio::test]
async fn metrics_count_requests_by_route_template() {
    let h = harness();
    for _ in 0..2 {
        send(&h.router, get_req("/healthz")).await;
    }
    send(&h.router, get_req("/test/path/Alice")).await;
    let (status, _, metrics) = send(&h.router, get_req("/metrics")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        metrics.contains(
            r#"cerulean_http_requests_total{method="GET",route="/healthz",status="200"} 2"#
        ),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"route="/test/path/{segment}""#),
        "{metrics}"
    );
    assert!(
        metrics.contains("cerulean_http_request_duration_seconds_count{route=\"/healthz\"} 2"),
        "{metrics}"
    );
    assert!(
        metrics.contains("cerulean_build_info{version=\""),
        "{metrics}"
    );
    assert!(
        metrics.contains("cerulean_process_resident_memory_bytes"),
        "{metrics}"
    );
}

#[tokio::test]
async fn correlation_id_is_echoed_or_generated() {
    let h = harness();
    let id = "9a4c1e2b-1111-4222-8333-444455556666";
    let request = Request::get("/healthz")
        .header("client-request-id", id)
        .body(Body::empty())
        .unwrap();
    let (_, headers, _) = send(&h.router, request).await;
    assert_eq!(headers["client-request-id"], id);
    assert_eq!(headers["x-ms-request-id"], id);

    let request = Request::get("/healthz")
        .header("client-request-id", "bad id\twith spaces")
        .body(Body::empty())
        .unwrap();
    let (_, headers, _) = send(&h.router, request).await;
    let generated = headers["client-request-id"].to_str().unwrap();
    assert!(uuid::Uuid::parse_str(generated).is_ok(), "{generated}");
    assert_eq!(headers["x-ms-request-id"], generated);
}

#[tokio::test]
async fn oversized_bodies_get_a_json_413() {
    let mut config = Config::default();
    config.server.max_body_bytes = 1024;
    let h = harness_with(config);

    // Declared too large: refused before the handler runs.
    let request = Request::post("/test/echo")
        .body(Body::from(vec![b'a'; 2048]))
        .unwrap();
    let (status, headers, body) = send(&h.router, request).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(headers[http::header::CONTENT_TYPE], "application/json");
    assert_eq!(
        body,
        r#"{"error":{"code":"payload_too_large","message":"request body larger than 1024 bytes"}}"#
    );

    // Streamed without a length: cut off while reading.
    let chunks = futures_util::stream::iter(
        (0..4).map(|_| Ok::<_, std::io::Error>(bytes::Bytes::from(vec![b'a'; 512]))),
    );
    let request = Request::post("/test/echo")
        .body(Body::from_stream(chunks))
        .unwrap();
    let (status, headers, _) = send(&h.router, request).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(headers[http::header::CONTENT_TYPE], "application/json");

    // Within the limit.
    let request = Request::post("/test/echo")
        .body(Body::from("hello"))
        .unwrap();
    let (status, _, body) = send(&h.router, request).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "hello"));
}

#[tokio::test]
async fn panics_become_a_generic_500() {
    let h = harness();
    let (status, headers, body) = send(&h.router, get_req("/test/panic")).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        body,
        r#"{"error":{"code":"internal_error","message":"internal server error"}}"#
    );
    assert!(!body.contains("42"));
    assert!(
        headers.contains_key("client-request-id"),
        "observed despite the panic"
    );
    let (_, _, metrics) = send(&h.router, get_req("/metrics")).await;
    assert!(
        metrics.contains(r#"route="/test/panic",status="500""#),
        "{metrics}"
    );
}

#[tokio::test]
async fn slow_requests_time_out_with_503() {
    let mut config = Config::default();
    config.server.request_timeout_secs = 1;
    let h = harness_with(config);
    let (status, _, body) = send(&h.router, get_req("/test/slow")).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(body.contains(r#""code":"timeout""#), "{body}");
    let (_, _, metrics) = send(&h.router, get_req("/metrics")).await;
    assert!(
        metrics.contains(r#"route="/test/slow",status="503""#),
        "{metrics}"
    );
}

#[tokio::test]
async fn paths_match_case_insensitively_with_decoded_escapes() {
    let h = harness();
    let (status, _, body) = send(&h.router, get_req("/HealthZ/")).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "ok"));
    let (status, _, body) = send(&h.router, get_req("/Test/Path/Alice%40Contoso.test?X=Y")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body, "alice@contoso.test /Test/Path/Alice%40Contoso.test");
}

/// Devices: everything fails like the rest of the stub.
#[async_trait]
impl DeviceStore for StubStore {
    async fn register_device(
        &self,
        _: &DeviceRegistration<'_>,
        _: &AuditEvent,
    ) -> StoreResult<RegistrationOutcome> {
        Err(down())
    }
    async fn device_by_fingerprint(
        &self,
        _: TenantId,
        _: UserId,
        _: &str,
    ) -> StoreResult<Option<Device>> {
        Err(down())
    }
    async fn count_devices_of_user(&self, _: TenantId, _: UserId) -> StoreResult<u32> {
        Err(down())
    }
    async fn update_device(&self, _: &Device, _: &AuditEvent) -> StoreResult<()> {
        Err(down())
    }
    async fn delete_device(
        &self,
        _: TenantId,
        _: DeviceObjectId,
        _: &AuditEvent,
    ) -> StoreResult<bool> {
        Err(down())
    }
    async fn record_device_sign_in(
        &self,
        _: TenantId,
        _: DeviceObjectId,
        _: OffsetDateTime,
        _: OffsetDateTime,
    ) -> StoreResult<bool> {
        Err(down())
    }
    async fn device(&self, _: TenantId, _: DeviceObjectId) -> StoreResult<Option<Device>> {
        Err(down())
    }
    async fn device_by_device_id(&self, _: TenantId, _: DeviceId) -> StoreResult<Option<Device>> {
        Err(down())
    }
    async fn device_by_thumbprint(&self, _: &str) -> StoreResult<Option<Device>> {
        Err(down())
    }
    async fn devices_of_user(&self, _: TenantId, _: UserId) -> StoreResult<Vec<Device>> {
        Err(down())
    }
    async fn list_devices(&self, _: TenantId, _: &DeviceQuery) -> StoreResult<DevicePage> {
        Err(down())
    }
    async fn add_hello_key(&self, _: &HelloKey, _: &AuditEvent) -> StoreResult<()> {
        Err(down())
    }
    async fn hello_key_by_hash(&self, _: TenantId, _: &str) -> StoreResult<Option<HelloKey>> {
        Err(down())
    }
    async fn hello_keys_of_user(&self, _: TenantId, _: UserId) -> StoreResult<Vec<HelloKey>> {
        Err(down())
    }
    async fn device_registration_policy(
        &self,
        _: TenantId,
    ) -> StoreResult<Option<DeviceRegistrationPolicy>> {
        Err(down())
    }
    async fn put_device_registration_policy(
        &self,
        _: TenantId,
        _: &DeviceRegistrationPolicy,
        _: &AuditEvent,
    ) -> StoreResult<()> {
        Err(down())
    }
    async fn insert_device_ca(
        &self,
        _: &TenantDeviceCa,
        _: &AuditEvent,
    ) -> StoreResult<TenantDeviceCa> {
        Err(down())
    }
    async fn device_ca(&self, _: TenantId) -> StoreResult<Option<TenantDeviceCa>> {
        Err(down())
    }
    async fn device_cas(&self) -> StoreResult<Vec<TenantDeviceCa>> {
        Err(down())
    }
    async fn insert_server_secret(
        &self,
        _: &ServerSecret,
        _: &AuditEvent,
    ) -> StoreResult<ServerSecret> {
        Err(down())
    }
    async fn server_secret(&self, _: &str) -> StoreResult<Option<ServerSecret>> {
        Err(down())
    }
}
