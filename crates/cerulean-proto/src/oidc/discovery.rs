//! `/{tenant}/.well-known/openid-configuration` (v1) and
//! `/{tenant}/v2.0/.well-known/openid-configuration` (v2).
//!
//! Clients' requirements (INTEROP.md §5.2, §6.2, §10): `issuer`, `authorization_endpoint`,
//! `token_endpoint`, `device_authorization_endpoint` and `jwks_uri` present and absolute;
//! msal-node validates that `issuer` shares scheme, host and port with the authority.

use crate::EndpointVersion;
use serde::{Deserialize, Serialize};

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// The discovery document, with Entra's and MS-OIDCE's additions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenIdConfiguration {
    /// Token issuer.
    pub issuer: String,
    /// Authorize endpoint.
    pub authorization_endpoint: String,
    /// Token endpoint.
    pub token_endpoint: String,
    /// Signing keys.
    pub jwks_uri: String,
    /// Device-code endpoint (msal-python never derives it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_authorization_endpoint: Option<String>,
    /// Logout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_session_endpoint: Option<String>,
    /// UserInfo.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub userinfo_endpoint: Option<String>,
    /// Supported `response_type` values.
    #[serde(default)]
    pub response_types_supported: Vec<String>,
    /// Supported `response_mode` values.
    #[serde(default)]
    pub response_modes_supported: Vec<String>,
    /// `pairwise`.
    #[serde(default)]
    pub subject_types_supported: Vec<String>,
    /// `RS256`.
    #[serde(default)]
    pub id_token_signing_alg_values_supported: Vec<String>,
    /// Client authentication methods.
    #[serde(default)]
    pub token_endpoint_auth_methods_supported: Vec<String>,
    /// PKCE methods (RFC 8414; Entra omits it, harmless to clients).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_challenge_methods_supported: Option<Vec<String>>,
    /// Scopes.
    #[serde(default)]
    pub scopes_supported: Vec<String>,
    /// Claims.
    #[serde(default)]
    pub claims_supported: Vec<String>,
    /// `request_uri` support (false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_uri_parameter_supported: Option<bool>,
    /// Back-channel logout (true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_logout_supported: Option<bool>,
    /// Front-channel logout (true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frontchannel_logout_supported: Option<bool>,
    /// Cloud Kerberos endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kerberos_endpoint: Option<String>,
    /// Tenant region; Entra sends `null` for `common`, so `None` is written as `null`.
    #[serde(default)]
    pub tenant_region_scope: Option<String>,
    /// Cloud instance (`microsoftonline.com` at Entra).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud_instance_name: Option<String>,
    /// AAD Graph host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud_graph_host_name: Option<String>,
    /// Microsoft Graph host.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub msgraph_host: Option<String>,
    /// RBAC service URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rbac_url: Option<String>,
    /// Entra v1 documents: `true` (multi-resource refresh tokens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub microsoft_multi_refresh_token: Option<bool>,
    /// MS-OIDCE §2.2.3.2: issuer of access tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token_issuer: Option<String>,
    /// MS-OIDCE: PRT features (`kdf_ver2`, `winhello_cert`, `winhello_cert_kr`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capabilities: Option<Vec<String>>,
}

impl OpenIdConfiguration {
    /// Builds the document for `{authority_base_url}/{tenant_segment}`.
    ///
    /// * `issuer`: e.g. `https://host/{tid}/v2.0` (v2) or `https://sts.windows.net/{tid}/` /
    ///   `https://host/{tid}/` (v1).
    /// * `authority_base_url`: scheme, host and port as the client reached the server (a
    ///   trailing `/` is ignored).
    /// * `tenant_segment`: `common`, `organizations`, a tenant id or a domain, used verbatim.
    ///
    /// Endpoints follow Entra's layout. Only what Cerulean implements is advertised
    /// (`response_types_supported` is `["code"]`; Entra also lists implicit/hybrid types). `userinfo_endpoint` is
    /// `{base}/{tenant}/openid/userinfo` for both versions; Entra v2 points at Graph instead.
    /// Host names (`cloud_instance_name`, `msgraph_host`, `cloud_graph_host_name`) default to
    /// the authority's host; override them with the `with_*` methods.
    pub fn for_authority(
        issuer: impl Into<String>,
        authority_base_url: &str,
        tenant_segment: &str,
        version: EndpointVersion,
    ) -> Self {
        let base = authority_base_url.trim_end_matches('/');
        let t = format!("{base}/{tenant_segment}");
        let (oauth, keys) = match version {
            EndpointVersion::V1 => (format!("{t}/oauth2"), format!("{t}/discovery/keys")),
            EndpointVersion::V2 => (
                format!("{t}/oauth2/v2.0"),
                format!("{t}/discovery/v2.0/keys"),
            ),
        };
        let host = host_of(base);
        let v1 = version == EndpointVersion::V1;
        let mut claims = vec![
            "sub",
            "iss",
            "cloud_instance_name",
            "cloud_instance_host_name",
            "cloud_graph_host_name",
            "msgraph_host",
            "aud",
            "exp",
            "iat",
            "auth_time",
            "acr",
            "nonce",
            "preferred_username",
            "name",
            "tid",
            "ver",
            "at_hash",
            "c_hash",
            "email",
        ];
        if v1 {
            claims.extend([
                "amr",
                "given_name",
                "family_name",
                "unique_name",
                "upn",
                "oid",
            ]);
        }
        Self {
            issuer: issuer.into(),
            authorization_endpoint: format!("{oauth}/authorize"),
            token_endpoint: format!("{oauth}/token"),
            jwks_uri: keys,
            device_authorization_endpoint: Some(format!("{oauth}/devicecode")),
            end_session_endpoint: Some(format!("{oauth}/logout")),
            userinfo_endpoint: Some(format!("{t}/openid/userinfo")),
            response_types_supported: strings(&["code"]),
            response_modes_supported: strings(&["query", "fragment", "form_post"]),
            subject_types_supported: strings(&["pairwise"]),
            id_token_signing_alg_values_supported: strings(&["RS256"]),
            token_endpoint_auth_methods_supported: strings(&[
                "client_secret_post",
                "client_secret_basic",
            ]),
            code_challenge_methods_supported: Some(strings(&["S256", "plain"])),
            scopes_supported: if v1 {
                strings(&["openid"])
            } else {
                strings(&["openid", "profile", "email", "offline_access"])
            },
            claims_supported: strings(&claims),
            request_uri_parameter_supported: Some(false),
            http_logout_supported: Some(true),
            frontchannel_logout_supported: Some(true),
            kerberos_endpoint: Some(format!("{t}/kerberos")),
            tenant_region_scope: None,
            cloud_instance_name: Some(host.clone()),
            cloud_graph_host_name: Some(host.clone()),
            msgraph_host: Some(host),
            rbac_url: None,
            microsoft_multi_refresh_token: v1.then_some(true),
            access_token_issuer: None,
            capabilities: None,
        }
    }

    /// Sets `tenant_region_scope`.
    pub fn with_tenant_region_scope(mut self, region: impl Into<String>) -> Self {
        self.tenant_region_scope = Some(region.into());
        self
    }

    /// Sets `cloud_instance_name`.
    pub fn with_cloud_instance_name(mut self, name: impl Into<String>) -> Self {
        self.cloud_instance_name = Some(name.into());
        self
    }

    /// Sets `msgraph_host` and `cloud_graph_host_name`.
    pub fn with_graph_host(mut self, host: impl Into<String>) -> Self {
        let host = host.into();
        self.cloud_graph_host_name = Some(host.clone());
        self.msgraph_host = Some(host);
        self
    }

    /// Sets `rbac_url`.
    pub fn with_rbac_url(mut self, url: impl Into<String>) -> Self {
        self.rbac_url = Some(url.into());
        self
    }

    /// Sets MS-OIDCE `access_token_issuer`.
    pub fn with_access_token_issuer(mut self, issuer: impl Into<String>) -> Self {
        self.access_token_issuer = Some(issuer.into());
        self
    }

    /// Sets MS-OIDCE `capabilities` (e.g. `["kdf_ver2"]`).
    pub fn with_capabilities<I, S>(mut self, caps: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.capabilities = Some(caps.into_iter().map(Into::into).collect());
        self
    }
}

/// `host[:port]` of an absolute URL (or the input if it has no scheme).
fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    authority
        .rsplit_once('@')
        .map_or(authority, |(_, h)| h)
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_extraction() {
        assert_eq!(host_of("https://127.0.0.1:8443"), "127.0.0.1:8443");
        assert_eq!(host_of("https://login.example/x"), "login.example");
        assert_eq!(host_of("login.example"), "login.example");
    }
}
