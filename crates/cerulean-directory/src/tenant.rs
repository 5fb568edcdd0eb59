//! Tenants and their verified domains.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::ids::TenantId;

/// An organization's directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tenant {
    pub id: TenantId,
    pub display_name: String,
    /// The first verified domain, created with the tenant (e.g. `contoso.test`).
    pub initial_domain: String,
    pub branding: Branding,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

/// What the sign-in pages and the device's sign-in screen show for this organization
/// (the subset of Entra's company branding that the realm and sign-in pages carry).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Branding {
    /// CSS colour, e.g. `#0078d4`.
    pub background_color: Option<String>,
    pub banner_logo_url: Option<String>,
    pub sign_in_page_text: Option<String>,
    pub user_id_label: Option<String>,
}

/// How users of a domain authenticate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DomainKind {
    /// Users sign in here, with credentials Cerulean verifies.
    Managed,
    /// Users sign in at the organization's own identity provider.
    Federated(FederationSettings),
}

impl DomainKind {
    /// Entra's `NameSpaceType` / `account_type` word for the domain.
    pub fn namespace_type(&self) -> &'static str {
        match self {
            DomainKind::Managed => "Managed",
            DomainKind::Federated(_) => "Federated",
        }
    }
}

/// The federation configuration of a federated domain, shaped like Graph's
/// `internalDomainFederation`. Stored now; the federation issue uses it end to end.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FederationSettings {
    /// The identity provider's issuer (`issuerUri`).
    pub issuer_uri: String,
    /// Passive (browser) sign-in URL, WS-Federation or SAML-P (`passiveSignInUri`).
    pub passive_sign_in_uri: String,
    /// WS-Trust endpoint for active clients (`activeSignInUri`), e.g. `…/trust/2005/usernamemixed`.
    pub active_sign_in_uri: Option<String>,
    /// WS-MetadataExchange URL (`metadataExchangeUri`), e.g. `…/adfs/services/trust/mex`.
    pub metadata_exchange_uri: Option<String>,
    pub sign_out_uri: Option<String>,
    /// Base64 DER of the token-signing certificate (`signingCertificate`).
    pub signing_certificate: Option<String>,
    /// `wsFed` or `saml` (`preferredAuthenticationProtocol`).
    pub preferred_authentication_protocol: FederationProtocol,
    /// Shown to users as the name of their sign-in service.
    pub brand_name: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum FederationProtocol {
    #[default]
    WsFed,
    Saml,
}

impl FederationProtocol {
    /// The value realm discovery publishes as `federation_protocol`.
    pub fn realm_word(&self) -> &'static str {
        match self {
            FederationProtocol::WsFed => "WSTrust",
            FederationProtocol::Saml => "SAML20",
        }
    }
}

/// A verified domain of a tenant. Domain names are unique across the whole deployment, as
/// in Entra: a domain names exactly one tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Domain {
    /// Lower-case DNS name.
    pub name: String,
    pub tenant_id: TenantId,
    pub kind: DomainKind,
    /// The tenant's initial domain (cannot be removed).
    pub is_initial: bool,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}
