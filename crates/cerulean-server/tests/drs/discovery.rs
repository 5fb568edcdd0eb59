//! Discovery: `/{domain}/Discover`, `/{domain}/enrollmentserver/contract` (XML, JSON,
//! 406), the `enterpriseregistration.<domain>` host form, unknown domains and bad
//! `api-version`s.

use reqwest::StatusCode;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HOST};
use serde_json::Value;

use crate::support::*;

/// Every leaf of a JSON document with its path.
fn leaves(v: &Value, path: String, out: &mut Vec<(String, Value)>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                leaves(v, format!("{path}/{k}"), out);
            }
        }
        other => out.push((path, other.clone())),
    }
}

fn assert_endpoints_on(doc: &Value, base: &str) {
    let mut all = Vec::new();
    leaves(doc, String::new(), &mut all);
    let mut endpoints = 0;
    for (path, value) in all {
        let text = value
            .as_str()
            .unwrap_or_else(|| panic!("{path} is not a string"));
        assert!(!text.contains("api-version"), "{path}: {text}");
        if path.ends_with("Endpoint") {
            endpoints += 1;
            assert!(text.starts_with(base), "{path}: {text} not on {base}");
        }
    }
    assert!(endpoints >= 12, "{endpoints} endpoints");
}

#[tokio::test]
async fn discover_by_domain_and_by_tenant_id() {
    let rig = Rig::start().await;
    let base = rig.server.base_url();
    let tid = rig.tenant().to_string();
    for (segment, name) in [
        ("contoso.test", "contoso.test"),
        ("Contoso.TEST", "contoso.test"),
        (tid.as_str(), "contoso.test"),
    ] {
        let response = rig
            .http
            .get(rig.url(&format!(
                "/{segment}/Discover/?api-version=1.9&managed=True"
            )))
            .bearer_auth("ignored-by-discovery")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert!(
            response.headers()[CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("application/json")
        );
        let doc: Value = response.json().await.unwrap();
        assert_endpoints_on(&doc, &base);
        assert_eq!(doc["TenantInfo"]["TenantId"], tid);
        assert_eq!(doc["TenantInfo"]["TenantName"], name);
        assert_eq!(doc["TenantInfo"]["DisplayName"], "Contoso");
        assert_eq!(
            doc["DeviceJoinService"]["JoinEndpoint"],
            format!("{base}/EnrollmentServer/device/")
        );
        assert_eq!(doc["DeviceJoinService"]["ServiceVersion"], "2.0");
        assert_eq!(doc["DeviceJoinService"]["JoinResourceId"], DRS_URN);
        assert_eq!(doc["KeyProvisioningService"]["ServiceVersion"], "1.0");
        assert_eq!(
            doc["NonceService"]["Endpoint"],
            format!("{base}/EnrollmentServer/nonce/{tid}/")
        );
        assert_eq!(
            doc["AuthenticationService"]["OAuth2"]["TokenEndpoint"],
            format!("{base}/{tid}/oauth2/token")
        );
        assert_eq!(doc["ServicesService"]["ServiceVersion"], "1.9");
    }
}

#[tokio::test]
async fn contract_as_xml_json_or_406() {
    let rig = Rig::start().await;
    let base = rig.server.base_url();
    let url = rig.url("/contoso.test/EnrollmentServer/contract?api-version=1.2");

    let xml = rig.http.get(&url).send().await.unwrap();
    assert_eq!(xml.status(), StatusCode::OK);
    assert!(
        xml.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("application/xml")
    );
    let text = xml.text().await.unwrap();
    assert!(text.starts_with("<?xml"), "{text}");
    assert!(
        text.contains(&format!(
            "<JoinEndpoint>{base}/EnrollmentServer/device/</JoinEndpoint>"
        )),
        "{text}"
    );
    assert!(
        text.contains("<ServiceVersion>1.2</ServiceVersion>"),
        "{text}"
    );

    let json = rig
        .http
        .get(&url)
        .header(ACCEPT, "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(json.status(), StatusCode::OK);
    let doc: Value = json.json().await.unwrap();
    assert_endpoints_on(&doc, &base);

    let html = rig
        .http
        .get(&url)
        .header(ACCEPT, "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(html.status(), StatusCode::NOT_ACCEPTABLE);
    let body: Value = html.json().await.unwrap();
    assert_eq!(error_type(&body), "NotAcceptable");
}

#[tokio::test]
async fn contract_on_the_enterpriseregistration_host() {
    let rig = Rig::start().await;
    let port = rig.server.https_addr.port();
    let client = rig.http1();
    let url = rig.url("/EnrollmentServer/contract?api-version=1.0");
    let host = format!("EnterpriseRegistration.contoso.test:{port}");

    let json = client
        .get(&url)
        .header(HOST, &host)
        .header(ACCEPT, "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(json.status(), StatusCode::OK);
    let doc: Value = json.json().await.unwrap();
    assert_endpoints_on(
        &doc,
        &format!("https://enterpriseregistration.contoso.test:{port}"),
    );
    assert_eq!(doc["TenantInfo"]["TenantName"], "contoso.test");

    let xml = client.get(&url).header(HOST, &host).send().await.unwrap();
    assert_eq!(xml.status(), StatusCode::OK);
    assert!(xml.text().await.unwrap().contains("<DeviceJoinService>"));

    // A host that names no organization here.
    for other in [
        format!("enterpriseregistration.nowhere.test:{port}"),
        format!("127.0.0.1:{port}"),
    ] {
        let response = client.get(&url).header(HOST, other).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        let body: Value = response.json().await.unwrap();
        assert_eq!(error_type(&body), "TenantNotFound");
    }
}

#[tokio::test]
async fn unknown_domains_and_bad_versions_are_drs_errors() {
    let rig = Rig::start().await;
    for path in [
        "/nowhere.test/Discover?api-version=1.9",
        "/nowhere.test/EnrollmentServer/contract?api-version=1.0",
        "/common/Discover?api-version=1.9",
    ] {
        let response = rig.http.get(rig.url(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(error_type(&body), "TenantNotFound", "{path}");
        assert!(
            body["Message"].as_str().unwrap().contains("nowhere.test") || path.contains("common")
        );
    }
    for (path, needle) in [
        ("/contoso.test/Discover", "required"),
        ("/contoso.test/Discover?api-version=abc", "'abc'"),
        ("/contoso.test/Discover?api-version=0.9", "'0.9'"),
        ("/contoso.test/EnrollmentServer/contract", "required"),
    ] {
        let response = rig.http.get(rig.url(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(error_type(&body), "InvalidRequest");
        let message = body["Message"].as_str().unwrap();
        assert!(
            message.contains("api-version") && message.contains(needle),
            "{message}"
        );
    }
}
