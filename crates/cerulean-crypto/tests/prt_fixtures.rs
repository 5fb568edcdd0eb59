//! PRT messages made by an independent implementation (Python `cryptography` 48, see
//! `tests/data/prt/README.md`) with S = 00..1f and ctx = 00..17, checked against this
//! crate.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use cerulean_crypto::SecretBytes;
use cerulean_crypto::prt::{KdfVersion, ResponseCipher, SessionJws, decrypt_response};

const BODY: &[u8] =
    br#"{"access_token":"at","token_type":"Bearer","expires_in":"3599","refresh_token":"prt"}"#;

fn session() -> SecretBytes {
    SecretBytes::new((0u8..32).collect())
}

#[test]
fn gcm_response_from_python() {
    let out = decrypt_response(&session(), include_str!("data/prt/response_gcm.txt")).unwrap();
    assert_eq!(out.cipher, ResponseCipher::A256Gcm);
    assert_eq!(out.plaintext.expose(), BODY);
}

#[test]
fn cbc_response_from_python() {
    let out = decrypt_response(&session(), include_str!("data/prt/response_cbc.txt")).unwrap();
    assert_eq!(out.cipher, ResponseCipher::Aes256Cbc);
    assert_eq!(out.plaintext.expose(), BODY);
}

#[test]
fn roadtx_shaped_kdf_v2_jws_from_python() {
    let jws = SessionJws::parse(include_str!("data/prt/roadtx_kdf_v2.txt")).unwrap();
    let verified = jws.verify(&session()).unwrap();
    assert_eq!(verified.kdf, KdfVersion::V2);
    assert_eq!(verified.claims["is_primary"], "true");
    assert!(jws.verify(&SecretBytes::new(vec![0; 32])).is_err());
}

#[test]
fn libhimmelblau_shaped_kdf_v1_jws_from_python() {
    let jws = SessionJws::parse(include_str!("data/prt/libhimmelblau_kdf_v1.txt")).unwrap();
    assert_eq!(jws.verify(&session()).unwrap().kdf, KdfVersion::V1);
}
