//! The device CA and its device certificates (PROTOCOLS.md §4.6): profile checked with
//! x509-parser, round trips through `parse_device_certificate`, the MS-DVRJ example
//! extension bytes, and — when `/usr/bin/openssl` exists — OpenSSL as an independent
//! verifier (`openssl verify -purpose sslclient -x509_strict`, `openssl x509 -text`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Command;
use std::sync::OnceLock;

use cerulean_crypto::device_ca::{
    DEVICE_CERT_VALIDITY_DAYS, MS_ORGANIZATION_ACCESS_OU, OID_MS_DEVICE_ID, OID_MS_JOIN_TYPE,
    OID_MS_TENANT_ID, OID_MS_TENANT_REGION, OID_MS_USER_OBJECT_ID,
};
use cerulean_crypto::{
    CertificateJoinType, CryptoError, DeviceCa, DeviceCertParams, RsaPrivateKey, RsaPublicKey,
    parse_device_certificate, verify_certificate,
};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;
use x509_parser::extensions::ParsedExtension;
use x509_parser::oid_registry::{OID_X509_EXT_BASIC_CONSTRAINTS, OID_X509_EXT_EXTENDED_KEY_USAGE};
use x509_parser::parse_x509_certificate;

const OPENSSL: &str = "/usr/bin/openssl";

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// The MS-DVRJ example device id and its …284.2 extension value.
const DVRJ_DEVICE_ID: &str = "9d53c6fa-b38e-4509-8fb1-51dedb421aac";
const DVRJ_EXTENSION_VALUE: [u8; 19] = [
    0x04, 0x81, 0x10, 0xFA, 0xC6, 0x53, 0x9D, 0x8E, 0xB3, 0x09, 0x45, 0x8F, 0xB1, 0x51, 0xDE, 0xDB,
    0x42, 0x1A, 0xAC,
];

fn now() -> OffsetDateTime {
    // A fixed instant keeps the tests independent of the wall clock.
    OffsetDateTime::from_unix_timestamp(1_760_000_000).unwrap()
}

fn tenant() -> Uuid {
    Uuid::parse_str("6babcaad-604b-40ac-a9d7-9fd97c0b779f").unwrap()
}

fn user() -> Uuid {
    Uuid::parse_str("0f2d1a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b").unwrap()
}

/// RSA generation is slow in debug builds; the binary shares one CA and one device key.
fn ca() -> &'static DeviceCa {
    static CA: OnceLock<DeviceCa> = OnceLock::new();
    CA.get_or_init(|| DeviceCa::generate(tenant(), now()).unwrap())
}

fn device_key() -> &'static RsaPrivateKey {
    static KEY: OnceLock<RsaPrivateKey> = OnceLock::new();
    KEY.get_or_init(|| RsaPrivateKey::generate(2048).unwrap())
}

fn params(device_id: Uuid, public_key: &RsaPublicKey) -> DeviceCertParams<'_> {
    DeviceCertParams {
        device_id,
        tenant_id: tenant(),
        user_object_id: user(),
        join_type_joined: true,
        region: Some("EU"),
        public_key,
        not_before: now(),
        validity_days: DEVICE_CERT_VALIDITY_DAYS,
    }
}

fn extension_value(der: &[u8], oid: &str) -> Option<(bool, Vec<u8>)> {
    let (_, cert) = parse_x509_certificate(der).unwrap();
    cert.extensions()
        .iter()
        .find(|e| e.oid.to_id_string() == oid)
        .map(|e| (e.critical, e.value.to_vec()))
}

#[test]
fn ca_certificate_profile() {
    let ca = ca();
    let (_, cert) = parse_x509_certificate(ca.cert_der()).unwrap();
    assert_eq!(cert.subject(), cert.issuer());
    // One RDN holding four attributes.
    let rdns: Vec<_> = cert.subject().iter_rdn().collect();
    assert_eq!(rdns.len(), 1);
    let attrs: Vec<(String, String)> = rdns[0]
        .iter()
        .map(|a| (a.attr_type().to_id_string(), a.as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(
        attrs,
        vec![
            ("0.9.2342.19200300.100.1.25".to_owned(), "net".to_owned()),
            (
                "0.9.2342.19200300.100.1.25".to_owned(),
                "windows".to_owned()
            ),
            ("2.5.4.3".to_owned(), "MS-Organization-Access".to_owned()),
            ("2.5.4.11".to_owned(), MS_ORGANIZATION_ACCESS_OU.to_owned()),
        ]
    );
    let bc = cert
        .get_extension_unique(&OID_X509_EXT_BASIC_CONSTRAINTS)
        .unwrap()
        .unwrap();
    assert!(bc.critical);
    assert!(cert.is_ca());
    let ku = cert.key_usage().unwrap().unwrap();
    assert!(ku.critical);
    assert!(ku.value.key_cert_sign() && ku.value.crl_sign());
    assert!(!ku.value.digital_signature());
    assert_eq!(ca.tenant_id(), Some(tenant()));
    assert_eq!(
        cert.signature_algorithm.algorithm.to_id_string(),
        "1.2.840.113549.1.1.11"
    );
    verify_certificate(ca.cert_der(), ca.public_key(), now()).unwrap();
}

#[test]
fn device_certificate_profile() -> TestResult {
    let ca = ca();
    let device_id = Uuid::new_v4();
    let key = device_key().public_key();
    let issued = ca.issue_device_certificate(params(device_id, &key))?;
    let (_, cert) = parse_x509_certificate(&issued.der)?;

    assert_eq!(cert.version().0, 2, "X.509 v3");
    assert_eq!(cert.raw_serial().len(), 16, "128-bit serial");
    assert_eq!(
        cert.signature_algorithm.algorithm.to_id_string(),
        "1.2.840.113549.1.1.11"
    );
    assert_eq!(cert.issuer().as_raw(), ca.subject_der());
    let subject_attrs: Vec<_> = cert.subject().iter_attributes().collect();
    assert_eq!(subject_attrs.len(), 1);
    assert_eq!(cert.subject().to_string(), format!("CN={device_id}"));
    assert_eq!(
        subject_attrs[0].as_str()?,
        device_id.hyphenated().to_string().to_lowercase()
    );
    assert_eq!(cert.public_key().raw, key.spki_der());
    assert_eq!(
        cert.validity().not_after.to_datetime() - cert.validity().not_before.to_datetime(),
        Duration::days(3650)
    );

    let bc = cert
        .get_extension_unique(&OID_X509_EXT_BASIC_CONSTRAINTS)?
        .ok_or("no basicConstraints")?;
    assert!(bc.critical);
    assert!(!cert.is_ca());
    let eku = cert
        .get_extension_unique(&OID_X509_EXT_EXTENDED_KEY_USAGE)?
        .ok_or("no EKU")?;
    assert!(eku.critical);
    match eku.parsed_extension() {
        ParsedExtension::ExtendedKeyUsage(eku) => {
            assert!(eku.client_auth);
            assert!(!eku.server_auth && !eku.any && eku.other.is_empty());
        }
        other => return Err(format!("EKU parsed as {other:?}").into()),
    }
    let aki = cert
        .extensions()
        .iter()
        .find_map(|e| match e.parsed_extension() {
            ParsedExtension::AuthorityKeyIdentifier(aki) => Some(aki.clone()),
            _ => None,
        })
        .ok_or("no AKI")?;
    assert!(aki.key_identifier.is_some());
    assert!(cert.key_usage()?.is_none(), "no keyUsage, like Entra's");

    let ms = |oid| extension_value(&issued.der, oid).ok_or(format!("missing {oid}"));
    let guid = |id: Uuid| {
        let mut v = vec![0x04, 0x81, 0x10];
        v.extend_from_slice(&id.to_bytes_le());
        (false, v)
    };
    assert_eq!(ms(OID_MS_DEVICE_ID)?, guid(device_id));
    assert_eq!(ms(OID_MS_USER_OBJECT_ID)?, guid(user()));
    assert_eq!(ms(OID_MS_TENANT_ID)?, guid(tenant()));
    assert_eq!(ms(OID_MS_JOIN_TYPE)?, (false, vec![0x04, 0x81, 0x01, 0x31]));
    assert_eq!(
        ms(OID_MS_TENANT_REGION)?,
        (false, vec![0x04, 0x81, 0x02, b'E', b'U'])
    );

    assert_eq!(issued.sha1_thumbprint_upper_hex.len(), 40);
    assert_eq!(
        issued.sha1_thumbprint_upper_hex,
        issued.sha1_thumbprint_upper_hex.to_uppercase()
    );
    assert!(issued.pem.starts_with("-----BEGIN CERTIFICATE-----\n"));
    Ok(())
}

#[test]
fn dvrj_example_extension_bytes() -> TestResult {
    let device_id = Uuid::parse_str(DVRJ_DEVICE_ID)?;
    let key = device_key().public_key();
    let issued = ca().issue_device_certificate(params(device_id, &key))?;
    assert_eq!(
        extension_value(&issued.der, OID_MS_DEVICE_ID),
        Some((false, DVRJ_EXTENSION_VALUE.to_vec()))
    );
    let info = parse_device_certificate(&issued.der)?;
    assert_eq!(info.device_id.to_string(), DVRJ_DEVICE_ID);
    Ok(())
}

#[test]
fn parse_round_trip_and_verification() -> TestResult {
    let ca = ca();
    let device_id = Uuid::new_v4();
    let key = device_key().public_key();
    let mut p = params(device_id, &key);
    p.join_type_joined = false;
    p.region = None;
    let issued = ca.issue_device_certificate(p)?;

    let info = ca.verify_device_certificate(&issued.der, now() + Duration::days(1))?;
    assert_eq!(info.device_id, device_id);
    assert_eq!(info.tenant_id, Some(tenant()));
    assert_eq!(info.user_object_id, Some(user()));
    assert_eq!(info.join_type, Some(CertificateJoinType::Registered));
    assert_eq!(info.region, None);
    assert_eq!(info.sha1_thumbprint, issued.sha1_thumbprint_upper_hex);
    assert_eq!(info.public_key()?, key);
    assert_eq!(info.spki_der, key.spki_der());
    assert_eq!(info.serial_hex, issued.serial_hex);
    assert_eq!(info.der(), issued.der.as_slice());
    assert!(info.issuer_dn.contains("CN=MS-Organization-Access"));
    assert!(info.issuer_dn.contains(MS_ORGANIZATION_ACCESS_OU));
    assert_eq!(info.subject_dn, format!("CN={device_id}"));

    // Outside the validity period.
    assert!(matches!(
        ca.verify_device_certificate(&issued.der, now() - Duration::seconds(1)),
        Err(CryptoError::CertificateNotYetValid)
    ));
    assert!(matches!(
        ca.verify_device_certificate(&issued.der, now() + Duration::days(3651)),
        Err(CryptoError::CertificateExpired)
    ));
    Ok(())
}

#[test]
fn another_tenants_ca_is_refused() -> TestResult {
    // Same issuer name (Entra's is the same in every tenant), different key.
    let other = DeviceCa::generate(Uuid::new_v4(), now())?;
    let key = device_key().public_key();
    let issued = ca().issue_device_certificate(params(Uuid::new_v4(), &key))?;
    let info = parse_device_certificate(&issued.der)?;
    assert!(matches!(
        info.verify_issued_by(&other),
        Err(CryptoError::BadSignature)
    ));
    assert!(other.verify_device_certificate(&issued.der, now()).is_err());
    Ok(())
}

#[test]
fn tampered_certificate_is_refused() -> TestResult {
    let key = device_key().public_key();
    let issued = ca().issue_device_certificate(params(Uuid::new_v4(), &key))?;
    // Flip one byte in the device id extension value (inside the signed TBS).
    let needle = &issued.der[..];
    let at = needle
        .windows(3)
        .position(|w| w == [0x04, 0x81, 0x10])
        .ok_or("no GUID value")?;
    let mut forged = issued.der.clone();
    forged[at + 5] ^= 0x01;
    let verdict = ca().verify_device_certificate(&forged, now());
    assert!(verdict.is_err(), "tampered certificate accepted");
    Ok(())
}

#[test]
fn ca_survives_pem_round_trip() -> TestResult {
    let ca = ca();
    let loaded = DeviceCa::from_pem(ca.cert_pem(), ca.key_pem().expose())?;
    assert_eq!(loaded.cert_der(), ca.cert_der());
    assert_eq!(loaded.tenant_id(), Some(tenant()));
    assert_eq!(loaded.subject_der(), ca.subject_der());
    assert_eq!(loaded.not_after(), ca.not_after());
    // A certificate from the reloaded CA verifies against the original and vice versa.
    let key = device_key().public_key();
    let issued = loaded.issue_device_certificate(params(Uuid::new_v4(), &key))?;
    ca.verify_device_certificate(&issued.der, now())?;

    // Wrong key, non-CA certificate, garbage.
    let other = DeviceCa::generate(tenant(), now())?;
    assert!(DeviceCa::from_pem(ca.cert_pem(), other.key_pem().expose()).is_err());
    assert!(DeviceCa::from_pem(&issued.pem, device_key().to_pkcs8_pem()?.expose()).is_err());
    assert!(DeviceCa::from_pem("garbage", "garbage").is_err());
    let dbg = format!("{ca:?}");
    assert!(dbg.contains("DeviceCa") && !dbg.contains("PRIVATE"));
    Ok(())
}

#[test]
fn validity_is_capped_and_checked() -> TestResult {
    let short = DeviceCa::generate_with(tenant(), now(), 2048, 30)?;
    let key = device_key().public_key();
    let issued = short.issue_device_certificate(params(Uuid::new_v4(), &key))?;
    assert_eq!(issued.not_after, short.not_after());
    let mut p = params(Uuid::new_v4(), &key);
    p.validity_days = 0;
    assert!(short.issue_device_certificate(p).is_err());
    let mut p = params(Uuid::new_v4(), &key);
    p.not_before = now() + Duration::days(40);
    assert!(short.issue_device_certificate(p).is_err());
    let mut p = params(Uuid::new_v4(), &key);
    p.region = Some("E U");
    assert!(short.issue_device_certificate(p).is_err());
    Ok(())
}

#[test]
fn rsa_3072_ca_works() -> TestResult {
    let ca = DeviceCa::generate_with(tenant(), now(), 3072, 365)?;
    assert_eq!(ca.public_key().bits(), 3072);
    let key = device_key().public_key();
    let issued = ca.issue_device_certificate(params(Uuid::new_v4(), &key))?;
    ca.verify_device_certificate(&issued.der, now())?;
    Ok(())
}

/// Device certificates written by other encoders: the short-form and bare GUID values
/// the parser must accept, and the inconsistencies it must refuse.
#[test]
fn foreign_value_encodings() -> TestResult {
    use rcgen::{
        CertificateParams, CustomExtension, DistinguishedName, DnType, KeyPair, PKCS_RSA_SHA256,
    };
    use rustls_pki_types::PrivatePkcs8KeyDer;

    let der = device_key().to_pkcs8_der()?;
    let signer = KeyPair::from_pkcs8_der_and_sign_algo(
        &PrivatePkcs8KeyDer::from(der.expose()),
        &PKCS_RSA_SHA256,
    )?;
    let device_id = Uuid::new_v4();
    let make = |cn: &str, exts: Vec<CustomExtension>| -> Result<Vec<u8>, rcgen::Error> {
        let mut p = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, cn);
        p.distinguished_name = dn;
        p.custom_extensions = exts;
        Ok(p.self_signed(&signer)?.der().to_vec())
    };
    let ext = |arc: u64, content: Vec<u8>| {
        CustomExtension::from_oid_content(&[1, 2, 840, 113556, 1, 5, 284, arc], content)
    };
    let bytes = device_id.to_bytes_le().to_vec();
    let mut short = vec![0x04, 0x10];
    short.extend_from_slice(&bytes);

    let cert = make(
        &device_id.to_string(),
        vec![
            ext(2, short.clone()),
            ext(5, bytes.clone()),
            ext(7, b"1".to_vec()),
        ],
    )?;
    let info = parse_device_certificate(&cert)?;
    assert_eq!(info.device_id, device_id);
    assert_eq!(info.tenant_id, Some(device_id));
    assert_eq!(info.join_type, Some(CertificateJoinType::Joined));
    assert_eq!(info.user_object_id, None);

    // Upper-case CN is still the same device.
    let cert = make(&device_id.to_string().to_uppercase(), vec![])?;
    assert_eq!(parse_device_certificate(&cert)?.device_id, device_id);

    // CN and …284.2 disagree; CN is not a GUID; malformed values.
    let other = Uuid::new_v4().to_bytes_le().to_vec();
    for bad in [
        make(&device_id.to_string(), vec![ext(2, other)])?,
        make("not a device", vec![])?,
        make(&device_id.to_string(), vec![ext(5, vec![0x04, 0x81, 0x0f])])?,
        make(&device_id.to_string(), vec![ext(7, vec![0x04, 0x01, b'2'])])?,
    ] {
        assert!(parse_device_certificate(&bad).is_err());
    }
    Ok(())
}

fn openssl(args: &[&str], dir: &Path) -> Result<std::process::Output, std::io::Error> {
    Command::new(OPENSSL).current_dir(dir).args(args).output()
}

#[test]
fn openssl_verifies_and_shows_the_profile() -> TestResult {
    assert!(
        Path::new(OPENSSL).exists(),
        "{OPENSSL} is required by this test: apt-get install openssl"
    );
    let dir = tempfile::tempdir()?;
    let device_id = Uuid::parse_str(DVRJ_DEVICE_ID)?;
    let key = device_key().public_key();
    // Issued "now" by the wall clock, so that `openssl verify` (which uses it) agrees.
    let wall = OffsetDateTime::now_utc();
    let ca = DeviceCa::generate(tenant(), wall)?;
    let mut p = params(device_id, &key);
    p.not_before = wall - Duration::minutes(1);
    let issued = ca.issue_device_certificate(p)?;
    std::fs::write(dir.path().join("ca.pem"), ca.cert_pem())?;
    std::fs::write(dir.path().join("device.pem"), &issued.pem)?;

    let verify = openssl(
        &[
            "verify",
            "-x509_strict",
            "-purpose",
            "sslclient",
            "-CAfile",
            "ca.pem",
            "device.pem",
        ],
        dir.path(),
    )?;
    let out = String::from_utf8_lossy(&verify.stdout);
    assert!(
        verify.status.success() && out.trim_end().ends_with("device.pem: OK"),
        "openssl verify: {out}{}",
        String::from_utf8_lossy(&verify.stderr)
    );
    // The CA alone verifies as a self-signed trust anchor.
    let self_check = openssl(
        &["verify", "-x509_strict", "-CAfile", "ca.pem", "ca.pem"],
        dir.path(),
    )?;
    assert!(self_check.status.success(), "CA self-verification failed");
    // A certificate from another CA with the same name is refused.
    let stranger = DeviceCa::generate(tenant(), wall)?;
    std::fs::write(dir.path().join("stranger.pem"), stranger.cert_pem())?;
    let refused = openssl(
        &["verify", "-CAfile", "stranger.pem", "device.pem"],
        dir.path(),
    )?;
    assert!(!refused.status.success());

    let text = openssl(
        &["x509", "-in", "device.pem", "-noout", "-text"],
        dir.path(),
    )?;
    assert!(text.status.success());
    let text = String::from_utf8_lossy(&text.stdout).into_owned();
    let subject_line = text
        .lines()
        .find(|l| l.trim_start().starts_with("Subject:"))
        .ok_or("no Subject line")?;
    assert_eq!(
        subject_line.trim(),
        format!("Subject: CN = {DVRJ_DEVICE_ID}")
    );
    let issuer_line = text
        .lines()
        .find(|l| l.trim_start().starts_with("Issuer:"))
        .ok_or("no Issuer line")?;
    assert_eq!(
        issuer_line.trim(),
        format!(
            "Issuer: DC = net + DC = windows + CN = MS-Organization-Access + OU = {MS_ORGANIZATION_ACCESS_OU}"
        )
    );
    assert!(text.contains("Signature Algorithm: sha256WithRSAEncryption"));
    assert!(text.contains("X509v3 Extended Key Usage: critical"));
    assert!(text.contains("TLS Web Client Authentication"));
    assert!(text.contains("X509v3 Basic Constraints: critical"));
    assert!(text.contains("CA:FALSE"));
    assert!(text.contains("X509v3 Authority Key Identifier"));
    for arc in [2, 3, 5, 7, 8] {
        assert!(
            text.contains(&format!("1.2.840.113556.1.5.284.{arc}:")),
            "extension …284.{arc} missing from:\n{text}"
        );
    }
    // OpenSSL prints unknown extension values as text with `.` for unprintable bytes:
    // `04 81 10 FA C6 53 9D 8E B3 09 45 8F B1 51 DE DB 42 1A AC` (DVRJ), `04 81 01 31`.
    let value_after = |name: &str| {
        let mut lines = text.lines().skip_while(|l| l.trim() != format!("{name}:"));
        lines.nth(1).map(str::trim).unwrap_or_default().to_owned()
    };
    assert_eq!(
        value_after("1.2.840.113556.1.5.284.2"),
        ".....S....E..Q..B.."
    );
    assert_eq!(value_after("1.2.840.113556.1.5.284.7"), "...1");
    assert_eq!(value_after("1.2.840.113556.1.5.284.8"), "...EU");
    Ok(())
}
