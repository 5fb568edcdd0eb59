//! Parsers of network input never panic. A deterministic sweep (no fuzzing dependency):
//! random bytes, and valid CSRs, key blobs, JWKs and device certificates with bits
//! flipped, bytes changed, truncated, extended and spliced. The cargo-fuzz targets in
//! `fuzz/` run the same parsers under libFuzzer (docs/fuzzing.md).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use cerulean_crypto::{
    DeviceCa, DeviceCertParams, RsaPrivateKey, UnverifiedJws, encode_bcrypt_rsa_public_blob,
    parse_and_verify_csr, parse_bcrypt_rsa_public_blob, parse_device_certificate,
    parse_transport_key, verify_certificate_signature,
};
use rcgen::{CertificateParams, DistinguishedName, DnType, KeyPair, PKCS_RSA_SHA256};
use rustls_pki_types::PrivatePkcs8KeyDer;
use time::OffsetDateTime;
use uuid::Uuid;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn bytes(&mut self, max: usize) -> Vec<u8> {
        let len = self.below(max + 1);
        (0..len).map(|_| self.next() as u8).collect()
    }
    /// One random structural mutation of `input`.
    fn mutate(&mut self, input: &[u8]) -> Vec<u8> {
        let mut out = input.to_vec();
        let rounds = 1 + self.below(4);
        for _ in 0..rounds {
            let len = out.len();
            match self.below(7) {
                0 if len > 0 => {
                    let i = self.below(len);
                    out[i] ^= 1 << self.below(8);
                }
                1 if len > 0 => {
                    let i = self.below(len);
                    out[i] = self.next() as u8;
                }
                2 => out.truncate(self.below(len + 1)),
                3 => {
                    let extra = self.bytes(8);
                    let at = self.below(len + 1);
                    out.splice(at..at, extra);
                }
                4 if len > 1 => {
                    let at = self.below(len);
                    let n = self.below(len - at).min(16);
                    out.drain(at..at + n);
                }
                5 if len > 0 => {
                    // Length-byte style edits: set to a boundary value.
                    let i = self.below(len);
                    out[i] = [0x00, 0x7f, 0x80, 0x81, 0x82, 0x84, 0xff][self.below(7)];
                }
                _ => {
                    // Splice a chunk of itself elsewhere (duplicated TLVs).
                    if len > 2 {
                        let from = self.below(len - 1);
                        let n = self.below(len - from).min(32);
                        let chunk = out[from..from + n].to_vec();
                        let at = self.below(len);
                        out.splice(at..at, chunk);
                    }
                }
            }
        }
        out
    }
}

struct Corpus {
    csr: Vec<u8>,
    blob: Vec<u8>,
    jwk: Vec<u8>,
    device_cert: Vec<u8>,
    ca_cert: Vec<u8>,
    jws: String,
}

fn corpus() -> Corpus {
    let key = RsaPrivateKey::generate(2048).unwrap();
    let der = key.to_pkcs8_der().unwrap();
    let signer = KeyPair::from_pkcs8_der_and_sign_algo(
        &PrivatePkcs8KeyDer::from(der.expose()),
        &PKCS_RSA_SHA256,
    )
    .unwrap();
    let mut params = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, "7E980AD9-B86D-4306-9425-9AC066FB014A");
    params.distinguished_name = dn;
    let csr = params.serialize_request(&signer).unwrap().der().to_vec();

    let public = key.public_key();
    let blob = encode_bcrypt_rsa_public_blob(&public);
    let jwk =
        serde_json::to_vec(&cerulean_crypto::Jwk::from_rsa_public(&public, "k", None)).unwrap();

    let now = OffsetDateTime::from_unix_timestamp(1_760_000_000).unwrap();
    let ca = DeviceCa::generate(Uuid::new_v4(), now).unwrap();
    let issued = ca
        .issue_device_certificate(DeviceCertParams {
            device_id: Uuid::new_v4(),
            tenant_id: Uuid::new_v4(),
            user_object_id: Uuid::new_v4(),
            join_type_joined: true,
            region: Some("NA"),
            public_key: &public,
            not_before: now,
            validity_days: 3650,
        })
        .unwrap();
    let jws = cerulean_crypto::sign_jwt(
        &key,
        &serde_json::Map::new(),
        &serde_json::json!({"request_nonce": "n", "grant_type": "refresh_token"}),
    )
    .unwrap();
    Corpus {
        csr,
        blob,
        jwk,
        device_cert: issued.der,
        ca_cert: ca.cert_der().to_vec(),
        jws,
    }
}

#[test]
fn parsers_survive_random_and_mutated_input() {
    let c = corpus();
    // The unmutated inputs are accepted, so the sweep starts from the valid path.
    assert!(parse_and_verify_csr(&c.csr).is_ok());
    assert!(parse_bcrypt_rsa_public_blob(&c.blob).is_ok());
    assert!(parse_transport_key(&c.jwk).is_ok());
    assert!(parse_device_certificate(&c.device_cert).is_ok());
    assert!(UnverifiedJws::parse(&c.jws).is_ok());

    let ca_key = cerulean_crypto::parse_certificate_info(&c.ca_cert)
        .and_then(|info| cerulean_crypto::RsaPublicKey::from_spki_der(&info.spki_der))
        .unwrap();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut accepted_mutants = 0usize;
    for round in 0..20_000 {
        let random = rng.bytes(600);
        let _ = parse_and_verify_csr(&random);
        let _ = parse_bcrypt_rsa_public_blob(&random);
        let _ = parse_transport_key(&random);
        let _ = parse_device_certificate(&random);
        let _ = UnverifiedJws::parse(&String::from_utf8_lossy(&random));

        let csr = rng.mutate(&c.csr);
        if parse_and_verify_csr(&csr).is_ok() && csr != c.csr {
            accepted_mutants += 1;
        }
        let _ = parse_bcrypt_rsa_public_blob(&rng.mutate(&c.blob));
        let _ = parse_transport_key(&rng.mutate(&c.blob));
        let _ = parse_transport_key(&rng.mutate(&c.jwk));
        let cert = rng.mutate(&c.device_cert);
        if let Ok(info) = parse_device_certificate(&cert) {
            let _ = info.public_key();
        }
        if verify_certificate_signature(&cert, &ca_key).is_ok() && cert != c.device_cert {
            let first = cert.iter().zip(&c.device_cert).position(|(a, b)| a != b);
            panic!(
                "round {round}: a mutated device certificate still verifies: len {} vs {}, first diff {first:?}, orig {:02x?} new {:02x?}",
                cert.len(),
                c.device_cert.len(),
                first.map(|i| &c.device_cert[i.saturating_sub(4)..(i + 12).min(c.device_cert.len())]),
                first.map(|i| &cert[i.saturating_sub(4)..(i + 12).min(cert.len())]),
            );
        }
        let _ = UnverifiedJws::parse(&String::from_utf8_lossy(&rng.mutate(c.jws.as_bytes())));
    }
    // Every mutation changes either the structure (refused) or the signed bytes or the
    // signature (does not verify).
    assert_eq!(accepted_mutants, 0, "mutated CSRs were accepted");
}
