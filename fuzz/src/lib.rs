//! The bodies of the fuzz targets, shared by the libFuzzer entry points
//! (`--cfg fuzzing`, built by cargo-fuzz) and the plain replay binaries (stable Rust).
//!
//! Each function feeds one untrusted input to a parser and, where the parser accepts
//! it, checks an invariant that must then hold. A panic anywhere is a finding.

use std::sync::OnceLock;

use cerulean_crypto::prt::{SessionJws, decrypt_response, open_session_key_jwe};
use cerulean_crypto::{
    DeviceCa, RsaPrivateKey, SecretBytes, UnverifiedJws, encode_bcrypt_rsa_public_blob, parse_and_verify_csr,
    parse_bcrypt_rsa_public_blob, parse_device_certificate, parse_transport_key,
};
use cerulean_proto::drs::JoinRequestValidated;
use time::OffsetDateTime;

/// PKCS#10: parse and verify the self-signature.
pub fn csr(data: &[u8]) {
    if let Ok(req) = parse_and_verify_csr(data) {
        // An accepted CSR always carries a key of at least 2048 bits.
        assert!(req.public_key.bits() >= 2048);
        assert_eq!(req.spki_der, req.public_key.spki_der());
    }
}

/// `BCRYPT_RSAKEY_BLOB` and the transport-key (blob or JWK) parser.
pub fn bcrypt_blob(data: &[u8]) {
    if let Ok(key) = parse_bcrypt_rsa_public_blob(data) {
        // Parsing is exact, so re-encoding reproduces the input byte for byte.
        assert_eq!(encode_bcrypt_rsa_public_blob(&key), data);
    }
    let _ = parse_transport_key(data);
}

/// A fixed device CA (RSA generation is slow: once per process).
fn ca() -> Option<&'static DeviceCa> {
    static CA: OnceLock<Option<DeviceCa>> = OnceLock::new();
    CA.get_or_init(|| {
        let now = OffsetDateTime::from_unix_timestamp(1_760_000_000).ok()?;
        DeviceCa::generate(uuid::Uuid::nil(), now).ok()
    })
    .as_ref()
}

/// Device certificates: structural parse, then verification against a CA that did not
/// issue them (must fail without panicking).
pub fn device_cert(data: &[u8]) {
    if let Ok(info) = parse_device_certificate(data) {
        let _ = info.public_key();
        let _ = info.is_valid_at(info.not_before);
        if let Some(ca) = ca() {
            assert!(
                info.verify_issued_by(ca).is_err(),
                "forged certificate verified"
            );
        }
    }
}

/// Compact JWS splitting and header access.
pub fn jws(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(jws) = UnverifiedJws::parse(text) {
        let _ = (jws.alg(), jws.kid(), jws.typ());
        let _ = jws.x5c_der();
        let _ = jws.unverified_claims();
    }
}

/// A fixed RSA key standing in for a device's transport key.
fn transport_key() -> Option<&'static RsaPrivateKey> {
    static KEY: OnceLock<Option<RsaPrivateKey>> = OnceLock::new();
    KEY.get_or_init(|| RsaPrivateKey::generate(2048).ok())
        .as_ref()
}

/// The PRT's JWEs: the encrypted token response (`dir`, A256GCM or AES-CBC) and the
/// `session_key_jwe` (RSA-OAEP). Nothing accepted can have been made without the keys,
/// except the unauthenticated CBC form, whose plaintext must then still be bytes.
pub fn prt_jwe(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let session_key = SecretBytes::new((0u8..32).collect());
    if let Ok(out) = decrypt_response(&session_key, text) {
        let _ = out.plaintext.len();
    }
    if let Some(key) = transport_key() {
        if let Ok(unwrapped) = open_session_key_jwe(key, text) {
            assert_eq!(unwrapped.len(), 32);
        }
    }
}

/// Session-key-signed JWS: header checks, then verification under a fixed session key
/// (a forged input must not verify unless it was signed with that key).
pub fn hs256_jws(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(jws) = SessionJws::parse(text) {
        assert!(!jws.ctx().is_empty());
        let _ = (jws.header(), jws.kdf_version(), jws.unverified_claims());
        let _ = jws.verify(&SecretBytes::new((0u8..32).collect()));
    }
}

/// A DRS join body, then the CSR and transport key it carries.
pub fn drs_join_request(data: &[u8]) {
    if let Ok(req) = JoinRequestValidated::parse(data) {
        let _ = parse_and_verify_csr(&req.csr_der);
        let _ = parse_transport_key(&req.transport_key);
    }
}

/// Runs `target` on every file named in the arguments (directories are walked one
/// level deep) or, with no arguments, on standard input; prints how many inputs ran.
pub fn replay(target: fn(&[u8])) {
    let mut inputs = 0usize;
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() {
        let mut data = Vec::new();
        if std::io::Read::read_to_end(&mut std::io::stdin(), &mut data).is_ok() {
            target(&data);
            inputs += 1;
        }
    }
    for arg in args {
        let path = std::path::Path::new(&arg);
        let files: Vec<std::path::PathBuf> = match std::fs::read_dir(path) {
            Ok(entries) => entries.filter_map(|e| e.ok().map(|e| e.path())).collect(),
            Err(_) => vec![path.to_path_buf()],
        };
        for file in files {
            if let Ok(data) = std::fs::read(&file) {
                target(&data);
                inputs += 1;
            }
        }
    }
    println!("{inputs} inputs ran without a finding");
}
