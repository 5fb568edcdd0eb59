//! `POST /common/GetCredentialType` (PROTOCOLS.md §1.4): the browser sign-in page asks which
//! credentials a user has.

use super::user_realm::{TenantBranding, branding};
use super::{NamespaceType, RealmFacts};
use crate::ProtoError;
use serde::{Deserialize, Serialize};

/// The request body. Only `username` is required; unknown members are ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetCredentialTypeRequest {
    /// The name typed by the user.
    pub username: String,
    /// `isOtherIdpSupported`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_other_idp_supported: Option<bool>,
    /// `checkPhones`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub check_phones: Option<bool>,
    /// `isRemoteNGCSupported`
    #[serde(
        rename = "isRemoteNGCSupported",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub is_remote_ngc_supported: Option<bool>,
    /// `isCookieBannerShown`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_cookie_banner_shown: Option<bool>,
    /// `isFidoSupported`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_fido_supported: Option<bool>,
    /// `isAccessPassSupported`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_access_pass_supported: Option<bool>,
    /// `isRemoteConnectSupported`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_remote_connect_supported: Option<bool>,
    /// `isExternalFederationDisallowed`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_external_federation_disallowed: Option<bool>,
    /// `isSignup`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_signup: Option<bool>,
    /// `forceotclogin`
    #[serde(
        rename = "forceotclogin",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub force_otc_login: Option<bool>,
    /// `federationFlags`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub federation_flags: Option<i64>,
    /// `country`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// `originalRequest`: the login page's `sCtx`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub original_request: Option<String>,
    /// `flowToken`: the login page's `sFT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flow_token: Option<String>,
}

impl GetCredentialTypeRequest {
    /// Parses the JSON body.
    pub fn from_json(body: &[u8]) -> Result<Self, ProtoError> {
        let req: Self = serde_json::from_slice(body)?;
        if req.username.trim().is_empty() {
            return Err(ProtoError::Invalid("username is empty"));
        }
        Ok(req)
    }
}

/// `IfExistsResult`: a number on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct IfExistsResult(pub i32);

impl IfExistsResult {
    /// The user exists.
    pub const EXISTS: Self = Self(0);
    /// The user does not exist.
    pub const NOT_EXIST: Self = Self(1);
    /// Too many lookups; answer withheld.
    pub const THROTTLED: Self = Self(2);
    /// Server error.
    pub const ERROR: Self = Self(4);
    /// Exists in another Microsoft IdP (e.g. MSA) only.
    pub const EXISTS_IN_OTHER_MICROSOFT_IDP: Self = Self(5);
    /// Exists in both.
    pub const EXISTS_BOTH_IDP: Self = Self(6);
}

/// `PrefCredential`: the credential the page should ask for first. Numbers as read from
/// Entra's login page script (inferred).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PrefCredential(pub u32);

impl PrefCredential {
    /// No preference.
    pub const NONE: Self = Self(0);
    /// Password.
    pub const PASSWORD: Self = Self(1);
    /// Phone sign-in (remote NGC).
    pub const REMOTE_NGC: Self = Self(2);
    /// One-time code.
    pub const ONE_TIME_CODE: Self = Self(3);
    /// Redirect to the federation server.
    pub const FEDERATION: Self = Self(4);
    /// FIDO2 security key / passkey.
    pub const FIDO: Self = Self(7);
    /// Temporary Access Pass.
    pub const ACCESS_PASS: Self = Self(13);
}

/// `FidoParams`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct FidoParams {
    /// Credential ids (base64url) the user may use.
    #[serde(default)]
    pub allow_list: Vec<String>,
    /// Whether a cross-device (hybrid) passkey exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_cross_device_capable_passkey: Option<bool>,
}

/// `Credentials`. The `*Params` members are written as `null` when absent, as Entra does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Credentials {
    /// Preferred credential.
    pub pref_credential: PrefCredential,
    /// Whether the user has a password.
    #[serde(default)]
    pub has_password: bool,
    /// Phone sign-in parameters.
    #[serde(rename = "RemoteNgcParams", default)]
    pub remote_ngc_params: Option<serde_json::Value>,
    /// FIDO parameters.
    #[serde(default)]
    pub fido_params: Option<FidoParams>,
    /// Strong-auth service parameters.
    #[serde(default)]
    pub sas_params: Option<serde_json::Value>,
    /// Federated users: where to send the browser.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub federation_redirect_url: Option<String>,
    /// Temporary Access Pass available.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_access_pass: Option<bool>,
    /// FIDO credential available.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub has_fido: Option<bool>,
    /// Phone sign-in available.
    #[serde(
        rename = "HasRemoteNGC",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub has_remote_ngc: Option<bool>,
}

/// `EstsProperties`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct EstsProperties {
    /// Branding, `null` when none.
    #[serde(default)]
    pub user_tenant_branding: Option<Vec<TenantBranding>>,
    /// 3 managed, 4 federated (as observed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain_type: Option<u32>,
    /// Seamless SSO enabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desktop_sso_enabled: Option<bool>,
}

/// The response body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetCredentialTypeResponse {
    /// The username as asked about.
    #[serde(rename = "Username")]
    pub username: String,
    /// What to display.
    #[serde(rename = "Display")]
    pub display: String,
    /// Whether the account exists.
    #[serde(rename = "IfExistsResult")]
    pub if_exists_result: IfExistsResult,
    /// 0 = not throttled (telemetry only).
    #[serde(rename = "ThrottleStatus", default)]
    pub throttle_status: u32,
    /// Credentials.
    #[serde(rename = "Credentials")]
    pub credentials: Credentials,
    /// Tenant properties.
    #[serde(rename = "EstsProperties")]
    pub ests_properties: EstsProperties,
    /// Updated flow token.
    #[serde(rename = "FlowToken", default, skip_serializing_if = "Option::is_none")]
    pub flow_token: Option<String>,
    /// Anti-forgery canary.
    #[serde(rename = "apiCanary", default, skip_serializing_if = "Option::is_none")]
    pub api_canary: Option<String>,
}

/// What the directory knows about the user's credentials.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CredentialFacts {
    /// The user exists.
    pub exists: bool,
    /// The lookup was rate-limited; existence is withheld.
    pub throttled: bool,
    /// The user has a password.
    pub has_password: bool,
    /// FIDO credential ids (base64url); empty = none.
    pub fido_credential_ids: Vec<String>,
    /// A Temporary Access Pass is active.
    pub has_access_pass: bool,
}

impl GetCredentialTypeResponse {
    /// Builds the answer from realm and credential facts.
    pub fn from_facts(
        realm: &RealmFacts,
        creds: &CredentialFacts,
        flow_token: Option<String>,
        api_canary: Option<String>,
    ) -> Self {
        let ns = realm.effective_namespace();
        let federation_redirect_url = realm.passive_sign_in_url();
        let has_fido = !creds.fido_credential_ids.is_empty();
        let if_exists_result = if creds.throttled {
            IfExistsResult::THROTTLED
        } else if creds.exists || federation_redirect_url.is_some() {
            IfExistsResult::EXISTS
        } else {
            IfExistsResult::NOT_EXIST
        };
        let pref_credential = if federation_redirect_url.is_some() {
            PrefCredential::FEDERATION
        } else if creds.has_access_pass {
            PrefCredential::ACCESS_PASS
        } else if creds.has_password || !has_fido {
            PrefCredential::PASSWORD
        } else {
            PrefCredential::FIDO
        };
        let domain_type = match ns {
            NamespaceType::Managed => Some(3),
            NamespaceType::Federated => Some(4),
            NamespaceType::Unknown => None,
        };
        Self {
            username: realm.upn.clone(),
            display: realm.upn.clone(),
            if_exists_result,
            throttle_status: u32::from(creds.throttled),
            credentials: Credentials {
                pref_credential,
                has_password: creds.has_password,
                remote_ngc_params: None,
                fido_params: has_fido.then(|| FidoParams {
                    allow_list: creds.fido_credential_ids.clone(),
                    has_cross_device_capable_passkey: None,
                }),
                sas_params: None,
                federation_redirect_url,
                has_access_pass: Some(creds.has_access_pass),
                has_fido: Some(has_fido),
                has_remote_ngc: None,
            },
            ests_properties: EstsProperties {
                user_tenant_branding: branding(realm),
                domain_type,
                desktop_sso_enabled: None,
            },
            flow_token,
            api_canary,
        }
    }
}
