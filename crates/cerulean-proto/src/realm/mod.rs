//! User-realm discovery (PROTOCOLS.md §1): `/common/userrealm/{upn}?api-version=1.0|2.0`,
//! `/GetUserRealm.srf` and `/common/GetCredentialType`.
//!
//! The server gathers [`RealmFacts`] (and, for `GetCredentialType`, [`CredentialFacts`]) and
//! each response type builds itself from them, so the Entra shapes live here only.

mod credential_type;
mod user_realm;

pub use credential_type::{
    CredentialFacts, Credentials, EstsProperties, FidoParams, GetCredentialTypeRequest,
    GetCredentialTypeResponse, IfExistsResult, PrefCredential,
};
pub use user_realm::{GetUserRealmSrf, TenantBranding, UserRealmV1, UserRealmV2};

use serde::{Deserialize, Serialize};

/// `urn:federation:MicrosoftOnline`: Entra's audience URN, also the WS-Fed `wtrealm`.
pub const CLOUD_AUDIENCE_URN: &str = "urn:federation:MicrosoftOnline";

/// Whether a domain's passwords are checked by the authority or by a federation server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum NamespaceType {
    /// Cloud-managed: the authority checks passwords.
    Managed,
    /// Federated: the user signs in at the domain's STS (WS-Trust / WS-Fed / SAML).
    Federated,
    /// The domain belongs to no tenant (any unrecognised value parses as this too).
    #[serde(other)]
    Unknown,
}

impl NamespaceType {
    /// `Managed`, `Federated` or `Unknown`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Managed => "Managed",
            Self::Federated => "Federated",
            Self::Unknown => "Unknown",
        }
    }
}

/// The federation protocol word of `federation_protocol`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FederationProtocol {
    /// `WSTrust` (AD FS and other WS-* servers).
    WsTrust,
    /// `SAML20` (SAML-P federation, (inferred)).
    Saml20,
}

impl FederationProtocol {
    /// The wire word.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::WsTrust => "WSTrust",
            Self::Saml20 => "SAML20",
        }
    }
}

/// Where a federated domain's users sign in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FederationFacts {
    /// Protocol.
    pub protocol: FederationProtocol,
    /// MEX metadata URL (`…/adfs/services/trust/mex`).
    pub metadata_url: String,
    /// WS-Trust active endpoint (`…/trust/2005/usernamemixed`).
    pub active_auth_url: String,
    /// Passive WS-Fed sign-in URL (`…/adfs/ls/`), without query.
    pub passive_auth_url: String,
}

/// One locale's sign-in branding.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BrandingFacts {
    /// Windows LCID; 0 = default locale.
    pub locale: u32,
    /// Banner logo URL.
    pub banner_logo: Option<String>,
    /// Square tile logo URL.
    pub tile_logo: Option<String>,
    /// Background colour, `#RRGGBB`.
    pub background_color: Option<String>,
    /// Sign-in page footer text.
    pub boilerplate_text: Option<String>,
    /// Placeholder of the username box.
    pub user_id_label: Option<String>,
    /// Hide "keep me signed in".
    pub keep_me_signed_in_disabled: bool,
}

/// Everything the realm responses say, in neutral form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RealmFacts {
    /// The UPN as asked about.
    pub upn: String,
    /// Its domain part.
    pub domain: String,
    /// What the domain is.
    pub namespace: NamespaceType,
    /// Tenant display name (`FederationBrandName`).
    pub brand_name: Option<String>,
    /// `cloud_instance_name`: the authority's host name (`microsoftonline.com` at Entra).
    pub cloud_instance_name: String,
    /// Federation settings, for federated domains.
    pub federation: Option<FederationFacts>,
    /// Branding, one entry per locale (empty = none).
    pub branding: Vec<BrandingFacts>,
}

impl RealmFacts {
    /// The namespace to report. A domain marked federated without federation settings is
    /// reported `Managed`: clients that see `Federated` go and fetch MEX (INTEROP.md §10).
    pub fn effective_namespace(&self) -> NamespaceType {
        match (self.namespace, &self.federation) {
            (NamespaceType::Federated, None) => NamespaceType::Managed,
            (ns, _) => ns,
        }
    }

    /// Federation settings, only when the domain is reported federated.
    pub fn active_federation(&self) -> Option<&FederationFacts> {
        match self.effective_namespace() {
            NamespaceType::Federated => self.federation.as_ref(),
            _ => None,
        }
    }

    /// The passive WS-Fed sign-in URL with Entra's query (`username`, `wa=wsignin1.0`,
    /// `wtrealm=urn:federation:MicrosoftOnline`), for `AuthURL`.
    pub fn passive_sign_in_url(&self) -> Option<String> {
        let fed = self.active_federation()?;
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("username", &self.upn)
            .append_pair("wa", "wsignin1.0")
            .append_pair("wtrealm", CLOUD_AUDIENCE_URN)
            .finish();
        let sep = if fed.passive_auth_url.contains('?') {
            '&'
        } else {
            '?'
        };
        Some(format!("{}{sep}{query}", fed.passive_auth_url))
    }
}
