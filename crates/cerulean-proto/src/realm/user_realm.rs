//! `/common/userrealm/{upn}` (api-version 1.0 and 2.0) and the legacy `/GetUserRealm.srf`
//! (PROTOCOLS.md §1.1–1.3).

use super::{BrandingFacts, CLOUD_AUDIENCE_URN, NamespaceType, RealmFacts};
use crate::wire::de_opt_u32;
use serde::{Deserialize, Serialize};

/// `api-version=1.0`. roadtx requires `account_type` (INTEROP.md §4.4 item 1); msal-python
/// switches to WS-Trust on `"Federated"` (§5.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRealmV1 {
    /// `"1.0"`.
    pub ver: String,
    /// `Managed`, `Federated` or `Unknown`.
    pub account_type: NamespaceType,
    /// The UPN suffix.
    pub domain_name: String,
    /// Cloud instance host name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud_instance_name: Option<String>,
    /// `urn:federation:MicrosoftOnline`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud_audience_urn: Option<String>,
    /// Federated only: `WSTrust` / `SAML20`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub federation_protocol: Option<String>,
    /// Federated only: MEX URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub federation_metadata_url: Option<String>,
    /// Federated only: WS-Trust endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub federation_active_auth_url: Option<String>,
}

impl UserRealmV1 {
    /// Builds the v1 answer.
    pub fn from_facts(facts: &RealmFacts) -> Self {
        let fed = facts.active_federation();
        Self {
            ver: String::from("1.0"),
            account_type: facts.effective_namespace(),
            domain_name: facts.domain.clone(),
            cloud_instance_name: Some(facts.cloud_instance_name.clone()),
            cloud_audience_urn: Some(CLOUD_AUDIENCE_URN.to_owned()),
            federation_protocol: fed.map(|f| f.protocol.as_str().to_owned()),
            federation_metadata_url: fed.map(|f| f.metadata_url.clone()),
            federation_active_auth_url: fed.map(|f| f.active_auth_url.clone()),
        }
    }
}

/// One locale of `TenantBrandingInfo` / `UserTenantBranding`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TenantBranding {
    /// LCID (0 = default). Emitted as a number; a numeric string parses.
    #[serde(default, deserialize_with = "de_opt_u32")]
    pub locale: Option<u32>,
    /// Banner logo URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub banner_logo: Option<String>,
    /// Tile logo URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tile_logo: Option<String>,
    /// `#RRGGBB`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub background_color: Option<String>,
    /// Footer text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boiler_plate_text: Option<String>,
    /// Username box placeholder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id_label: Option<String>,
    /// Hide "keep me signed in".
    #[serde(default)]
    pub keep_me_signed_in_disabled: bool,
}

impl From<&BrandingFacts> for TenantBranding {
    fn from(b: &BrandingFacts) -> Self {
        Self {
            locale: Some(b.locale),
            banner_logo: b.banner_logo.clone(),
            tile_logo: b.tile_logo.clone(),
            background_color: b.background_color.clone(),
            boiler_plate_text: b.boilerplate_text.clone(),
            user_id_label: b.user_id_label.clone(),
            keep_me_signed_in_disabled: b.keep_me_signed_in_disabled,
        }
    }
}

pub(super) fn branding(facts: &RealmFacts) -> Option<Vec<TenantBranding>> {
    (!facts.branding.is_empty()).then(|| facts.branding.iter().map(Into::into).collect())
}

/// `api-version=2.0`: PascalCase apart from `cloud_instance_name` and `federation_protocol`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserRealmV2 {
    /// `Managed`, `Federated` or `Unknown`.
    #[serde(rename = "NameSpaceType")]
    pub namespace_type: NamespaceType,
    /// The UPN as asked about.
    #[serde(rename = "Login")]
    pub login: String,
    /// The UPN suffix.
    #[serde(
        rename = "DomainName",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub domain_name: Option<String>,
    /// Tenant display name.
    #[serde(
        rename = "FederationBrandName",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub federation_brand_name: Option<String>,
    /// Branding per locale.
    #[serde(
        rename = "TenantBrandingInfo",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub tenant_branding_info: Option<Vec<TenantBranding>>,
    /// Cloud instance host name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud_instance_name: Option<String>,
    /// Federated only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub federation_protocol: Option<String>,
    /// Federated only: passive WS-Fed sign-in URL.
    #[serde(rename = "AuthURL", default, skip_serializing_if = "Option::is_none")]
    pub auth_url: Option<String>,
}

impl UserRealmV2 {
    /// Builds the v2 answer.
    pub fn from_facts(facts: &RealmFacts) -> Self {
        let ns = facts.effective_namespace();
        let known = ns != NamespaceType::Unknown;
        Self {
            namespace_type: ns,
            login: facts.upn.clone(),
            domain_name: Some(facts.domain.clone()),
            federation_brand_name: facts.brand_name.clone().filter(|_| known),
            tenant_branding_info: branding(facts).filter(|_| known),
            cloud_instance_name: Some(facts.cloud_instance_name.clone()),
            federation_protocol: facts
                .active_federation()
                .map(|f| f.protocol.as_str().to_owned()),
            auth_url: facts.passive_sign_in_url(),
        }
    }
}

/// The legacy `GET /GetUserRealm.srf?login={upn}` answer.
///
/// `State`/`UserState` values are as observed from Entra (inferred): managed and unknown
/// domains answer `4`/`1`, federated ones `3`/`2`; `FederationGlobalVersion` is `-1`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetUserRealmSrf {
    /// 4 managed / unknown, 3 federated.
    pub state: i32,
    /// 1 managed / unknown, 2 federated.
    pub user_state: i32,
    /// The UPN.
    pub login: String,
    /// Namespace type.
    #[serde(rename = "NameSpaceType")]
    pub namespace_type: NamespaceType,
    /// The UPN suffix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain_name: Option<String>,
    /// Federated only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub federation_global_version: Option<i32>,
    /// Federated only: passive sign-in URL.
    #[serde(rename = "AuthURL", default, skip_serializing_if = "Option::is_none")]
    pub auth_url: Option<String>,
    /// Tenant display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub federation_brand_name: Option<String>,
    /// Cloud instance host name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud_instance_name: Option<String>,
}

impl GetUserRealmSrf {
    /// Builds the legacy answer.
    pub fn from_facts(facts: &RealmFacts) -> Self {
        let ns = facts.effective_namespace();
        let federated = ns == NamespaceType::Federated;
        Self {
            state: if federated { 3 } else { 4 },
            user_state: if federated { 2 } else { 1 },
            login: facts.upn.clone(),
            namespace_type: ns,
            domain_name: Some(facts.domain.clone()),
            federation_global_version: federated.then_some(-1),
            auth_url: facts.passive_sign_in_url(),
            federation_brand_name: facts
                .brand_name
                .clone()
                .filter(|_| ns != NamespaceType::Unknown),
            cloud_instance_name: Some(facts.cloud_instance_name.clone()),
        }
    }
}
