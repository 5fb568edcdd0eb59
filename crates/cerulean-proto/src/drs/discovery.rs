//! DRS discovery (PROTOCOLS.md §3): `GET /{tenant}/Discover?api-version=1.9` (JSON) and
//! the MS-DVRD `GET /EnrollmentServer/contract?api-version=…` (XML or JSON by `Accept`).
//!
//! Client requirements (INTEROP.md §8.3, §10):
//! * every section a client reads is present, with absolute URLs on this deployment, so
//!   that no client falls back to Microsoft's hosts;
//! * every value is a JSON **string**, `ServiceVersion` included (libhimmelblau types all
//!   fields `Option<String>`, so one number or boolean would fail the whole document);
//! * no endpoint carries `api-version` (clients append `?api-version={ServiceVersion}`);
//! * both `DiscoveryService` (HBS) and `ServicesService` (libhimmelblau) are sent.
//!
//! Deviation, on purpose: Entra sends `IdentityProviderService.Federated` as the boolean
//! `false`; we send the string `"false"` to keep the all-strings rule (no client we know
//! reads it), and accept either when parsing.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

use super::DRS_RESOURCE_ID;

/// `ServiceVersion` of `DiscoveryService` / `ServicesService`.
pub const DISCOVERY_SERVICE_VERSION: &str = "1.9";
/// `ServiceVersion` of `DeviceJoinService` (clients then use `api-version=2.0`).
pub const JOIN_SERVICE_VERSION: &str = "2.0";
/// `ServiceVersion` of the services that use `api-version=1.0`.
pub const V1_SERVICE_VERSION: &str = "1.0";

macro_rules! section {
    ($(#[$meta:meta])* $name:ident { $($(#[$fmeta:meta])* $field:ident => $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
        pub struct $name {
            $(
                $(#[$fmeta])*
                #[serde(rename = $wire, default)]
                pub $field: String,
            )+
        }
    };
}

section!(
    /// `DiscoveryService` (HBS).
    DiscoveryService {
        /// `{drs}/{tid}/Discover`.
        discovery_endpoint => "DiscoveryEndpoint",
        /// `1.9`.
        service_version => "ServiceVersion",
    }
);

section!(
    /// `ServicesService` (what libhimmelblau deserialises in place of `DiscoveryService`).
    ServicesService {
        /// `{drs}/{tid}/Discover`.
        services_endpoint => "ServicesEndpoint",
        /// `1.9`.
        service_version => "ServiceVersion",
    }
);

section!(
    /// `DeviceRegistrationService`: the legacy MS-DVRE SOAP endpoint (not implemented by
    /// Cerulean; advertised because MS-DVRD requires the section).
    DeviceRegistrationService {
        /// `{drs}/EnrollmentServer/DeviceEnrollmentWebService.svc`.
        registration_endpoint => "RegistrationEndpoint",
        /// The DRS resource id.
        registration_resource_id => "RegistrationResourceId",
        /// `1.0`.
        service_version => "ServiceVersion",
    }
);

section!(
    /// `AuthenticationService.OAuth2`.
    OAuth2Endpoints {
        /// `{auth}/{tid}/oauth2/authorize`.
        auth_code_endpoint => "AuthCodeEndpoint",
        /// `{auth}/{tid}/oauth2/token`.
        token_endpoint => "TokenEndpoint",
    }
);

/// `AuthenticationService`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthenticationService {
    /// The OAuth 2.0 endpoints.
    #[serde(rename = "OAuth2", default)]
    pub oauth2: OAuth2Endpoints,
}

/// `IdentityProviderService`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityProviderService {
    /// `"false"` (a string; Entra sends a boolean, accepted when parsing).
    #[serde(rename = "Federated", default, deserialize_with = "string_or_bool")]
    pub federated: String,
    /// `{auth}/{tid}/wsfed`.
    #[serde(rename = "PassiveAuthEndpoint", default)]
    pub passive_auth_endpoint: String,
}

section!(
    /// `DeviceJoinService`: where `POST …/device/?api-version=2.0` goes.
    DeviceJoinService {
        /// `{drs}/EnrollmentServer/device/`.
        join_endpoint => "JoinEndpoint",
        /// The DRS resource id.
        join_resource_id => "JoinResourceId",
        /// `2.0`.
        service_version => "ServiceVersion",
    }
);

section!(
    /// `KeyProvisioningService`: MS-KPP Windows Hello key registration.
    KeyProvisioningService {
        /// `{drs}/EnrollmentServer/key/`.
        key_provision_endpoint => "KeyProvisionEndpoint",
        /// The DRS resource id.
        key_provision_resource_id => "KeyProvisionResourceId",
        /// `1.0`.
        service_version => "ServiceVersion",
    }
);

section!(
    /// `WebAuthNService`.
    WebAuthNService {
        /// `{drs}/webauthn/{tid}/`.
        web_authn_endpoint => "WebAuthNEndpoint",
        /// The DRS resource id.
        web_authn_resource_id => "WebAuthNResourceId",
        /// `1.0`.
        service_version => "ServiceVersion",
    }
);

section!(
    /// `DeviceManagementService`.
    DeviceManagementService {
        /// `{drs}/manage/{tid}/`.
        device_management_endpoint => "DeviceManagementEndpoint",
        /// The DRS resource id.
        device_management_resource_id => "DeviceManagementResourceId",
        /// `1.0`.
        service_version => "ServiceVersion",
    }
);

section!(
    /// `MsaProviderData` (consumer accounts; meaningless for a self-hosted directory).
    MsaProviderData {
        /// Empty: there is no MSA site.
        site_id => "SiteId",
        /// The DRS host.
        site_url => "SiteUrl",
    }
);

section!(
    /// `PrecreateService` (pre-authorised joins).
    PrecreateService {
        /// `{drs}/EnrollmentServer/device/precreate/{tid}/`.
        precreate_endpoint => "PrecreateEndpoint",
        /// The DRS resource id.
        precreate_resource_id => "PrecreateResourceId",
        /// `2.0`.
        service_version => "ServiceVersion",
    }
);

section!(
    /// `TenantInfo`.
    TenantInfo {
        /// Tenant id (GUID).
        tenant_id => "TenantId",
        /// A verified domain of the tenant.
        tenant_name => "TenantName",
        /// The tenant's display name.
        display_name => "DisplayName",
    }
);

section!(
    /// `AzureRbacService`. Entra points at `https://pas.windows.net`; Cerulean points at
    /// itself so that no client leaves the deployment (the service is not implemented).
    AzureRbacService {
        /// `{drs}/rbac/{tid}/`.
        rbac_policy_endpoint => "RbacPolicyEndpoint",
    }
);

section!(
    /// `BPLService` (banned-password list proxy).
    BplService {
        /// `{drs}/aadpasswordpolicy/{tid}/`.
        bpl_service_endpoint => "BPLServiceEndpoint",
        /// The DRS resource id.
        bpl_resource_id => "BPLResourceId",
        /// `1.0`.
        service_version => "ServiceVersion",
        /// No proxy service principal exists here: the nil GUID.
        bpl_proxy_service_principal_id => "BPLProxyServicePrincipalId",
    }
);

section!(
    /// `DeviceJoinResourceService`.
    DeviceJoinResourceService {
        /// `{drs}/EnrollmentServer/device/resource/{tid}/`.
        endpoint => "Endpoint",
        /// The DRS resource id.
        resource_id => "ResourceId",
        /// `2.0`.
        service_version => "ServiceVersion",
    }
);

section!(
    /// `NonceService`: `GET {Endpoint}?api-version=1.0`.
    NonceService {
        /// `{drs}/EnrollmentServer/nonce/{tid}/`.
        endpoint => "Endpoint",
        /// The DRS resource id.
        resource_id => "ResourceId",
        /// `1.0`.
        service_version => "ServiceVersion",
    }
);

/// The DRS discovery document. Every section is optional when parsing (clients of other
/// servers) and always present when built with [`DrsDiscovery::build`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrsDiscovery {
    /// `DiscoveryService`.
    #[serde(
        rename = "DiscoveryService",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub discovery_service: Option<DiscoveryService>,
    /// `ServicesService`.
    #[serde(
        rename = "ServicesService",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub services_service: Option<ServicesService>,
    /// `DeviceRegistrationService`.
    #[serde(
        rename = "DeviceRegistrationService",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub device_registration_service: Option<DeviceRegistrationService>,
    /// `AuthenticationService`.
    #[serde(
        rename = "AuthenticationService",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub authentication_service: Option<AuthenticationService>,
    /// `IdentityProviderService`.
    #[serde(
        rename = "IdentityProviderService",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub identity_provider_service: Option<IdentityProviderService>,
    /// `DeviceJoinService`.
    #[serde(
        rename = "DeviceJoinService",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub device_join_service: Option<DeviceJoinService>,
    /// `KeyProvisioningService`.
    #[serde(
        rename = "KeyProvisioningService",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub key_provisioning_service: Option<KeyProvisioningService>,
    /// `WebAuthNService`.
    #[serde(
        rename = "WebAuthNService",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub web_authn_service: Option<WebAuthNService>,
    /// `DeviceManagementService`.
    #[serde(
        rename = "DeviceManagementService",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub device_management_service: Option<DeviceManagementService>,
    /// `MsaProviderData`.
    #[serde(
        rename = "MsaProviderData",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub msa_provider_data: Option<MsaProviderData>,
    /// `PrecreateService`.
    #[serde(
        rename = "PrecreateService",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub precreate_service: Option<PrecreateService>,
    /// `TenantInfo`.
    #[serde(
        rename = "TenantInfo",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub tenant_info: Option<TenantInfo>,
    /// `AzureRbacService`.
    #[serde(
        rename = "AzureRbacService",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub azure_rbac_service: Option<AzureRbacService>,
    /// `BPLService`.
    #[serde(
        rename = "BPLService",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub bpl_service: Option<BplService>,
    /// `DeviceJoinResourceService`.
    #[serde(
        rename = "DeviceJoinResourceService",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub device_join_resource_service: Option<DeviceJoinResourceService>,
    /// `NonceService`.
    #[serde(
        rename = "NonceService",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub nonce_service: Option<NonceService>,
}

impl DrsDiscovery {
    /// The full document for one tenant.
    ///
    /// * `drs_base_url`, `auth_base_url`: scheme, host and port as the client reached
    ///   them (e.g. `https://enterpriseregistration.windows.net` in lab mode, or
    ///   `http://127.0.0.1:8081`); a trailing `/` is ignored.
    /// * `tenant_id`: the tenant GUID, written into every tenant-scoped path (also when
    ///   the client asked by domain).
    /// * `tenant_name`: a verified domain; `display_name`: the tenant's display name.
    ///
    /// Every `…ResourceId` is [`DRS_RESOURCE_ID`]; see [`with_resource_id`](Self::with_resource_id).
    pub fn build(
        drs_base_url: &str,
        auth_base_url: &str,
        tenant_id: impl fmt::Display,
        tenant_name: &str,
        display_name: &str,
    ) -> Self {
        let drs = drs_base_url.trim_end_matches('/');
        let auth = auth_base_url.trim_end_matches('/');
        let tid = tenant_id.to_string();
        let rid = DRS_RESOURCE_ID.to_owned();
        let v1 = V1_SERVICE_VERSION.to_owned();
        let v2 = JOIN_SERVICE_VERSION.to_owned();
        let discover = format!("{drs}/{tid}/Discover");
        let drs_host = host_of(drs).to_owned();
        Self {
            discovery_service: Some(DiscoveryService {
                discovery_endpoint: discover.clone(),
                service_version: DISCOVERY_SERVICE_VERSION.to_owned(),
            }),
            services_service: Some(ServicesService {
                services_endpoint: discover,
                service_version: DISCOVERY_SERVICE_VERSION.to_owned(),
            }),
            device_registration_service: Some(DeviceRegistrationService {
                registration_endpoint: format!(
                    "{drs}/EnrollmentServer/DeviceEnrollmentWebService.svc"
                ),
                registration_resource_id: rid.clone(),
                service_version: v1.clone(),
            }),
            authentication_service: Some(AuthenticationService {
                oauth2: OAuth2Endpoints {
                    auth_code_endpoint: format!("{auth}/{tid}/oauth2/authorize"),
                    token_endpoint: format!("{auth}/{tid}/oauth2/token"),
                },
            }),
            identity_provider_service: Some(IdentityProviderService {
                federated: "false".to_owned(),
                passive_auth_endpoint: format!("{auth}/{tid}/wsfed"),
            }),
            device_join_service: Some(DeviceJoinService {
                join_endpoint: format!("{drs}/EnrollmentServer/device/"),
                join_resource_id: rid.clone(),
                service_version: v2.clone(),
            }),
            key_provisioning_service: Some(KeyProvisioningService {
                key_provision_endpoint: format!("{drs}/EnrollmentServer/key/"),
                key_provision_resource_id: rid.clone(),
                service_version: v1.clone(),
            }),
            web_authn_service: Some(WebAuthNService {
                web_authn_endpoint: format!("{drs}/webauthn/{tid}/"),
                web_authn_resource_id: rid.clone(),
                service_version: v1.clone(),
            }),
            device_management_service: Some(DeviceManagementService {
                device_management_endpoint: format!("{drs}/manage/{tid}/"),
                device_management_resource_id: rid.clone(),
                service_version: v1.clone(),
            }),
            msa_provider_data: Some(MsaProviderData {
                site_id: String::new(),
                site_url: drs_host,
            }),
            precreate_service: Some(PrecreateService {
                precreate_endpoint: format!("{drs}/EnrollmentServer/device/precreate/{tid}/"),
                precreate_resource_id: rid.clone(),
                service_version: v2.clone(),
            }),
            tenant_info: Some(TenantInfo {
                tenant_id: tid.clone(),
                tenant_name: tenant_name.to_owned(),
                display_name: display_name.to_owned(),
            }),
            azure_rbac_service: Some(AzureRbacService {
                rbac_policy_endpoint: format!("{drs}/rbac/{tid}/"),
            }),
            bpl_service: Some(BplService {
                bpl_service_endpoint: format!("{drs}/aadpasswordpolicy/{tid}/"),
                bpl_resource_id: rid.clone(),
                service_version: v1.clone(),
                bpl_proxy_service_principal_id: "00000000-0000-0000-0000-000000000000".to_owned(),
            }),
            device_join_resource_service: Some(DeviceJoinResourceService {
                endpoint: format!("{drs}/EnrollmentServer/device/resource/{tid}/"),
                resource_id: rid.clone(),
                service_version: v2,
            }),
            nonce_service: Some(NonceService {
                endpoint: format!("{drs}/EnrollmentServer/nonce/{tid}/"),
                resource_id: rid,
                service_version: v1,
            }),
        }
    }

    /// Replaces every `…ResourceId` (e.g. with `urn:ms-drs:<host>` for an AD FS-style
    /// deployment). Clients request their DRS token for this value.
    pub fn with_resource_id(mut self, resource_id: &str) -> Self {
        let r = resource_id.to_owned();
        if let Some(s) = &mut self.device_registration_service {
            s.registration_resource_id = r.clone();
        }
        if let Some(s) = &mut self.device_join_service {
            s.join_resource_id = r.clone();
        }
        if let Some(s) = &mut self.key_provisioning_service {
            s.key_provision_resource_id = r.clone();
        }
        if let Some(s) = &mut self.web_authn_service {
            s.web_authn_resource_id = r.clone();
        }
        if let Some(s) = &mut self.device_management_service {
            s.device_management_resource_id = r.clone();
        }
        if let Some(s) = &mut self.precreate_service {
            s.precreate_resource_id = r.clone();
        }
        if let Some(s) = &mut self.bpl_service {
            s.bpl_resource_id = r.clone();
        }
        if let Some(s) = &mut self.device_join_resource_service {
            s.resource_id = r.clone();
        }
        if let Some(s) = &mut self.nonce_service {
            s.resource_id = r;
        }
        self
    }

    /// The JSON body. Serialising plain strings cannot fail; `{}` is the fallback.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| String::from("{}"))
    }

    /// Parses a discovery document (device side). Unknown sections are ignored.
    pub fn from_json(bytes: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(bytes)
    }
}

/// The host (and port) of an absolute URL, or the input if it has no scheme.
fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    rest.split(['/', '?', '#']).next().unwrap_or(rest)
}

/// Which body `GET /EnrollmentServer/contract` answers with (MS-DVRD §2.2.2.1,
/// §3.1.5.1.1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContractFormat {
    /// `application/json`.
    Json,
    /// `application/xml` (also the answer when there is no `Accept`).
    Xml,
}

impl ContractFormat {
    /// Chooses the format from the `Accept` header: none ⇒ XML (DVRD); a list naming
    /// `application/json` ⇒ JSON; `application/xml`, `text/xml` or a wildcard ⇒ XML;
    /// anything else ⇒ `None`, which DVRD answers with a 4xx.
    pub fn negotiate(accept: Option<&str>) -> Option<Self> {
        let Some(accept) = accept.map(str::trim).filter(|a| !a.is_empty()) else {
            return Some(Self::Xml);
        };
        let types: Vec<String> = accept
            .split(',')
            .map(|t| {
                t.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase()
            })
            .collect();
        if types.iter().any(|t| t == "application/json") {
            Some(Self::Json)
        } else if types.iter().any(|t| {
            matches!(
                t.as_str(),
                "application/xml" | "text/xml" | "*/*" | "application/*"
            )
        }) {
            Some(Self::Xml)
        } else {
            None
        }
    }

    /// The `Content-Type` of the answer.
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Json => "application/json; charset=utf-8",
            Self::Xml => "application/xml; charset=utf-8",
        }
    }
}

/// Accepts a JSON string or boolean, keeping the text (`false` ⇒ `"false"`).
fn string_or_bool<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum StringOrBool {
        Text(String),
        Flag(bool),
    }
    Ok(match StringOrBool::deserialize(d)? {
        StringOrBool::Text(s) => s,
        StringOrBool::Flag(b) => b.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    const TID: &str = "6babcaad-604b-40ac-a9d7-9fd97c0b779f";

    fn doc() -> DrsDiscovery {
        DrsDiscovery::build(
            "https://enterpriseregistration.windows.net/",
            "https://login.microsoftonline.com",
            TID,
            "contoso.test",
            "Contoso",
        )
    }

    fn leaves<'a>(v: &'a Value, path: String, out: &mut Vec<(String, &'a Value)>) {
        match v {
            Value::Object(m) => {
                for (k, v) in m {
                    leaves(v, format!("{path}/{k}"), out);
                }
            }
            other => out.push((path, other)),
        }
    }

    #[test]
    fn every_value_is_a_string_and_no_endpoint_has_api_version() -> Result<(), serde_json::Error> {
        let v: Value = serde_json::from_str(&doc().to_json())?;
        let mut all = Vec::new();
        leaves(&v, String::new(), &mut all);
        assert!(all.len() > 40);
        for (path, value) in all {
            let Value::String(s) = value else {
                panic!("{path} is not a string: {value}");
            };
            assert!(!s.contains("api-version"), "{path}: {s}");
            if path.ends_with("Endpoint") {
                assert!(s.starts_with("https://"), "{path}: {s}");
                assert!(!s.contains("pas.windows.net"), "{path}: {s}");
            }
        }
        Ok(())
    }

    #[test]
    fn sections_clients_read() -> Result<(), serde_json::Error> {
        let v: Value = serde_json::from_str(&doc().to_json())?;
        let drs = "https://enterpriseregistration.windows.net";
        assert_eq!(
            v["DeviceJoinService"]["JoinEndpoint"],
            format!("{drs}/EnrollmentServer/device/")
        );
        assert_eq!(v["DeviceJoinService"]["ServiceVersion"], "2.0");
        assert_eq!(v["DeviceJoinService"]["JoinResourceId"], DRS_RESOURCE_ID);
        assert_eq!(
            v["KeyProvisioningService"]["KeyProvisionEndpoint"],
            format!("{drs}/EnrollmentServer/key/")
        );
        assert_eq!(v["KeyProvisioningService"]["ServiceVersion"], "1.0");
        assert_eq!(
            v["NonceService"]["Endpoint"],
            format!("{drs}/EnrollmentServer/nonce/{TID}/")
        );
        assert_eq!(
            v["DiscoveryService"]["DiscoveryEndpoint"],
            format!("{drs}/{TID}/Discover")
        );
        assert_eq!(
            v["ServicesService"]["ServicesEndpoint"],
            format!("{drs}/{TID}/Discover")
        );
        assert_eq!(v["ServicesService"]["ServiceVersion"], "1.9");
        assert_eq!(
            v["AuthenticationService"]["OAuth2"]["TokenEndpoint"],
            format!("https://login.microsoftonline.com/{TID}/oauth2/token")
        );
        assert_eq!(v["TenantInfo"]["TenantName"], "contoso.test");
        assert_eq!(v["TenantInfo"]["DisplayName"], "Contoso");
        assert_eq!(v["IdentityProviderService"]["Federated"], "false");
        assert_eq!(
            v["MsaProviderData"]["SiteUrl"],
            "enterpriseregistration.windows.net"
        );
        for section in [
            "DeviceRegistrationService",
            "WebAuthNService",
            "DeviceManagementService",
            "PrecreateService",
            "AzureRbacService",
            "BPLService",
            "DeviceJoinResourceService",
        ] {
            assert!(v[section].is_object(), "{section} missing");
        }
        Ok(())
    }

    #[test]
    fn round_trips_and_reads_entras_boolean() -> Result<(), serde_json::Error> {
        let d = doc();
        assert_eq!(DrsDiscovery::from_json(d.to_json().as_bytes())?, d);
        let entra = br#"{"IdentityProviderService":{"Federated":false,"PassiveAuthEndpoint":"x"},"Other":{"A":1}}"#;
        let parsed = DrsDiscovery::from_json(entra)?;
        assert_eq!(
            parsed.identity_provider_service.map(|s| s.federated),
            Some("false".to_owned())
        );
        Ok(())
    }

    #[test]
    fn resource_id_override() {
        let d = doc().with_resource_id("urn:ms-drs:drs.contoso.test");
        assert_eq!(
            d.nonce_service.map(|s| s.resource_id),
            Some("urn:ms-drs:drs.contoso.test".to_owned())
        );
    }

    #[test]
    fn plain_http_loopback_base() {
        let d = DrsDiscovery::build(
            "http://127.0.0.1:8081",
            "http://127.0.0.1:8081/",
            TID,
            "c",
            "C",
        );
        assert_eq!(
            d.device_join_service.map(|s| s.join_endpoint),
            Some("http://127.0.0.1:8081/EnrollmentServer/device/".to_owned())
        );
        assert_eq!(
            d.msa_provider_data.map(|s| s.site_url),
            Some("127.0.0.1:8081".to_owned())
        );
    }

    #[test]
    fn accept_negotiation() {
        use ContractFormat::{Json, Xml};
        assert_eq!(ContractFormat::negotiate(None), Some(Xml));
        assert_eq!(ContractFormat::negotiate(Some("")), Some(Xml));
        assert_eq!(
            ContractFormat::negotiate(Some("application/json")),
            Some(Json)
        );
        assert_eq!(
            ContractFormat::negotiate(Some("text/plain, Application/JSON; q=0.9")),
            Some(Json)
        );
        assert_eq!(
            ContractFormat::negotiate(Some("application/xml")),
            Some(Xml)
        );
        assert_eq!(ContractFormat::negotiate(Some("*/*")), Some(Xml));
        assert_eq!(ContractFormat::negotiate(Some("text/html")), None);
    }
}
