//! DRS parsers take untrusted bodies and must never panic: random bytes, mutated
//! fixtures, and structured JSON built from the member names and awkward values.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use cerulean_proto::drs::{
    ContractFormat, DrsDiscovery, JoinRequest, JoinRequestValidated, JoinResponse,
    KeyRegistrationRequest,
};
use serde_json::{Map, Value, json};

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
}

fn exercise(body: &[u8]) {
    if let Ok(req) = JoinRequest::parse(body) {
        let _ = req.to_json();
        let _ = req.validate();
    }
    let _ = JoinRequestValidated::parse(body);
    if let Ok(kpp) = KeyRegistrationRequest::parse(body) {
        let _ = kpp.kngc_blob();
    }
    if let Ok(d) = DrsDiscovery::from_json(body) {
        let _ = d.to_contract_xml("1.0");
    }
    if let Ok(r) = JoinResponse::from_json(body) {
        let _ = r.certificate_der();
    }
    let text = String::from_utf8_lossy(body);
    let _ = ContractFormat::negotiate(Some(&text));
}

const FIXTURES: &[&[u8]] = &[
    include_bytes!("data/drs/join_roadtx.json"),
    include_bytes!("data/drs/join_libhimmelblau.json"),
    include_bytes!("data/drs/join_register_powershell.json"),
    include_bytes!("data/drs/join_macos_jwk.json"),
    include_bytes!("data/drs/join_hybrid.json"),
    include_bytes!("data/drs/discover_entra_style.json"),
    include_bytes!("data/drs/join_response_dvrj_object.json"),
    include_bytes!("data/drs/kpp_request.json"),
];

#[test]
fn random_bytes() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..5000 {
        exercise(&rng.bytes(400));
    }
}

#[test]
fn mutated_fixtures() {
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    for _ in 0..5000 {
        let mut data = FIXTURES[rng.below(FIXTURES.len())].to_vec();
        for _ in 0..=rng.below(4) {
            if data.is_empty() {
                break;
            }
            let at = rng.below(data.len());
            match rng.below(3) {
                0 => data[at] = rng.next() as u8,
                1 => data.truncate(at),
                _ => data.insert(at, b"\"0-9e%:{[&=\\"[rng.below(12)]),
            }
        }
        exercise(&data);
    }
}

#[test]
fn structured_join_bodies() {
    const NAMES: &[&str] = &[
        "CertificateRequest",
        "certificaterequest",
        "TransportKey",
        "TargetDomain",
        "DeviceType",
        "OSVersion",
        "DeviceDisplayName",
        "JoinType",
        "joinType",
        "Attributes",
        "attributes",
        "PreAuthorizedJoinChallenge",
    ];
    let values = || -> Vec<Value> {
        vec![
            Value::Null,
            json!(true),
            json!(0),
            json!(4),
            json!(6),
            json!(-1),
            json!(1e300),
            json!(u64::MAX),
            json!(""),
            json!("0"),
            json!("4"),
            json!("True"),
            json!("MIIB"),
            json!("!!!"),
            json!("\u{0}"),
            json!([]),
            json!({}),
            json!({"Type": "pkcs10", "Data": "MIIBAQ"}),
            json!({"type": 1, "data": null}),
            json!({"ReuseDevice": "yes", "reusedevice": true}),
        ]
    };
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    for _ in 0..20_000 {
        let mut obj = Map::new();
        for _ in 0..rng.below(10) {
            let vs = values();
            obj.insert(
                NAMES[rng.below(NAMES.len())].to_owned(),
                vs[rng.below(vs.len())].clone(),
            );
        }
        let body = serde_json::to_vec(&Value::Object(obj)).unwrap_or_default();
        exercise(&body);
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let deep = format!("{}{}", "[".repeat(20_000), "]".repeat(20_000));
    assert!(JoinRequest::parse(deep.as_bytes()).is_err());
    let deep = format!(
        r#"{{"Attributes":{}1{}}}"#,
        r#"{"a":"#.repeat(5000),
        "}".repeat(5000)
    );
    assert!(JoinRequestValidated::parse(deep.as_bytes()).is_err());
}
