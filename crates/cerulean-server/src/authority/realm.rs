//! User-realm discovery (PROTOCOLS.md §1): `GET /{t}/userrealm/{upn}?api-version=1.0|2.0`,
//! `GET /getuserrealm.srf?login=`, `POST /{t}/getcredentialtype`.
//!
//! Unknown domains get `200` with `account_type: "Unknown"`: roadtx needs `account_type`
//! present, and msal-python continues on any 200 that is not `Federated` (INTEROP.md §4.4,
//! §5.2). A federated domain is reported with its stored federation URLs. The tenant
//! segment of the path is not interpreted, as at Entra: the UPN's domain decides.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use cerulean_directory::user::upn_domain;
use cerulean_directory::{Branding, DomainKind};
use cerulean_proto::aadsts;
use cerulean_proto::oauth2::{OAuthError, parse_form_body};
use cerulean_proto::realm::{
    BrandingFacts, CredentialFacts, FederationFacts, FederationProtocol, GetCredentialTypeRequest,
    GetCredentialTypeResponse, GetUserRealmSrf, NamespaceType, RealmFacts, UserRealmV1,
    UserRealmV2,
};

use super::errors::OAuthResponse;
use super::token::unavailable;
use crate::app::AppState;
use crate::middleware::observe::CorrelationId;
use crate::public_url::PublicBase;

/// Longest login name looked up (a UPN is at most 113 characters at Entra).
const MAX_LOGIN_LEN: usize = 256;

/// `GET /{tenant}/userrealm/{upn}`.
pub(super) async fn user_realm(
    State(state): State<AppState>,
    Path((_segment, upn)): Path<(String, String)>,
    RawQuery(query): RawQuery,
    base: PublicBase,
    correlation: CorrelationId,
) -> Response {
    let api_version = query_value(query.as_deref(), "api-version");
    let facts = match realm_facts(&state, &upn, &base).await {
        Ok(facts) => facts,
        Err(e) => return OAuthResponse::traced(e, correlation.as_str()).into_response(),
    };
    match api_version.as_deref() {
        Some("2.0") => Json(UserRealmV2::from_facts(&facts)).into_response(),
        _ => Json(UserRealmV1::from_facts(&facts)).into_response(),
    }
}

/// `GET /getuserrealm.srf?login={upn}`.
pub(super) async fn get_user_realm_srf(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    base: PublicBase,
    correlation: CorrelationId,
) -> Response {
    let Some(login) = query_value(query.as_deref(), "login") else {
        let e = aadsts::missing_parameter("login");
        return OAuthResponse::traced(e, correlation.as_str()).into_response();
    };
    match realm_facts(&state, &login, &base).await {
        Ok(facts) => Json(GetUserRealmSrf::from_facts(&facts)).into_response(),
        Err(e) => OAuthResponse::traced(e, correlation.as_str()).into_response(),
    }
}

/// `POST /{tenant}/getcredentialtype`: which credentials the sign-in page should offer.
pub(super) async fn get_credential_type(
    State(state): State<AppState>,
    base: PublicBase,
    correlation: CorrelationId,
    body: Bytes,
) -> Response {
    match credential_type(&state, &base, &body).await {
        Ok(answer) => Json(answer).into_response(),
        Err(e) => OAuthResponse::traced(e, correlation.as_str()).into_response(),
    }
}

async fn credential_type(
    state: &AppState,
    base: &PublicBase,
    body: &[u8],
) -> Result<GetCredentialTypeResponse, OAuthError> {
    let request = GetCredentialTypeRequest::from_json(body)
        .map_err(|_| aadsts::malformed_request("the body is not a GetCredentialType request."))?;
    let facts = realm_facts(state, &request.username, base).await?;
    let mut creds = CredentialFacts::default();
    if facts.namespace != NamespaceType::Unknown {
        let user = state
            .directory
            .store()
            .user_by_upn(request.username.trim())
            .await
            .map_err(|e| unavailable("user lookup", e))?;
        if let Some(user) = user {
            creds.exists = true;
            creds.has_password = user.password_hash.is_some();
        }
    }
    Ok(GetCredentialTypeResponse::from_facts(
        &facts,
        &creds,
        request.flow_token.clone(),
        None,
    ))
}

/// What the directory knows about the UPN's domain, in the proto's neutral form.
pub(crate) async fn realm_facts(
    state: &AppState,
    login: &str,
    base: &PublicBase,
) -> Result<RealmFacts, OAuthError> {
    let upn: String = login.trim().chars().take(MAX_LOGIN_LEN).collect();
    // `alice@contoso.test` → `contoso.test`; a bare domain is looked up as itself.
    let domain_name = upn_domain(&upn).unwrap_or_else(|| upn.to_ascii_lowercase());
    let mut facts = RealmFacts {
        upn: upn.clone(),
        domain: domain_name.clone(),
        namespace: NamespaceType::Unknown,
        brand_name: None,
        cloud_instance_name: host_of(base.as_str()),
        federation: None,
        branding: Vec::new(),
    };
    let directory = &state.directory;
    let Some(domain) = directory
        .domain(&domain_name)
        .await
        .map_err(|e| unavailable("domain lookup", e))?
    else {
        return Ok(facts);
    };
    let tenant = directory
        .store()
        .tenant(domain.tenant_id)
        .await
        .map_err(|e| unavailable("tenant lookup", e))?;
    if let Some(tenant) = &tenant {
        facts.brand_name = Some(tenant.display_name.clone());
        facts.branding = branding(&tenant.branding);
    }
    match &domain.kind {
        DomainKind::Managed => facts.namespace = NamespaceType::Managed,
        DomainKind::Federated(settings) => {
            facts.namespace = NamespaceType::Federated;
            if let Some(name) = &settings.brand_name {
                facts.brand_name = Some(name.clone());
            }
            facts.federation = Some(FederationFacts {
                protocol: match settings.preferred_authentication_protocol {
                    cerulean_directory::FederationProtocol::WsFed => FederationProtocol::WsTrust,
                    cerulean_directory::FederationProtocol::Saml => FederationProtocol::Saml20,
                },
                metadata_url: settings.metadata_exchange_uri.clone().unwrap_or_default(),
                active_auth_url: settings.active_sign_in_uri.clone().unwrap_or_default(),
                passive_auth_url: settings.passive_sign_in_uri.clone(),
            });
        }
    }
    Ok(facts)
}

/// The tenant's branding as one default-locale entry, or none when nothing is set.
fn branding(b: &Branding) -> Vec<BrandingFacts> {
    let any = b.background_color.is_some()
        || b.banner_logo_url.is_some()
        || b.sign_in_page_text.is_some()
        || b.user_id_label.is_some();
    if !any {
        return Vec::new();
    }
    vec![BrandingFacts {
        locale: 0,
        banner_logo: b.banner_logo_url.clone(),
        tile_logo: None,
        background_color: b.background_color.clone(),
        boilerplate_text: b.sign_in_page_text.clone(),
        user_id_label: b.user_id_label.clone(),
        keep_me_signed_in_disabled: false,
    }]
}

/// The first value of `name` in a query string.
pub(crate) fn query_value(query: Option<&str>, name: &str) -> Option<String> {
    parse_form_body(query.unwrap_or_default().as_bytes())
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
        .filter(|v| !v.is_empty())
}

/// `host` of `scheme://host[:port]` (Entra's `cloud_instance_name` is a bare host).
fn host_of(base: &str) -> String {
    let authority = base.split_once("://").map_or(base, |(_, rest)| rest);
    if authority.starts_with('[') {
        if let Some(end) = authority.find(']') {
            return authority[..=end].to_owned();
        }
    }
    authority.split(':').next().unwrap_or(authority).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_and_queries() {
        assert_eq!(host_of("https://login.test:8443"), "login.test");
        assert_eq!(host_of("https://login.test"), "login.test");
        assert_eq!(host_of("https://[::1]:8443"), "[::1]");
        assert_eq!(host_of("https://[::1]"), "[::1]");
        assert_eq!(
            query_value(Some("api-version=2.0&x=1"), "api-version").as_deref(),
            Some("2.0")
        );
        assert_eq!(
            query_value(Some("login=alice%40contoso.test"), "login").as_deref(),
            Some("alice@contoso.test")
        );
        assert_eq!(query_value(None, "login"), None);
        assert_eq!(query_value(Some("login="), "login"), None);
    }
}
