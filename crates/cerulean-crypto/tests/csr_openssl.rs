//! CSRs made by OpenSSL (`openssl req -new`), as an independent encoder: RSA-2048 with
//! SHA-256 (what every DRS client sends) is accepted, a 1024-bit key is refused with a
//! message naming its size, a flipped signature byte is refused, and non-RSA or RSA-PSS
//! requests are refused. OpenSSL must be installed (`.ci/run` sees to it).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Command;

use cerulean_crypto::csr::OID_DRS_NONCE_EXTENSION;
use cerulean_crypto::{CryptoError, RsaPublicKey, RsaSignatureAlgorithm, parse_and_verify_csr};

const OPENSSL: &str = "/usr/bin/openssl";
/// The placeholder subject all DRS clients put in their CSR.
const PLACEHOLDER: &str = "/CN=7E980AD9-B86D-4306-9425-9AC066FB014A";

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Runs `openssl req -new` in `dir` with a fresh key made by `newkey` and the extra
/// arguments, returning (DER CSR, DER SPKI of the key).
fn openssl_csr(
    dir: &Path,
    name: &str,
    newkey: &[&str],
    extra: &[&str],
) -> Result<(Vec<u8>, Vec<u8>), Box<dyn std::error::Error>> {
    let key = format!("{name}.key");
    let csr = format!("{name}.der");
    let out = Command::new(OPENSSL)
        .current_dir(dir)
        .args([
            "req",
            "-new",
            "-nodes",
            "-subj",
            PLACEHOLDER,
            "-keyout",
            &key,
            "-outform",
            "DER",
            "-out",
            &csr,
        ])
        .args(newkey)
        .args(extra)
        .output()?;
    if !out.status.success() {
        return Err(format!(
            "openssl req failed: {}",
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    let spki = Command::new(OPENSSL)
        .current_dir(dir)
        .args(["pkey", "-in", &key, "-pubout", "-outform", "DER"])
        .output()?;
    if !spki.status.success() {
        return Err("openssl pkey failed".into());
    }
    Ok((std::fs::read(dir.join(csr))?, spki.stdout))
}

/// OpenSSL is a test dependency (`.ci/run` installs it): a missing binary fails the test
/// rather than skipping it.
fn have_openssl() -> bool {
    assert!(
        Path::new(OPENSSL).exists(),
        "{OPENSSL} is required by this test: apt-get install openssl"
    );
    true
}

#[test]
fn rsa_2048_sha256_is_accepted() -> TestResult {
    if !have_openssl() {
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let (der, spki) = openssl_csr(dir.path(), "ok", &["-newkey", "rsa:2048"], &["-sha256"])?;
    let csr = parse_and_verify_csr(&der)?;
    assert_eq!(csr.public_key, RsaPublicKey::from_spki_der(&spki)?);
    assert_eq!(csr.public_key.bits(), 2048);
    assert_eq!(csr.spki_der, spki, "canonical SPKI equals OpenSSL's");
    assert_eq!(
        csr.signature_algorithm,
        RsaSignatureAlgorithm::RsaPkcs1Sha256
    );
    assert_eq!(csr.subject, "CN=7E980AD9-B86D-4306-9425-9AC066FB014A");
    assert_eq!(csr.nonce_extension, None);
    Ok(())
}

#[test]
fn rsa_1024_is_refused_as_too_small() -> TestResult {
    if !have_openssl() {
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let (der, _) = openssl_csr(dir.path(), "small", &["-newkey", "rsa:1024"], &["-sha256"])?;
    let err = parse_and_verify_csr(&der).unwrap_err();
    assert!(
        matches!(
            err,
            CryptoError::KeyTooSmall {
                bits: 1024,
                min: 2048
            }
        ),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(
        message.contains("1024") && message.contains("2048"),
        "{message}"
    );
    Ok(())
}

#[test]
fn flipped_signature_byte_is_refused() -> TestResult {
    if !have_openssl() {
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let (der, _) = openssl_csr(dir.path(), "flip", &["-newkey", "rsa:2048"], &["-sha256"])?;
    for offset in [1, 17, 128, 255] {
        let mut bad = der.clone();
        let at = bad.len() - offset;
        bad[at] ^= 0x01;
        let err = parse_and_verify_csr(&bad).unwrap_err();
        assert!(err.to_string().contains("signature"), "{err}");
    }
    Ok(())
}

#[test]
fn other_rsa_digests_are_accepted() -> TestResult {
    if !have_openssl() {
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    for (digest, alg) in [
        ("-sha1", RsaSignatureAlgorithm::RsaPkcs1Sha1),
        ("-sha384", RsaSignatureAlgorithm::RsaPkcs1Sha384),
        ("-sha512", RsaSignatureAlgorithm::RsaPkcs1Sha512),
    ] {
        let (der, _) = openssl_csr(
            dir.path(),
            &digest[1..],
            &["-newkey", "rsa:2048"],
            &[digest],
        )?;
        assert_eq!(parse_and_verify_csr(&der)?.signature_algorithm, alg);
    }
    let (der, _) = openssl_csr(dir.path(), "big", &["-newkey", "rsa:3072"], &["-sha256"])?;
    assert_eq!(parse_and_verify_csr(&der)?.public_key.bits(), 3072);
    Ok(())
}

#[test]
fn non_rsa_and_pss_are_refused() -> TestResult {
    if !have_openssl() {
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let (ec, _) = openssl_csr(
        dir.path(),
        "ec",
        &["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
        &["-sha256"],
    )?;
    let err = parse_and_verify_csr(&ec).unwrap_err();
    assert!(err.to_string().contains("RSA"), "{err}");

    let (pss, _) = openssl_csr(
        dir.path(),
        "pss",
        &["-newkey", "rsa:2048"],
        &["-sha256", "-sigopt", "rsa_padding_mode:pss"],
    )?;
    assert!(parse_and_verify_csr(&pss).is_err());
    Ok(())
}

#[test]
fn nonce_extension_is_returned() -> TestResult {
    if !have_openssl() {
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let addext = format!("{OID_DRS_NONCE_EXTENSION}=DER:04:03:61:62:63");
    let (der, _) = openssl_csr(
        dir.path(),
        "nonce",
        &["-newkey", "rsa:2048"],
        &["-sha256", "-addext", &addext],
    )?;
    let csr = parse_and_verify_csr(&der)?;
    assert_eq!(
        csr.nonce_extension,
        Some(vec![0x04, 0x03, b'a', b'b', b'c'])
    );
    Ok(())
}

/// The other direction: OpenSSL verifies a request made by `build_csr` and reads its
/// subject back.
#[test]
fn openssl_verifies_a_request_built_by_cerulean() -> TestResult {
    let key = cerulean_crypto::RsaPrivateKey::generate(2048)?;
    let der = cerulean_crypto::build_csr(&key, cerulean_crypto::CSR_PLACEHOLDER_CN)?;
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("built.der");
    std::fs::write(&path, &der)?;
    let out = Command::new(OPENSSL)
        .args(["req", "-inform", "DER", "-in"])
        .arg(&path)
        .args(["-verify", "-noout", "-subject"])
        .output()?;
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "openssl req -verify failed: {all}");
    assert!(
        all.contains("verify OK") || all.contains("Certificate request self-signature verify OK"),
        "{all}"
    );
    assert!(
        all.contains("7E980AD9-B86D-4306-9425-9AC066FB014A"),
        "{all}"
    );
    Ok(())
}
