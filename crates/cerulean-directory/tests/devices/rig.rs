//! A directory on a temporary SQLite file with one tenant, and a stand-in for the DRS: a
//! client key pair per device and a certificate callback that self-signs with it.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use cerulean_crypto::PasswordParams;
use cerulean_directory::*;
use rcgen::PublicKeyData;
use time::OffsetDateTime;

pub struct Rig {
    pub d: Directory,
    pub clock: Arc<ManualClock>,
    pub tenant: TenantId,
    _dir: tempfile::TempDir,
}

pub async fn rig() -> Rig {
    let dir = tempfile::tempdir().unwrap();
    let store = cerulean_store::open_store(&dir.path().join("t.db").display().to_string())
        .await
        .unwrap();
    // Whole microseconds, as the store keeps them, so times compare equal after a trip.
    let start = OffsetDateTime::now_utc();
    let start = start
        .replace_nanosecond(start.nanosecond() / 1_000 * 1_000)
        .unwrap();
    let clock = Arc::new(ManualClock::new(start));
    let params = PasswordParams {
        memory_kib: 64,
        iterations: 1,
        parallelism: 1,
    };
    let d = Directory::new(store, clock.clone(), params).unwrap();
    let tenant = d
        .create_tenant(&ctx(), "Contoso", "contoso.test")
        .await
        .unwrap()
        .id;
    Rig {
        d,
        clock,
        tenant,
        _dir: dir,
    }
}

pub fn ctx() -> ActionContext {
    ActionContext::new(Actor::Operator("test".into())).with_correlation_id("corr-dev")
}

impl Rig {
    pub async fn user(&self, name: &str) -> User {
        self.user_with_roles(name, BTreeSet::new()).await
    }

    pub async fn user_with_roles(&self, name: &str, roles: BTreeSet<Role>) -> User {
        self.d
            .create_user(
                &ctx(),
                NewUser {
                    upn: format!("{name}@contoso.test"),
                    display_name: name.into(),
                    password: None,
                    roles,
                    enabled: true,
                },
            )
            .await
            .unwrap()
    }

    pub async fn group(&self, name: &str) -> Group {
        self.d
            .create_group(&ctx(), self.tenant, name, None)
            .await
            .unwrap()
    }

    pub async fn set_policy(&self, policy: DeviceRegistrationPolicy) {
        self.d
            .put_device_registration_policy(&ctx(), self.tenant, policy)
            .await
            .unwrap();
    }

    pub async fn actions(&self) -> Vec<(String, AuditResult)> {
        self.d
            .store()
            .audit_events(&AuditQuery {
                tenant_id: Some(self.tenant),
                limit: 10_000,
                ..AuditQuery::default()
            })
            .await
            .unwrap()
            .into_iter()
            .map(|e| (e.action, e.result))
            .collect()
    }

    pub async fn count(&self, action: &str, result: &AuditResult) -> usize {
        self.actions()
            .await
            .iter()
            .filter(|(a, r)| a == action && r == result)
            .count()
    }

    /// Joins (or registers) `client` as `user` with `amr` and whatever reuse hint the
    /// request carries.
    pub async fn register(
        &self,
        client: &Client,
        request: RegisterDevice,
    ) -> Result<RegisteredDevice, DeviceRefusal> {
        self.d
            .register_device(&ctx(), request, |cert| client.issue(cert))
            .await
            .unwrap()
    }

    pub async fn join(
        &self,
        client: &Client,
        user: &User,
    ) -> Result<RegisteredDevice, DeviceRefusal> {
        self.register(
            client,
            client.request(self.tenant, user, TrustType::AzureAd),
        )
        .await
    }
}

/// A device's keys as the DRS sees them, and a count of certificates issued for it.
pub struct Client {
    key: rcgen::KeyPair,
    transport: Vec<u8>,
    pub issued: AtomicUsize,
}

impl Client {
    pub fn new() -> Client {
        let transport = rcgen::KeyPair::generate()
            .unwrap()
            .subject_public_key_info();
        Client {
            key: rcgen::KeyPair::generate().unwrap(),
            transport,
            issued: AtomicUsize::new(0),
        }
    }

    pub fn spki(&self) -> Vec<u8> {
        self.key.subject_public_key_info()
    }

    pub fn issued(&self) -> usize {
        self.issued.load(Ordering::SeqCst)
    }

    /// A join/register request for this key pair; its fingerprint covers the keys and
    /// the trust type, as the DRS's does.
    pub fn request(&self, tenant: TenantId, user: &User, trust: TrustType) -> RegisterDevice {
        let mut material = self.spki();
        material.extend_from_slice(&self.transport);
        material.extend_from_slice(trust.as_str().as_bytes());
        RegisterDevice {
            tenant,
            user: user.id,
            amr: vec!["pwd".into()],
            trust_type: trust,
            reuse_device: None,
            display_name: "DESKTOP-1".into(),
            operating_system: "Windows".into(),
            operating_system_version: "10.0.22631.4460".into(),
            cert_public_key_spki: self.spki(),
            transport_key_spki: self.transport.clone(),
            request_fingerprint: device::hello_key_hash(&material),
        }
    }

    /// The certificate callback: CN = device id, this client's key (self-signed here; the
    /// DRS signs with the tenant's device CA).
    pub fn issue(&self, cert: &CertificateToIssue<'_>) -> DirectoryResult<Vec<u8>> {
        assert_eq!(cert.public_key_spki, self.spki().as_slice());
        self.issued.fetch_add(1, Ordering::SeqCst);
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, cert.device_id.to_string());
        // A fresh serial makes every issuance a different certificate.
        params.serial_number = Some(rcgen::SerialNumber::from_slice(
            uuid::Uuid::new_v4().as_bytes(),
        ));
        Ok(params.self_signed(&self.key).unwrap().der().to_vec())
    }
}

pub fn amr(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| v.to_string()).collect()
}

pub fn failure(code: &str) -> AuditResult {
    AuditResult::Failure(code.to_string())
}
