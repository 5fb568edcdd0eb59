//! Shared by the device's end-to-end tests: a real Cerulean server (testkit) and the
//! real device library talking to it over TLS.
#![allow(dead_code)]

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use cerulean_crypto::SecretString;
use cerulean_device::http::{RetryPolicy, Trust};
use cerulean_device::oobe::{Credential, Oobe, Setup, Silent};
use cerulean_directory::authority::AuthContext;
use cerulean_directory::{
    ActionContext, Actor, Clock as _, Device, DeviceObjectId, DomainKind, FederationSettings,
    SystemClock,
};
use cerulean_testkit::{FIXTURE_PASSWORD, TestServer};

pub const ALICE: &str = "alice@contoso.test";

pub fn trust(server: &TestServer) -> Trust {
    Trust::from_ca_file(&server.ca_path).unwrap()
}

/// A Pro device against `server`, retrying quickly.
pub fn setup(dir: &Path, server: &TestServer) -> Setup {
    let mut setup = Setup::for_server(dir, &server.base_url(), trust(server));
    setup.retry = RetryPolicy {
        first_delay: Duration::from_millis(50),
        max_delay: Duration::from_millis(200),
        give_up_after: Duration::from_secs(5),
    };
    setup
}

pub fn oobe(dir: &Path, server: &TestServer) -> Oobe {
    Oobe::new(setup(dir, server), Arc::new(Silent)).unwrap()
}

pub fn password(upn: &str) -> Credential {
    Credential::Password {
        upn: upn.to_string(),
        password: SecretString::new(FIXTURE_PASSWORD.to_string()),
    }
}

/// Every device of `upn` in the directory.
pub async fn devices_of(server: &TestServer, upn: &str) -> Vec<Device> {
    let user = server.directory.user_by_upn(upn).await.unwrap().unwrap();
    server
        .directory
        .devices_of_user(user.tenant_id, user.id)
        .await
        .unwrap()
}

pub fn admin() -> ActionContext {
    ActionContext::new(Actor::System)
}

pub async fn set_enabled(server: &TestServer, device: &Device, enabled: bool) {
    server
        .directory
        .set_device_enabled(&admin(), device.tenant_id, device.object_id, enabled)
        .await
        .unwrap();
}

pub async fn delete(server: &TestServer, tenant: cerulean_directory::TenantId, id: DeviceObjectId) {
    server
        .directory
        .delete_device(&admin(), tenant, id)
        .await
        .unwrap();
}

/// Makes contoso.test a federated domain whose users sign in at its AD FS.
pub async fn federate_contoso(server: &TestServer) {
    server
        .directory
        .set_domain_kind(
            &admin(),
            "contoso.test",
            DomainKind::Federated(FederationSettings {
                issuer_uri: "http://adfs.contoso.test/adfs/services/trust".into(),
                passive_sign_in_uri: "https://adfs.contoso.test/adfs/ls/".into(),
                active_sign_in_uri: None,
                metadata_exchange_uri: None,
                sign_out_uri: None,
                signing_certificate: None,
                preferred_authentication_protocol: Default::default(),
                brand_name: Some("Contoso AD FS".into()),
            }),
        )
        .await
        .unwrap();
}

/// Approves `user_code` as the verification page does once `upn` has signed in (with
/// MFA) on another device.
pub async fn approve_device_code(server: &TestServer, upn: &str, user_code: &str) {
    let user = server.directory.user_by_upn(upn).await.unwrap().unwrap();
    let auth = AuthContext {
        tenant_id: user.tenant_id,
        user_id: user.id,
        amr: vec!["pwd".into(), "mfa".into()],
        auth_time: SystemClock.now(),
        device_id: None,
    };
    let decided = server
        .directory
        .store()
        .decide_device_code(user_code, Some(auth), SystemClock.now())
        .await
        .unwrap();
    assert!(decided, "the code {user_code} was pending");
}
