//! The MS-DVRD XML form of discovery (`GET /EnrollmentServer/contract` without `Accept`
//! or with `Accept: application/xml`), MS-DVRD §2.2.4 and §4.2.2.
//!
//! The XML schema is the DVRD 1.2 subset of the JSON document: `DeviceRegistrationService`,
//! `AuthenticationService/OAuth2`, `IdentityProviderService/PassiveAuthEndpoint`,
//! `DeviceJoinService`, `WebBrowserZones` and `KeyProvisioningService`, in that order, in
//! the `Microsoft.DeviceRegistration.Entities` data-contract namespace.

use std::fmt::Write as _;

use super::discovery::DrsDiscovery;

const NS: &str = "http://schemas.datacontract.org/2004/07/Microsoft.DeviceRegistration.Entities";
const NS_XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";
const NS_ARRAYS: &str = "http://schemas.microsoft.com/2003/10/Serialization/Arrays";

/// Escapes text for element content and attribute values.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot carry at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

fn element(out: &mut String, name: &str, value: &str) {
    let _ = write!(out, "<{name}>{}</{name}>", esc(value));
}

impl DrsDiscovery {
    /// The MS-DVRD XML body. `requested_version` is the request's `api-version`:
    /// DVRD requires `DeviceRegistrationService.ServiceVersion` to echo it, so a decimal
    /// version (`1.0`, `1.2`) is written there; anything else leaves the built value.
    /// The `Intranet` browser zone lists the DRS and authority origins.
    pub fn to_contract_xml(&self, requested_version: &str) -> String {
        let mut out = String::with_capacity(2048);
        let _ = write!(
            out,
            r#"<?xml version="1.0" encoding="utf-8"?><Discovery xmlns="{NS}" xmlns:i="{NS_XSI}">"#
        );
        if let Some(s) = &self.device_registration_service {
            let version = if is_decimal(requested_version) {
                requested_version
            } else {
                &s.service_version
            };
            out.push_str("<DeviceRegistrationService>");
            element(&mut out, "RegistrationEndpoint", &s.registration_endpoint);
            element(
                &mut out,
                "RegistrationResourceId",
                &s.registration_resource_id,
            );
            element(&mut out, "ServiceVersion", version);
            out.push_str("</DeviceRegistrationService>");
        }
        if let Some(s) = &self.authentication_service {
            out.push_str("<AuthenticationService><OAuth2>");
            element(&mut out, "AuthCodeEndpoint", &s.oauth2.auth_code_endpoint);
            element(&mut out, "TokenEndpoint", &s.oauth2.token_endpoint);
            out.push_str("</OAuth2></AuthenticationService>");
        }
        if let Some(s) = &self.identity_provider_service {
            out.push_str("<IdentityProviderService>");
            element(&mut out, "PassiveAuthEndpoint", &s.passive_auth_endpoint);
            out.push_str("</IdentityProviderService>");
        }
        if let Some(s) = &self.device_join_service {
            out.push_str("<DeviceJoinService>");
            element(&mut out, "JoinEndpoint", &s.join_endpoint);
            element(&mut out, "JoinResourceId", &s.join_resource_id);
            element(&mut out, "ServiceVersion", &s.service_version);
            out.push_str("</DeviceJoinService>");
        }
        let _ = write!(
            out,
            r#"<WebBrowserZones><Intranet><Endpoints xmlns:a="{NS_ARRAYS}">"#
        );
        let mut origins: Vec<&str> = Vec::new();
        let endpoints = [
            self.device_join_service
                .as_ref()
                .map(|s| s.join_endpoint.as_str()),
            self.authentication_service
                .as_ref()
                .map(|s| s.oauth2.token_endpoint.as_str()),
        ];
        for origin in endpoints.into_iter().flatten().filter_map(origin_of) {
            if !origins.contains(&origin) {
                origins.push(origin);
                element(&mut out, "a:anyURI", &format!("{origin}/"));
            }
        }
        out.push_str(
            r#"</Endpoints></Intranet><Trusted i:nil="true"/><Untrusted i:nil="true"/></WebBrowserZones>"#,
        );
        if let Some(s) = &self.key_provisioning_service {
            out.push_str("<KeyProvisioningService>");
            element(&mut out, "KeyProvisionEndpoint", &s.key_provision_endpoint);
            element(
                &mut out,
                "KeyProvisionResourceId",
                &s.key_provision_resource_id,
            );
            element(&mut out, "ServiceVersion", &s.service_version);
            out.push_str("</KeyProvisioningService>");
        }
        out.push_str("</Discovery>");
        out
    }
}

/// `1.0`, `1.2`, `2`: digits with at most one dot, short.
fn is_decimal(v: &str) -> bool {
    !v.is_empty()
        && v.len() <= 8
        && v.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && v.bytes().filter(|&b| b == b'.').count() <= 1
        && !v.starts_with('.')
        && !v.ends_with('.')
}

/// `scheme://host[:port]` of an absolute URL.
fn origin_of(url: &str) -> Option<&str> {
    let (_, rest) = url.split_once("://")?;
    let host_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    Some(&url[..url.len() - rest.len() + host_len])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> DrsDiscovery {
        DrsDiscovery::build(
            "https://enterpriseregistration.contoso.test",
            "https://login.contoso.test",
            "6babcaad-604b-40ac-a9d7-9fd97c0b779f",
            "contoso.test",
            "Contoso <&> \"Ltd\"",
        )
    }

    #[test]
    fn dvrd_shape_and_order() {
        let xml = doc().to_contract_xml("1.2");
        assert!(xml.starts_with(r#"<?xml version="1.0" encoding="utf-8"?><Discovery xmlns="http://schemas.datacontract.org/2004/07/Microsoft.DeviceRegistration.Entities""#));
        let order = [
            "<DeviceRegistrationService>",
            "<AuthenticationService><OAuth2><AuthCodeEndpoint>",
            "<IdentityProviderService><PassiveAuthEndpoint>",
            "<DeviceJoinService><JoinEndpoint>https://enterpriseregistration.contoso.test/EnrollmentServer/device/</JoinEndpoint>",
            "<WebBrowserZones><Intranet>",
            "<KeyProvisioningService>",
            "</Discovery>",
        ];
        let positions: Vec<usize> = order.iter().filter_map(|p| xml.find(p)).collect();
        assert_eq!(positions.len(), order.len(), "{xml}");
        assert!(positions.windows(2).all(|w| w[0] < w[1]), "{xml}");
        assert!(xml.contains(
            "<RegistrationResourceId>urn:ms-drs:enterpriseregistration.windows.net</RegistrationResourceId><ServiceVersion>1.2</ServiceVersion>"
        ));
        assert!(xml.contains("<a:anyURI>https://enterpriseregistration.contoso.test/</a:anyURI>"));
        assert!(xml.contains("<a:anyURI>https://login.contoso.test/</a:anyURI>"));
        assert!(xml.contains(r#"<Trusted i:nil="true"/>"#));
    }

    #[test]
    fn unusual_version_is_not_echoed_and_text_is_escaped() {
        let xml = doc().to_contract_xml("<script>");
        assert!(!xml.contains("<script>"));
        assert!(xml.contains("<ServiceVersion>1.0</ServiceVersion>"));
        assert_eq!(esc("a<&>\"'\u{1}b"), "a&lt;&amp;&gt;&quot;&apos;b");
    }

    #[test]
    fn origins() {
        assert_eq!(origin_of("https://h:8443/x/y"), Some("https://h:8443"));
        assert_eq!(origin_of("http://h"), Some("http://h"));
        assert_eq!(origin_of("nonsense"), None);
        assert!(is_decimal("1.0") && is_decimal("2") && !is_decimal("1.") && !is_decimal("1.2.3"));
    }
}
