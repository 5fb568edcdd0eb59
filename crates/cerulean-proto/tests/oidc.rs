//! OIDC discovery, JWKS and instance discovery (PROTOCOLS.md §2.3, INTEROP.md §5.2, §6.2, §10).

use cerulean_proto::EndpointVersion;
use cerulean_proto::oidc::{InstanceDiscovery, Jwk, Jwks, OpenIdConfiguration};
use serde_json::Value;

const BASE: &str = "https://127.0.0.1:8443/";
const TID: &str = "11111111-2222-3333-4444-555555555555";

#[test]
fn v2_document() {
    let issuer = format!("https://127.0.0.1:8443/{TID}/v2.0");
    let doc = OpenIdConfiguration::for_authority(issuer, BASE, TID, EndpointVersion::V2)
        .with_capabilities(["kdf_ver2"]);
    let v = serde_json::to_value(&doc).unwrap();
    let expected: Value =
        serde_json::from_str(include_str!("data/oidc/openid_configuration_v2.json")).unwrap();
    assert_eq!(v, expected);
    // msal-node's validity check and msal-python's device flow.
    for key in [
        "issuer",
        "authorization_endpoint",
        "token_endpoint",
        "jwks_uri",
        "device_authorization_endpoint",
    ] {
        assert!(
            v[key]
                .as_str()
                .unwrap()
                .starts_with("https://127.0.0.1:8443/"),
            "{key}"
        );
    }
    assert!(v.get("tenant_region_scope").unwrap().is_null());
    let back: OpenIdConfiguration = serde_json::from_value(v).unwrap();
    assert_eq!(back, doc);
}

#[test]
fn v1_document() {
    let doc = OpenIdConfiguration::for_authority(
        format!("https://sts.windows.net/{TID}/"),
        "https://login.microsoftonline.com",
        "common",
        EndpointVersion::V1,
    )
    .with_cloud_instance_name("microsoftonline.com")
    .with_graph_host("graph.microsoft.com")
    .with_tenant_region_scope("EU")
    .with_access_token_issuer(format!("https://sts.windows.net/{TID}/"));
    assert_eq!(
        doc.token_endpoint,
        "https://login.microsoftonline.com/common/oauth2/token"
    );
    assert_eq!(
        doc.jwks_uri,
        "https://login.microsoftonline.com/common/discovery/keys"
    );
    assert_eq!(
        doc.device_authorization_endpoint.as_deref(),
        Some("https://login.microsoftonline.com/common/oauth2/devicecode")
    );
    assert_eq!(doc.microsoft_multi_refresh_token, Some(true));
    let v = serde_json::to_value(&doc).unwrap();
    assert_eq!(v["tenant_region_scope"], "EU");
    assert_eq!(v["msgraph_host"], "graph.microsoft.com");
    assert!(v.get("capabilities").is_none());
}

#[test]
fn entra_style_document_parses() {
    let doc: OpenIdConfiguration = serde_json::from_str(include_str!(
        "data/oidc/openid_configuration_entra_v1_style.json"
    ))
    .unwrap();
    assert_eq!(doc.microsoft_multi_refresh_token, Some(true));
    assert_eq!(doc.tenant_region_scope, None);
    assert_eq!(doc.rbac_url.as_deref(), Some("https://pas.example"));
}

#[test]
fn jwks_round_trip() {
    let text = include_str!("data/oidc/jwks.json");
    let jwks: Jwks = serde_json::from_str(text).unwrap();
    assert_eq!(jwks.keys[0].use_.as_deref(), Some("sig"));
    let expected: Value = serde_json::from_str(text).unwrap();
    assert_eq!(serde_json::to_value(&jwks).unwrap(), expected);

    let mut key = Jwk::rsa("k1", jwks.keys[0].n.clone().unwrap(), "AQAB");
    key.x5t = Some("k1".into());
    key.x5c = Some(vec!["MIIBIjAN".into()]);
    assert_eq!(key, jwks.keys[0]);
}

#[test]
fn jwks_x5c_string_is_accepted_and_emitted_as_array() {
    let jwks: Jwks = serde_json::from_str(include_str!("data/oidc/jwks_x5c_string.json")).unwrap();
    assert_eq!(jwks.keys[0].x5c, Some(vec!["MIIBIjAN".to_owned()]));
    let v = serde_json::to_value(&jwks).unwrap();
    assert!(v["keys"][0]["x5c"].is_array());
}

#[test]
fn instance_discovery() {
    let endpoint = format!("https://127.0.0.1:8443/{TID}/v2.0/.well-known/openid-configuration");
    let d = InstanceDiscovery::for_host(
        endpoint,
        "127.0.0.1:8443",
        &["127.0.0.1:8443", "localhost:8443"],
    );
    let v = serde_json::to_value(&d).unwrap();
    let expected: Value =
        serde_json::from_str(include_str!("data/oidc/instance_discovery.json")).unwrap();
    assert_eq!(v, expected);
    let back: InstanceDiscovery = serde_json::from_value(v).unwrap();
    assert_eq!(back, d);
}
