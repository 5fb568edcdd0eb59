//! Parsers take untrusted input and must never panic. A deterministic pseudo-random sweep
//! (no fuzzing dependency): raw bytes, structured forms built from the known parameter
//! names, and mutated fixtures.

use cerulean_proto::EndpointVersion;
use cerulean_proto::claims::{AccessTokenClaims, IdTokenClaims};
use cerulean_proto::oauth2::{
    AuthorizeRequest, BasicCredentials, ClientInfo, DeviceCodeRequest, DeviceCodeResponse,
    OAuthError, TokenGrant, TokenRequest, TokenResponse,
};
use cerulean_proto::oidc::{InstanceDiscovery, Jwks, OpenIdConfiguration};
use cerulean_proto::realm::{
    GetCredentialTypeRequest, GetCredentialTypeResponse, UserRealmV1, UserRealmV2,
};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn bytes(&mut self, max: usize) -> Vec<u8> {
        let len = self.below(max + 1);
        (0..len).map(|_| self.next() as u8).collect()
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const NAMES: &[&str] = &[
    "grant_type",
    "client_id",
    "client_secret",
    "code",
    "redirect_uri",
    "code_verifier",
    "username",
    "password",
    "refresh_token",
    "device_code",
    "scope",
    "resource",
    "client_info",
    "request",
    "windows_api_version",
    "tgt",
    "assertion",
    "claims",
    "client-request-id",
    "response_type",
    "response_mode",
    "code_challenge",
    "code_challenge_method",
    "prompt",
    "state",
    "nonce",
    "x-client-SKU",
    "",
    "%",
    "grant_type%00",
];

const VALUES: &[&str] = &[
    "",
    "1",
    "0",
    "true",
    "True",
    "yes",
    "password",
    "device_code",
    "refresh_token",
    "authorization_code",
    "client_credentials",
    "srv_challenge",
    "urn:ietf:params:oauth:grant-type:device_code",
    "urn:ietf:params:oauth:grant-type:jwt-bearer",
    "urn:ietf:params:oauth:grant-type:saml1_1-bearer",
    "code id_token",
    "form_post",
    "S256",
    "plain",
    "%",
    "%zz",
    "%E2%82",
    "+",
    "&",
    "=",
    "\u{1F600}",
    "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
];

fn exercise_form(body: &[u8]) {
    if let Ok(req) = TokenRequest::from_form_body(body) {
        let _ = TokenGrant::try_from(req);
    }
    let text = String::from_utf8_lossy(body);
    let _ = AuthorizeRequest::from_query(&text);
    let _ = DeviceCodeRequest::from_form_body(body, EndpointVersion::V1);
    let _ = DeviceCodeRequest::from_form_body(body, EndpointVersion::V2);
}

fn exercise_json(body: &[u8]) {
    let _ = GetCredentialTypeRequest::from_json(body);
    let _ = serde_json::from_slice::<TokenResponse>(body);
    let _ = serde_json::from_slice::<DeviceCodeResponse>(body);
    let _ = serde_json::from_slice::<OAuthError>(body);
    let _ = serde_json::from_slice::<OpenIdConfiguration>(body);
    let _ = serde_json::from_slice::<Jwks>(body);
    let _ = serde_json::from_slice::<InstanceDiscovery>(body);
    let _ = serde_json::from_slice::<UserRealmV1>(body);
    let _ = serde_json::from_slice::<UserRealmV2>(body);
    let _ = serde_json::from_slice::<GetCredentialTypeResponse>(body);
    let _ = serde_json::from_slice::<AccessTokenClaims>(body);
    let _ = serde_json::from_slice::<IdTokenClaims>(body);
}

#[test]
fn random_bytes() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..3000 {
        let bytes = rng.bytes(300);
        exercise_form(&bytes);
        exercise_json(&bytes);
        let text = String::from_utf8_lossy(&bytes);
        let _ = BasicCredentials::parse(&format!("Basic {text}"));
        let _ = BasicCredentials::parse(&text);
        let _ = ClientInfo::decode(&text);
    }
}

#[test]
fn structured_forms() {
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    for _ in 0..20_000 {
        let n = rng.below(8);
        let body = (0..n)
            .map(|_| format!("{}={}", rng.pick(NAMES), rng.pick(VALUES)))
            .collect::<Vec<_>>()
            .join("&");
        exercise_form(body.as_bytes());
    }
}

#[test]
fn mutated_fixtures() {
    let fixtures: &[&[u8]] = &[
        include_bytes!("data/oauth2/token_response_v1.json"),
        include_bytes!("data/oauth2/token_response_v2.json"),
        include_bytes!("data/oauth2/devicecode_response.json"),
        include_bytes!("data/oauth2/error_invalid_grant.json"),
        include_bytes!("data/oidc/openid_configuration_v2.json"),
        include_bytes!("data/oidc/jwks.json"),
        include_bytes!("data/realm/gct_request_browser.json"),
        include_bytes!("data/realm/gct_response_managed.json"),
        include_bytes!("data/claims/id_token.json"),
        include_bytes!("data/oauth2/poll_msal_node.form"),
        include_bytes!("data/oauth2/prt_roadtx.form"),
    ];
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    for _ in 0..5000 {
        let mut data = fixtures[rng.below(fixtures.len())].to_vec();
        for _ in 0..=rng.below(4) {
            let at = rng.below(data.len());
            match rng.below(3) {
                0 => data[at] = rng.next() as u8,
                1 => data.truncate(at),
                _ => data.insert(at, b"\"0-9e%:{[&="[rng.below(11)]),
            }
            if data.is_empty() {
                break;
            }
        }
        exercise_form(&data);
        exercise_json(&data);
    }
}
