//! Token, devicecode and error responses against fixtures (INTEROP.md §3.7, §8.3–8.4, §10).

use cerulean_proto::EndpointVersion;
use cerulean_proto::aadsts;
use cerulean_proto::oauth2::{
    ClientInfo, DeviceCodeResponse, ErrorCode, NumberEncoding, OAuthError, TokenResponse,
};
use serde_json::Value;
use time::macros::datetime;
use uuid::Uuid;

macro_rules! json {
    ($text:expr) => {
        serde_json::from_str::<Value>($text).unwrap()
    };
}

const OID: &str = "e06e3596-82c0-4f31-ac5a-439a308e3dc2";
const TID: &str = "11111111-2222-3333-4444-555555555555";

fn client_info() -> ClientInfo {
    ClientInfo {
        uid: Uuid::from_u128(0xe06e3596_82c0_4f31_ac5a_439a308e3dc2),
        utid: Uuid::from_u128(0x11111111_2222_3333_4444_555555555555),
    }
}

#[test]
fn devicecode_numbers_are_json_numbers() {
    let r = DeviceCodeResponse::new(
        "DAQABAAEAAADexample",
        "BCDFGHJK",
        "https://127.0.0.1:8443/devicelogin",
        900,
        5,
    );
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(
        v,
        json!(include_str!("data/oauth2/devicecode_response.json"))
    );
    assert!(v["expires_in"].is_u64() && v["interval"].is_u64());
    let back: DeviceCodeResponse = serde_json::from_value(v).unwrap();
    assert_eq!(back, r);
}

#[test]
fn devicecode_strings_parse() {
    let r: DeviceCodeResponse =
        serde_json::from_str(include_str!("data/oauth2/devicecode_response_strings.json")).unwrap();
    assert_eq!((r.expires_in, r.interval), (900, 5));
    // …and are re-emitted as numbers.
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(v["expires_in"], Value::from(900));
}

fn sample(version: EndpointVersion) -> TokenResponse {
    let mut r = TokenResponse::bearer(version).with_lifetime(1_735_686_000, 3599);
    r.access_token = Some("eyJ0eXAiOiJKV1QifQ.eyJ0aWQiOiJ4In0.c2ln".into());
    r.refresh_token = Some("1.AXkArefresh".into());
    r.id_token = Some("eyJ0eXAiOiJKV1QifQ.eyJvaWQiOiJ4In0.c2ln".into());
    r
}

#[test]
fn v2_token_response_uses_numbers() {
    let mut r = sample(EndpointVersion::V2);
    r.scope = Some("openid profile offline_access https://graph.microsoft.com/.default".into());
    r.client_info = Some(client_info().encode());
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(v, json!(include_str!("data/oauth2/token_response_v2.json")));
    let back: TokenResponse = serde_json::from_value(v).unwrap();
    assert_eq!(back, r);
    assert_eq!(back.encoding, NumberEncoding::Numbers);
}

#[test]
fn v1_token_response_uses_numeric_strings() {
    let mut r = sample(EndpointVersion::V1);
    r.scope = Some("user_impersonation".into());
    r.resource = Some("urn:ms-drs:enterpriseregistration.windows.net".into());
    r.foci = Some("1".into());
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(v, json!(include_str!("data/oauth2/token_response_v1.json")));
    let back: TokenResponse = serde_json::from_value(v).unwrap();
    assert_eq!(back, r);
    assert_eq!(back.encoding, NumberEncoding::Strings);
}

#[test]
fn prt_shape_keeps_refresh_token_expires_in_numeric() {
    // libhimmelblau's strict PRT typing (INTEROP.md §8.3 item 4).
    let mut r = TokenResponse::bearer(NumberEncoding::Strings);
    r.expires_in = Some(1_209_599);
    r.ext_expires_in = Some(1_209_599);
    r.expires_on = Some(1_736_895_599);
    r.refresh_token = Some("0.AXkAprt".into());
    r.refresh_token_expires_in = Some(1_209_599);
    r.id_token = Some("eyJ0eXAiOiJKV1QifQ.eyJvaWQiOiJ4In0.c2ln".into());
    r.client_info = Some(client_info().encode());
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(
        v,
        json!(include_str!("data/oauth2/token_response_prt_shape.json"))
    );
    assert!(v["expires_in"].is_string());
    assert!(v["refresh_token_expires_in"].is_u64());
}

#[test]
fn token_response_debug_hides_tokens() {
    let r = sample(EndpointVersion::V2);
    let shown = format!("{r:?}");
    assert!(!shown.contains("AXkArefresh"));
    assert!(!shown.contains("eyJ0"));
}

#[test]
fn client_info_encoding() {
    let expected = include_str!("data/oauth2/client_info.txt").trim();
    assert_eq!(client_info().encode(), expected);
    assert!(!expected.contains('='));
    assert_eq!(ClientInfo::decode(expected).unwrap(), client_info());
    let padded = include_str!("data/oauth2/client_info_padded.txt").trim();
    assert_eq!(ClientInfo::decode(padded).unwrap(), client_info());
    assert_eq!(client_info().home_account_id(), format!("{OID}.{TID}"));
    assert!(ClientInfo::decode("!!!").is_err());
    assert!(ClientInfo::decode("e30").is_err(), "{{}} lacks uid/utid");
}

#[test]
fn error_body_with_trace() {
    let e = aadsts::invalid_username_or_password()
        .with_trace(
            datetime!(2025-01-31 08:09:10 UTC),
            Uuid::parse_str("00000000-0000-0000-0000-000000000001").unwrap(),
            Uuid::parse_str("0d1e3c5a-9a8b-4c7d-8e6f-5a4b3c2d1e0f").unwrap(),
        )
        .with_error_uri_base("https://127.0.0.1:8443/");
    let v = serde_json::to_value(&e).unwrap();
    assert_eq!(
        v,
        json!(include_str!("data/oauth2/error_invalid_grant.json"))
    );
    assert!(v["error_codes"][0].is_u64());
    let back: OAuthError = serde_json::from_value(v).unwrap();
    assert_eq!(back, e);
    assert_eq!(e.http_status(), 400);
}

#[test]
fn error_body_minimal() {
    let v = serde_json::to_value(aadsts::authorization_pending()).unwrap();
    assert_eq!(
        v,
        json!(include_str!("data/oauth2/error_authorization_pending.json"))
    );
}

#[test]
fn foreign_error_bodies_parse() {
    let e: OAuthError =
        serde_json::from_str(include_str!("data/oauth2/error_foreign.json")).unwrap();
    assert_eq!(e.error, ErrorCode::Other("code_expired".into()));
    assert_eq!(e.aadsts(), Some(70019));
    let e: OAuthError = serde_json::from_str(r#"{"error":"invalid_client"}"#).unwrap();
    assert_eq!(e.http_status(), 401);
    assert!(e.error_codes.is_empty());
}
