//! The DRS join building blocks end to end, on the client-shaped fixtures of
//! `cerulean-proto/tests/data/drs` (real OpenSSL-made CSRs and key blobs): body →
//! validated request → verified CSR and transport key → device certificate → join
//! response → what a client reads back (`Certificate.RawBody`, first subject RDN,
//! …284.5).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::sync::OnceLock;

use cerulean_crypto::{
    DeviceCa, DeviceCertParams, parse_and_verify_csr, parse_bcrypt_rsa_public_blob,
    parse_device_certificate, parse_transport_key,
};
use cerulean_proto::drs::{
    JoinRequestValidated, JoinResponse, KeyRegistrationRequest, MembershipChange,
};
use time::OffsetDateTime;
use uuid::Uuid;

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../cerulean-proto/tests/data/drs")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_760_000_000).unwrap()
}

fn tenant() -> Uuid {
    Uuid::parse_str("6babcaad-604b-40ac-a9d7-9fd97c0b779f").unwrap()
}

fn ca() -> &'static DeviceCa {
    static CA: OnceLock<DeviceCa> = OnceLock::new();
    CA.get_or_init(|| DeviceCa::generate(tenant(), now()).unwrap())
}

/// Runs one join body through the server-side steps and the client-side reading.
fn join(name: &str) -> (JoinRequestValidated, bool) {
    let req = JoinRequestValidated::parse(&fixture(name)).unwrap();
    let csr = parse_and_verify_csr(&req.csr_der).unwrap();
    let transport = parse_transport_key(&req.transport_key).unwrap();
    let same_key = transport == csr.public_key;

    let device_id = Uuid::new_v4();
    let issued = ca()
        .issue_device_certificate(DeviceCertParams {
            device_id,
            tenant_id: tenant(),
            user_object_id: Uuid::new_v4(),
            join_type_joined: req.join_type.is_join(),
            region: None,
            public_key: &csr.public_key,
            not_before: now(),
            validity_days: 3650,
        })
        .unwrap();
    let body = JoinResponse::new(&issued.sha1_thumbprint_upper_hex, &issued.der)
        .with_upn("alice@contoso.test")
        .with_membership_change(MembershipChange::local_administrators(vec![]))
        .to_json();

    // Client side: RawBody, first subject RDN = device id, …284.5 = tenant.
    let response = JoinResponse::from_json(body.as_bytes()).unwrap();
    let der = response.certificate_der().unwrap();
    assert_eq!(der, issued.der);
    let info = parse_device_certificate(&der).unwrap();
    assert_eq!(info.device_id, device_id);
    assert_eq!(info.tenant_id, Some(tenant()));
    assert_eq!(info.public_key().unwrap(), csr.public_key);
    assert_eq!(response.certificate.thumbprint, info.sha1_thumbprint);
    ca().verify_device_certificate(&der, now()).unwrap();
    (req, same_key)
}

#[test]
fn roadtx_uses_the_csr_key_as_transport_key() {
    let (req, same_key) = join("join_roadtx.json");
    assert!(req.join_type.is_join());
    assert!(same_key);
}

#[test]
fn libhimmelblau_sends_a_separate_transport_key() {
    let (_, same_key) = join("join_libhimmelblau.json");
    assert!(!same_key);
}

#[test]
fn register_and_jwk_transport_keys() {
    let (req, _) = join("join_register_powershell.json");
    assert!(!req.join_type.is_join());
    let (req, _) = join("join_macos_jwk.json");
    assert_eq!(req.device_type, "MacOS");
}

#[test]
fn kpp_blob_parses() {
    let req = KeyRegistrationRequest::parse(&fixture("kpp_request.json")).unwrap();
    let key = parse_bcrypt_rsa_public_blob(&req.kngc_blob().unwrap()).unwrap();
    assert_eq!(key.bits(), 2048);
}
