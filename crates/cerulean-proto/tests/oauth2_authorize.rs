//! Authorize query and devicecode request parsing.

use cerulean_proto::EndpointVersion;
use cerulean_proto::oauth2::{
    AuthorizeRequest, CodeChallengeMethod, DeviceCodeRequest, ErrorCode, Prompt, ResponseMode,
};

const MSAL_PYTHON: &str = "client_id=04b07795-8ddb-461a-bbee-02f9e1bf7b46&response_type=code&redirect_uri=http%3A%2F%2Flocalhost%3A8400&scope=openid+profile+offline_access&state=xyzABC&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256&nonce=0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0&client_info=1";

#[test]
fn msal_python_authorize() {
    let r = AuthorizeRequest::from_query(MSAL_PYTHON).unwrap();
    assert_eq!(r.client_id, "04b07795-8ddb-461a-bbee-02f9e1bf7b46");
    assert!(r.response_type.code && !r.response_type.id_token);
    assert_eq!(r.redirect_uri.as_deref(), Some("http://localhost:8400"));
    assert_eq!(r.state.as_deref(), Some("xyzABC"));
    assert!(r.client_info);
    let pkce = r.code_challenge.as_ref().unwrap();
    assert_eq!(pkce.method, CodeChallengeMethod::S256);
    assert_eq!(r.effective_response_mode(), ResponseMode::Query);
}

#[test]
fn roadtx_prt_sso_authorize() {
    let q = "client_id=1b730954-1685-4b74-9bfd-dac224a7b894&response_type=code&haschrome=1&redirect_uri=https%3A%2F%2Flogin.microsoftonline.com%2Fcommon%2Foauth2%2Fnativeclient&client-request-id=5a1b&x-client-SKU=PCL.Desktop&x-client-Ver=3.19.7.16602&x-client-CPU=x64&x-client-OS=Microsoft+Windows+NT+10.0.19569.0&site_id=501358&mscrid=5a1b&sso_nonce=AwABEgEAAAADAOz_BQD0_1&resource=https%3A%2F%2Fgraph.windows.net";
    let r = AuthorizeRequest::from_query(q).unwrap();
    assert_eq!(r.sso_nonce.as_deref(), Some("AwABEgEAAAADAOz_BQD0_1"));
    assert_eq!(r.client_request_id.as_deref(), Some("5a1b"));
    assert_eq!(r.resource.as_deref(), Some("https://graph.windows.net"));
}

#[test]
fn response_mode_and_prompt() {
    let r = AuthorizeRequest::from_query(
        "client_id=c&response_type=code+id_token&response_mode=form_post&prompt=none",
    )
    .unwrap();
    assert_eq!(r.response_mode, Some(ResponseMode::FormPost));
    assert_eq!(r.prompt, Some(Prompt::None));
    let r = AuthorizeRequest::from_query("client_id=c&response_type=id_token").unwrap();
    assert_eq!(r.effective_response_mode(), ResponseMode::Fragment);
    let e =
        AuthorizeRequest::from_query("client_id=c&response_type=code&response_mode=carrier_pigeon")
            .unwrap_err();
    assert_eq!(e.error, ErrorCode::InvalidRequest);
}

#[test]
fn authorize_errors() {
    let e = AuthorizeRequest::from_query("response_type=code").unwrap_err();
    assert!(e.error_description.contains("'client_id'"));
    let e = AuthorizeRequest::from_query("client_id=c").unwrap_err();
    assert!(e.error_description.contains("'response_type'"));
    let e = AuthorizeRequest::from_query("client_id=c&response_type=magic").unwrap_err();
    assert_eq!(e.error, ErrorCode::UnsupportedResponseType);
    let e =
        AuthorizeRequest::from_query("client_id=c&response_type=code&state=1&state=2").unwrap_err();
    assert_eq!(e.error, ErrorCode::InvalidRequest);
}

#[test]
fn pkce_validation() {
    let good = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    let q = |challenge: &str, method: &str| {
        AuthorizeRequest::from_query(&format!(
            "client_id=c&response_type=code&code_challenge={challenge}{method}"
        ))
    };
    let r = q(good, "").unwrap();
    assert_eq!(r.code_challenge.unwrap().method, CodeChallengeMethod::Plain);
    assert!(q(good, "&code_challenge_method=S512").is_err());
    assert!(q("short", "&code_challenge_method=S256").is_err());
    assert!(q(&format!("{good}%2F"), "&code_challenge_method=S256").is_err());
    let e =
        AuthorizeRequest::from_query("client_id=c&response_type=code&code_challenge_method=S256")
            .unwrap_err();
    assert!(e.error_description.contains("'code_challenge'"));
}

#[test]
fn devicecode_requests() {
    let pairs = |items: &[(&str, &str)]| -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect()
    };
    // roadtx (v1, resource)
    let r = DeviceCodeRequest::from_pairs(
        &pairs(&[
            ("client_id", "c"),
            ("resource", "https://graph.microsoft.com"),
        ]),
        EndpointVersion::V1,
    )
    .unwrap();
    assert_eq!(
        r.target.resource.as_deref(),
        Some("https://graph.microsoft.com")
    );
    // msal-node (v2, scope)
    let r = DeviceCodeRequest::from_form_body(
        b"client_id=c&scope=openid%20profile%20offline_access&client-request-id=x",
        EndpointVersion::V2,
    )
    .unwrap();
    assert_eq!(r.target.scopes().count(), 3);
    // missing
    let e = DeviceCodeRequest::from_pairs(&pairs(&[("client_id", "c")]), EndpointVersion::V1)
        .unwrap_err();
    assert!(e.error_description.contains("'resource'"));
    let e = DeviceCodeRequest::from_pairs(&pairs(&[("client_id", "c")]), EndpointVersion::V2)
        .unwrap_err();
    assert!(e.error_description.contains("'scope'"));
    let e =
        DeviceCodeRequest::from_pairs(&pairs(&[("scope", "s")]), EndpointVersion::V2).unwrap_err();
    assert!(e.error_description.contains("'client_id'"));
}
