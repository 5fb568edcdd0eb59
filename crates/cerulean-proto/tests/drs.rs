//! DRS wire fixtures (tests/data/drs/): one per client shape or deviation.
//!
//! * `join_roadtx.json`: lower-case `attributes`, `TargetDomain` `iminyour.cloud`, the
//!   transport key is the CSR key.
//! * `join_libhimmelblau.json`: `Attributes`, `DeviceType` `Linux`, a separate transport
//!   key, base64 without padding.
//! * `join_register_powershell.json`: `JoinType` as the string `"4"`, PowerShell's
//!   `"True"`/`"False"`.
//! * `join_macos_jwk.json`: the transport key is base64 of a JWK's JSON.
//! * `join_hybrid.json`: `JoinType` 6, refused with a clear message.
//! * `discover_*.json`, `join_response_dvrj_object.json`, `nonce_response.json`,
//!   `error_authentication.json`, `kpp_request.json`: responses and KPP.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use cerulean_proto::drs::{
    DrsDiscovery, DrsError, DrsErrorBody, DrsNonceResponse, JoinRequestError, JoinRequestValidated,
    JoinResponse, JoinType, KeyRegistrationRequest,
};

fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/drs")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn roadtx_join() {
    let v = JoinRequestValidated::parse(&fixture("join_roadtx.json")).unwrap();
    assert_eq!(v.join_type, JoinType::Join);
    assert_eq!(v.device_type, "Windows");
    assert_eq!(v.os_version, "10.0.19041.928");
    assert_eq!(v.target_domain.as_deref(), Some("iminyour.cloud"));
    assert!(v.attributes.reuse_device && v.attributes.return_client_sid);
    assert_eq!(&v.transport_key[..4], b"RSA1");
    assert_eq!(v.csr_der[0], 0x30);
}

#[test]
fn libhimmelblau_join() {
    let v = JoinRequestValidated::parse(&fixture("join_libhimmelblau.json")).unwrap();
    assert_eq!(v.join_type, JoinType::Join);
    assert_eq!(v.device_type, "Linux");
    assert_eq!(v.display_name, "box1");
    assert!(v.attributes.return_client_sid);
    assert_eq!(&v.transport_key[..4], b"RSA1");
}

#[test]
fn powershell_register() {
    let v = JoinRequestValidated::parse(&fixture("join_register_powershell.json")).unwrap();
    assert_eq!(v.join_type, JoinType::Register);
    assert!(v.attributes.reuse_device && v.attributes.return_client_sid);
    assert!(!v.attributes.shared_device);
}

#[test]
fn macos_jwk_transport_key() {
    let v = JoinRequestValidated::parse(&fixture("join_macos_jwk.json")).unwrap();
    assert_eq!(v.join_type, JoinType::Register);
    let jwk: serde_json::Value = serde_json::from_slice(&v.transport_key).unwrap();
    assert_eq!(jwk["kty"], "RSA");
}

#[test]
fn hybrid_join_refused_clearly() {
    let err = JoinRequestValidated::parse(&fixture("join_hybrid.json")).unwrap_err();
    assert_eq!(err, JoinRequestError::HybridJoinUnsupported);
    let drs = DrsError::from(err);
    assert_eq!(drs.http_status(), 400);
    assert!(
        drs.message
            .contains("hybrid join needs on-premises AD and is not supported")
    );
}

#[test]
fn discovery_documents_parse() {
    let minimal = DrsDiscovery::from_json(&fixture("discover_minimal.json")).unwrap();
    assert_eq!(
        minimal.device_join_service.unwrap().join_endpoint,
        "http://127.0.0.1:8081/EnrollmentServer/device/"
    );
    let entra = DrsDiscovery::from_json(&fixture("discover_entra_style.json")).unwrap();
    assert_eq!(entra.identity_provider_service.unwrap().federated, "false");
    assert_eq!(entra.tenant_info.unwrap().tenant_name, "contoso.test");
    // What we build has at least every section of the Entra-style document.
    let ours: serde_json::Value = serde_json::from_str(
        &DrsDiscovery::build("https://d", "https://a", "t", "n", "N").to_json(),
    )
    .unwrap();
    let theirs: serde_json::Value =
        serde_json::from_slice(&fixture("discover_entra_style.json")).unwrap();
    for (section, fields) in theirs.as_object().unwrap() {
        for field in fields.as_object().unwrap().keys() {
            assert!(
                !ours[section][field].is_null(),
                "{section}.{field} missing from our document"
            );
        }
    }
}

#[test]
fn responses_parse() {
    let r = JoinResponse::from_json(&fixture("join_response_dvrj_object.json")).unwrap();
    assert_eq!(r.membership_changes.len(), 1);
    assert_eq!(r.certificate_der().unwrap(), [0x30, 0x03, 0x02, 0x01, 0x01]);
    assert_eq!(r.user.unwrap().upn, "alice@contoso.test");
    let n: DrsNonceResponse = serde_json::from_slice(&fixture("nonce_response.json")).unwrap();
    assert_eq!(n.value, "AwABAAEAAAACAOz_BAD0_3sRR6x5");
    let e: DrsErrorBody = serde_json::from_slice(&fixture("error_authentication.json")).unwrap();
    assert_eq!(e.error_type, "AuthenticationError");
}

#[test]
fn kpp_request() {
    let r = KeyRegistrationRequest::parse(&fixture("kpp_request.json")).unwrap();
    let blob = r.kngc_blob().unwrap();
    assert_eq!(&blob[..4], b"RSA1");
    assert_eq!(blob.len(), 24 + 3 + 256);
}
