//! The local CA and the server certificates it issues, checked by x509-parser and, when
//! it is installed, by OpenSSL as an independent implementation.

use std::net::IpAddr;
use std::path::Path;
use std::process::Command;

use cerulean_crypto::{
    CertificateAuthority, SubjectAltName, parse_certificate_info, sha1_thumbprint_hex,
};
use time::{Duration, OffsetDateTime};
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::oid_registry::OID_X509_EXT_BASIC_CONSTRAINTS;
use x509_parser::parse_x509_certificate;

const OPENSSL: &str = "/usr/bin/openssl";

fn hosts() -> Vec<String> {
    ["localhost", "127.0.0.1", "login.cerulean.test", "::1"]
        .map(str::to_owned)
        .to_vec()
}

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Checks `cert`'s ECDSA P-256/SHA-256 signature against `issuer`'s public key with
/// aws-lc-rs (x509-parser's own verifier needs ring).
fn verify_signed_by(cert: &X509Certificate<'_>, issuer: &X509Certificate<'_>) -> TestResult {
    use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1, UnparsedPublicKey};
    if cert.signature_algorithm.algorithm.to_id_string() != "1.2.840.10045.4.3.2" {
        return Err("expected ecdsa-with-SHA256".into());
    }
    let key = UnparsedPublicKey::new(
        &ECDSA_P256_SHA256_ASN1,
        issuer.public_key().subject_public_key.data.as_ref(),
    );
    key.verify(
        cert.tbs_certificate.as_ref(),
        cert.signature_value.data.as_ref(),
    )
    .map_err(|_| "certificate signature does not verify".into())
}

#[test]
fn ca_profile() {
    let ca = CertificateAuthority::generate("Cerulean Test CA", 3650).unwrap();
    let (_, cert) = parse_x509_certificate(ca.cert_der()).unwrap();
    assert_eq!(
        cert.subject().to_string(),
        "CN=Cerulean Test CA, O=Cerulean"
    );
    assert_eq!(cert.subject(), cert.issuer());
    let bc = cert
        .get_extension_unique(&OID_X509_EXT_BASIC_CONSTRAINTS)
        .unwrap()
        .unwrap();
    assert!(bc.critical, "basicConstraints must be critical");
    match bc.parsed_extension() {
        ParsedExtension::BasicConstraints(bc) => assert!(bc.ca),
        other => panic!("unexpected {other:?}"),
    }
    let ku = cert.key_usage().unwrap().unwrap().value;
    assert!(ku.key_cert_sign() && ku.crl_sign() && ku.digital_signature());
    verify_signed_by(&cert, &cert).unwrap();
    assert!(ca.cert_pem().starts_with("-----BEGIN CERTIFICATE-----\n"));
    let dbg = format!("{ca:?}");
    assert!(!dbg.contains("PRIVATE"), "{dbg}");
}

#[test]
fn server_certificate_profile() {
    let ca = CertificateAuthority::generate("Cerulean Test CA", 3650).unwrap();
    let issued = ca.issue_server_certificate(&hosts(), 90).unwrap();
    let (_, ca_cert) = parse_x509_certificate(ca.cert_der()).unwrap();
    let (_, cert) = parse_x509_certificate(&issued.cert_der).unwrap();

    assert_eq!(cert.issuer(), ca_cert.subject());
    verify_signed_by(&cert, &ca_cert).unwrap();
    assert!(!cert.is_ca());
    assert_eq!(cert.subject().to_string(), "CN=localhost, O=Cerulean");

    let san = cert.subject_alternative_name().unwrap().unwrap().value;
    assert!(
        san.general_names
            .contains(&GeneralName::DNSName("localhost"))
    );
    assert!(
        san.general_names
            .contains(&GeneralName::IPAddress(&[127, 0, 0, 1]))
    );

    let eku = cert.extended_key_usage().unwrap().unwrap().value;
    assert!(eku.server_auth && !eku.client_auth);
    let ku = cert.key_usage().unwrap().unwrap().value;
    assert!(ku.digital_signature() && !ku.key_cert_sign());

    // The key PEM is a PKCS#8 key for exactly this certificate.
    assert!(
        issued
            .key_pem
            .expose()
            .starts_with("-----BEGIN PRIVATE KEY-----")
    );
    let dbg = format!("{issued:?}");
    assert!(!dbg.contains("PRIVATE KEY"), "{dbg}");

    let info = parse_certificate_info(&issued.cert_der).unwrap();
    assert!(!info.is_ca);
    assert_eq!(info.issuer, "CN=Cerulean Test CA, O=Cerulean");
    assert!(
        info.subject_alt_names
            .contains(&SubjectAltName::Dns("localhost".to_owned()))
    );
    assert!(
        info.subject_alt_names
            .contains(&SubjectAltName::Ip("::1".parse::<IpAddr>().unwrap()))
    );
    assert!(info.covers_all(&hosts()));
    assert!(!info.covers_host("example.org"));
    let now = OffsetDateTime::now_utc();
    assert!(info.is_valid_at(now));
    assert!(!info.expires_within(now, Duration::days(30)));
    assert!(info.expires_within(now, Duration::days(91)));
    assert_eq!(info.sha1_thumbprint, sha1_thumbprint_hex(&issued.cert_der));
    assert_eq!(info.sha1_thumbprint.len(), 40);
}

#[test]
fn server_certificate_never_outlives_ca() {
    let now = OffsetDateTime::now_utc();
    let ca = CertificateAuthority::generate_at("Short CA", 10, now).unwrap();
    let issued = ca.issue_server_certificate_at(&hosts(), 365, now).unwrap();
    let info = parse_certificate_info(&issued.cert_der).unwrap();
    assert!(info.not_after <= ca.not_after());
}

#[test]
fn ca_reloads_from_pem_and_keeps_issuing() {
    let ca = CertificateAuthority::generate("Reload CA", 30).unwrap();
    let reloaded = CertificateAuthority::from_pem(ca.cert_pem(), ca.key_pem().expose()).unwrap();
    assert_eq!(reloaded.cert_der(), ca.cert_der());
    let issued = reloaded.issue_server_certificate(&hosts(), 30).unwrap();
    let (_, ca_cert) = parse_x509_certificate(ca.cert_der()).unwrap();
    let (_, cert) = parse_x509_certificate(&issued.cert_der).unwrap();
    verify_signed_by(&cert, &ca_cert).unwrap();
    openssl_verify(ca.cert_pem(), &issued.cert_pem).unwrap();

    // A key that is not the CA's, and a leaf posing as a CA, are both refused.
    let other = CertificateAuthority::generate("Other CA", 30).unwrap();
    assert!(CertificateAuthority::from_pem(ca.cert_pem(), other.key_pem().expose()).is_err());
    assert!(CertificateAuthority::from_pem(&issued.cert_pem, issued.key_pem.expose()).is_err());
    assert!(CertificateAuthority::from_pem("junk", "junk").is_err());
}

#[test]
fn issuing_requires_a_host() {
    let ca = CertificateAuthority::generate("CA", 30).unwrap();
    assert!(ca.issue_server_certificate(&[], 30).is_err());
    assert!(
        ca.issue_server_certificate(&["bad\u{e9}host".to_owned()], 30)
            .is_err()
    );
}

#[test]
fn openssl_accepts_the_chain() {
    let ca = CertificateAuthority::generate("Cerulean OpenSSL CA", 365).unwrap();
    let issued = ca.issue_server_certificate(&hosts(), 90).unwrap();
    openssl_verify(ca.cert_pem(), &issued.cert_pem).unwrap();
}

/// `openssl verify` with the sslserver purpose and host/IP checks, as a TLS client would.
fn openssl_verify(ca_pem: &str, leaf_pem: &str) -> TestResult {
    assert!(
        Path::new(OPENSSL).exists(),
        "{OPENSSL} is required by this test: apt-get install openssl"
    );
    let dir = tempfile::tempdir()?;
    let ca_path = dir.path().join("ca.pem");
    let leaf_path = dir.path().join("server.pem");
    std::fs::write(&ca_path, ca_pem)?;
    std::fs::write(&leaf_path, leaf_pem)?;
    let run = |extra: &[&str]| openssl_run(extra, &ca_path, &leaf_path);

    let (ok, text) = run(&[])?;
    assert!(ok && text.contains("OK"), "openssl verify failed: {text}");
    let (ok, text) = run(&["-purpose", "sslserver", "-verify_hostname", "localhost"])?;
    assert!(
        ok && text.contains("OK"),
        "openssl sslserver/localhost failed: {text}"
    );
    let (ok, text) = run(&["-purpose", "sslserver", "-verify_ip", "127.0.0.1"])?;
    assert!(
        ok && text.contains("OK"),
        "openssl sslserver/127.0.0.1 failed: {text}"
    );
    let (ok, text) = run(&["-purpose", "sslclient"])?;
    assert!(
        !ok,
        "serverAuth-only certificate accepted for sslclient: {text}"
    );
    let (ok, text) = run(&["-verify_hostname", "example.org"])?;
    assert!(
        !ok,
        "certificate accepted for a host it does not name: {text}"
    );
    Ok(())
}

/// Runs `openssl verify <extra> -CAfile ca leaf`; returns success and combined output.
fn openssl_run(extra: &[&str], ca: &Path, leaf: &Path) -> Result<(bool, String), std::io::Error> {
    let out = Command::new(OPENSSL)
        .arg("verify")
        .args(extra)
        .arg("-CAfile")
        .arg(ca)
        .arg(leaf)
        .output()?;
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    Ok((out.status.success(), text))
}
