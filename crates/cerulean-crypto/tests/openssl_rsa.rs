//! RSA outputs checked by OpenSSL as an independent implementation: our RS256 signature
//! verifies with `openssl dgst`, and our RSA-OAEP-SHA-1 ciphertext decrypts with
//! `openssl pkeyutl`. OpenSSL must be installed (`.ci/run` sees to it).

use std::path::Path;
use std::process::Command;

use cerulean_crypto::{RsaPrivateKey, encode_pem};

const OPENSSL: &str = "/usr/bin/openssl";

type TestResult = Result<(), Box<dyn std::error::Error>>;

#[test]
fn openssl_agrees_on_rs256_and_oaep_sha1() -> TestResult {
    assert!(
        Path::new(OPENSSL).exists(),
        "{OPENSSL} is required by this test: apt-get install openssl"
    );
    let key = RsaPrivateKey::generate(2048)?;
    let dir = tempfile::tempdir()?;
    let path = |name: &str| dir.path().join(name);

    std::fs::write(path("key.pem"), key.to_pkcs8_pem()?.expose())?;
    std::fs::write(
        path("pub.pem"),
        encode_pem("PUBLIC KEY", key.public_key().spki_der()),
    )?;
    std::fs::write(path("msg"), b"header.payload")?;
    std::fs::write(path("sig"), key.sign_rs256(b"header.payload")?)?;
    let session_key = [0x5au8; 32];
    std::fs::write(
        path("ct"),
        key.public_key().encrypt_oaep_sha1(&session_key)?,
    )?;

    let verify = Command::new(OPENSSL)
        .args(["dgst", "-sha256", "-verify"])
        .arg(path("pub.pem"))
        .arg("-signature")
        .arg(path("sig"))
        .arg(path("msg"))
        .output()?;
    assert!(
        verify.status.success(),
        "openssl rejected the RS256 signature: {}",
        String::from_utf8_lossy(&verify.stderr)
    );

    let decrypt = Command::new(OPENSSL)
        .args(["pkeyutl", "-decrypt", "-inkey"])
        .arg(path("key.pem"))
        .args([
            "-pkeyopt",
            "rsa_padding_mode:oaep",
            "-pkeyopt",
            "rsa_oaep_md:sha1",
        ])
        .args(["-pkeyopt", "rsa_mgf1_md:sha1", "-in"])
        .arg(path("ct"))
        .output()?;
    assert!(
        decrypt.status.success(),
        "openssl could not decrypt: {}",
        String::from_utf8_lossy(&decrypt.stderr)
    );
    assert_eq!(decrypt.stdout, session_key);
    Ok(())
}
