//! Token claim sets and the SID derivation (PROTOCOLS.md §2.5, INTEROP.md §8.4, §10).

use cerulean_proto::claims::{AccessTokenClaims, IdTokenClaims, entra_sid_from_object_id};
use serde_json::Value;
use uuid::Uuid;

#[test]
fn sid_vector() {
    let oid = Uuid::parse_str("e06e3596-82c0-4f31-ac5a-439a308e3dc2").unwrap();
    assert_eq!(
        entra_sid_from_object_id(&oid),
        "S-1-12-1-3765319062-1328644800-2588105388-3258814000"
    );
}

#[test]
fn id_token_round_trip_and_required_strings() {
    let text = include_str!("data/claims/id_token.json");
    let claims: IdTokenClaims = serde_json::from_str(text).unwrap();
    let v = serde_json::to_value(&claims).unwrap();
    let expected: Value = serde_json::from_str(text).unwrap();
    assert_eq!(v, expected);
    for key in ["name", "oid", "tid", "sub", "preferred_username"] {
        assert!(v[key].is_string(), "{key}");
    }
    assert!(v["amr"].is_array());
}

#[test]
fn nonce_only_when_sent() {
    let mut claims: IdTokenClaims =
        serde_json::from_str(include_str!("data/claims/id_token.json")).unwrap();
    claims.nonce = None;
    claims.mdm_enrollment_url = None;
    let v = serde_json::to_value(&claims).unwrap();
    assert!(v.get("nonce").is_none());
    assert!(v.get("mdm_enrollment_url").is_none());
}

#[test]
fn access_token_round_trip() {
    let text = include_str!("data/claims/access_token_v1.json");
    let claims: AccessTokenClaims = serde_json::from_str(text).unwrap();
    assert_eq!(claims.aud, "urn:ms-drs:enterpriseregistration.windows.net");
    let expected: Value = serde_json::from_str(text).unwrap();
    assert_eq!(serde_json::to_value(&claims).unwrap(), expected);
}

#[test]
fn lenient_parsing_of_foreign_tokens() {
    // Times as strings, amr as a bare string, unknown claims.
    let claims: AccessTokenClaims = serde_json::from_str(
        r#"{"aud":"a","iss":"i","iat":"1","nbf":"1","exp":"2","amr":"pwd","sub":"s",
            "tid":"11111111-2222-3333-4444-555555555555","ver":"1.0","aio":"x","rh":"y"}"#,
    )
    .unwrap();
    assert_eq!(claims.exp, 2);
    assert_eq!(claims.amr, Some(vec!["pwd".to_owned()]));
    // A non-GUID tid is refused.
    assert!(
        serde_json::from_str::<AccessTokenClaims>(
            r#"{"aud":"a","iss":"i","iat":1,"nbf":1,"exp":2,"sub":"s","tid":"nope","ver":"1.0"}"#
        )
        .is_err()
    );
}
