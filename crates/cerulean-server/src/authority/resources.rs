//! Which resource a token is for: v1 `resource=` and v2 `scope=` resolved to the audience
//! application of the user's tenant (PROTOCOLS.md §2.1, §2.4).
//!
//! Scope items are `openid profile email offline_access` (OpenID, no audience),
//! `{resource}/{permission}` (`https://graph.microsoft.com/User.Read`,
//! `01cb2876-…/.default`, `api://…/.default`, `urn:ms-drs:…/.default`), a bare GUID (that
//! app's `.default`) or a bare permission (`User.Read`, a Microsoft Graph permission, as in
//! Entra). One request names one resource; a v2 request with only OpenID scopes gets Graph
//! `User.Read`, like Entra. `.default` grants every delegated permission the resource
//! offers (Cerulean has no consent store: registering the app is the admin's consent).
//!
//! Parsing ([`RequestedTarget::parse`]) is pure, so requests can be refused before a
//! refresh token or a password attempt is spent on them; [`resolve`] then looks the
//! resource up.

use cerulean_directory::well_known::{DRS_APP, DRS_RESOURCE, GRAPH_APP, GRAPH_RESOURCE};
use cerulean_directory::{Application, ClientId, TenantId};
use cerulean_proto::aadsts;
use cerulean_proto::oauth2::{OAuthError, TokenTarget};

use crate::app::AppState;

/// The permission Entra grants for "sign in and read the user's profile".
const USER_READ: &str = "User.Read";
/// Scope items accepted per request.
const MAX_ITEMS: usize = 50;
/// Longest scope item or resource identifier.
const MAX_ITEM_LEN: usize = 1024;

/// The OpenID Connect scopes a request carried.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OidcScopes {
    pub openid: bool,
    pub profile: bool,
    pub email: bool,
    pub offline_access: bool,
}

impl OidcScopes {
    /// Records `item` if it is an OpenID scope.
    fn take(&mut self, item: &str) -> bool {
        let flag = match item.to_ascii_lowercase().as_str() {
            "openid" => &mut self.openid,
            "profile" => &mut self.profile,
            "email" => &mut self.email,
            "offline_access" => &mut self.offline_access,
            _ => return false,
        };
        *flag = true;
        true
    }

    fn items(self) -> impl Iterator<Item = &'static str> {
        [
            (self.openid, "openid"),
            (self.profile, "profile"),
            (self.email, "email"),
            (self.offline_access, "offline_access"),
        ]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
    }
}

/// What the request asked for, after the syntax check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requested {
    /// v1 `resource=` (the value as sent).
    Resource(String),
    /// Scopes of one resource.
    Scopes {
        resource: String,
        /// Permission names (`.default` included as sent).
        permissions: Vec<String>,
        /// The scope items as sent, echoed in the response's `scope`.
        items: Vec<String>,
    },
    /// Only OpenID scopes: Graph `User.Read`.
    OidcOnly,
}

/// A syntax-checked token target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestedTarget {
    pub oidc: OidcScopes,
    pub requested: Requested,
}

impl RequestedTarget {
    /// Parses `scope` and `resource`; `None` when the request had neither. Scopes naming a
    /// resource win over `resource`; with only OpenID scopes, `resource` decides.
    pub fn parse(target: &TokenTarget) -> Result<Option<Self>, OAuthError> {
        let mut parsed = match &target.scope {
            Some(scope) => Self::parse_scope(scope)?,
            None if target.resource.is_none() => return Ok(None),
            None => Self {
                oidc: OidcScopes::default(),
                requested: Requested::OidcOnly,
            },
        };
        if let (Requested::OidcOnly, Some(resource)) = (&parsed.requested, &target.resource) {
            check_item(resource)
                .map_err(|()| aadsts::resource_not_found(shown(resource), "this directory"))?;
            parsed.requested = Requested::Resource(resource.clone());
        }
        Ok(Some(parsed))
    }

    /// Parses a space-separated scope string (also the form refresh tokens store).
    pub fn parse_scope(scope: &str) -> Result<Self, OAuthError> {
        let invalid = || aadsts::invalid_scope(shown(scope));
        let mut oidc = OidcScopes::default();
        let mut resource: Option<String> = None;
        let mut permissions = Vec::new();
        let mut items = Vec::new();
        for (n, item) in scope.split_ascii_whitespace().enumerate() {
            if n >= MAX_ITEMS {
                return Err(invalid());
            }
            if oidc.take(item) {
                continue;
            }
            check_item(item).map_err(|()| invalid())?;
            let (res, permission) = split_item(item).ok_or_else(invalid)?;
            match &resource {
                Some(r) if !same_resource(r, &res) => return Err(invalid()),
                Some(_) => {}
                None => resource = Some(res),
            }
            permissions.push(permission);
            items.push(item.to_owned());
        }
        let requested = match resource {
            Some(resource) => Requested::Scopes {
                resource,
                permissions,
                items,
            },
            None => Requested::OidcOnly,
        };
        Ok(Self { oidc, requested })
    }

    /// Whether the only permission asked for is `.default` (the client credentials rule).
    pub fn is_default_only(&self) -> bool {
        match &self.requested {
            Requested::Resource(_) => true,
            Requested::Scopes { permissions, .. } => permissions.iter().all(|p| p == ".default"),
            Requested::OidcOnly => false,
        }
    }
}

/// The resolved audience of an access token.
#[derive(Debug, Clone)]
pub struct Audience {
    /// The resource application.
    pub app: Application,
    /// The canonical `aud`.
    pub aud: String,
    /// Delegated permissions (`scp`), space-separated.
    pub scp: String,
}

/// A target resolved in one tenant.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub audience: Audience,
    pub oidc: OidcScopes,
    /// The response's `scope`.
    pub response_scope: String,
    /// The v1 response's `resource`.
    pub resource: String,
    /// What a refresh token remembers; [`RequestedTarget::parse_scope`] reads it back.
    pub stored_scope: String,
}

/// Looks the requested resource up in `tenant` and checks the permissions.
pub async fn resolve(
    state: &AppState,
    tenant: TenantId,
    target: &RequestedTarget,
) -> Result<Resolved, OAuthError> {
    let (resource, permissions, echo) = match &target.requested {
        Requested::Resource(r) => (r.as_str(), vec![".default".to_owned()], None),
        Requested::Scopes {
            resource,
            permissions,
            items,
        } => (resource.as_str(), permissions.clone(), Some(items.clone())),
        Requested::OidcOnly => (
            GRAPH_RESOURCE,
            vec![USER_READ.to_owned()],
            Some(vec![USER_READ.to_owned()]),
        ),
    };
    let app = find_resource(state, tenant, resource).await?;
    let aud = canonical_audience(&app);
    let scp = delegated_permissions(&app, &permissions)?;
    let oidc_items: Vec<&str> = target.oidc.items().collect();
    let response_scope = match echo {
        Some(items) => items
            .iter()
            .map(String::as_str)
            .chain(oidc_items.iter().copied())
            .collect::<Vec<_>>()
            .join(" "),
        None => scp.clone(),
    };
    let stored_scope = oidc_items
        .iter()
        .map(|s| (*s).to_owned())
        .chain(permissions.iter().map(|p| format!("{aud}/{p}")))
        .collect::<Vec<_>>()
        .join(" ");
    let resource = match &target.requested {
        Requested::Resource(r) => r.clone(),
        _ => aud.clone(),
    };
    Ok(Resolved {
        audience: Audience { app, aud, scp },
        oidc: target.oidc,
        response_scope,
        resource,
        stored_scope,
    })
}

/// The `aud` for a resource app: the DRS exactly as roadtx and the DRS expect, Graph
/// without a trailing slash, else the first identifier URI, else the client id.
pub fn canonical_audience(app: &Application) -> String {
    let id = app.client_id.to_string();
    if id == DRS_APP {
        return DRS_RESOURCE.to_owned();
    }
    if id == GRAPH_APP {
        return GRAPH_RESOURCE.to_owned();
    }
    app.identifier_uris.first().cloned().unwrap_or(id)
}

async fn find_resource(
    state: &AppState,
    tenant: TenantId,
    resource: &str,
) -> Result<Application, OAuthError> {
    let cache = &state.authority.cache;
    if let Some(app) = cache.resource(tenant, resource) {
        return Ok(app);
    }
    let store = state.directory.store();
    let found = match resource.parse::<ClientId>() {
        Ok(id) => store.application(tenant, id).await,
        Err(_) => store
            .applications(tenant)
            .await
            .map(|apps| apps.into_iter().find(|app| app.is_identified_by(resource))),
    };
    match found {
        Ok(Some(app)) => {
            cache.put_resource(resource, &app);
            Ok(app)
        }
        Ok(None) => Err(aadsts::resource_not_found(shown(resource), tenant)),
        Err(e) => {
            tracing::error!(%tenant, "resource lookup failed: {e}");
            Err(aadsts::temporarily_unavailable())
        }
    }
}

/// `scp`: everything the resource offers for `.default` (and v1 `resource=`), else the
/// named permissions in the resource's spelling; a permission it does not offer is 70011.
fn delegated_permissions(app: &Application, permissions: &[String]) -> Result<String, OAuthError> {
    let mut scp: Vec<String> = Vec::new();
    if permissions.iter().any(|p| p == ".default") {
        scp = app.scopes.clone();
    } else {
        for permission in permissions {
            let offered = app
                .scopes
                .iter()
                .find(|s| s.eq_ignore_ascii_case(permission));
            match offered {
                Some(s) if !scp.contains(s) => scp.push(s.clone()),
                Some(_) => {}
                None => return Err(aadsts::invalid_scope(shown(permission))),
            }
        }
    }
    if scp.is_empty() {
        // A resource that declares no permissions still gets a delegated token; resource
        // servers look for `scp` to tell delegated from app-only tokens.
        scp.push("user_impersonation".to_owned());
    }
    Ok(scp.join(" "))
}

/// Printable ASCII without quotes or backslashes, bounded in length.
fn check_item(item: &str) -> Result<(), ()> {
    let ok = !item.is_empty()
        && item.len() <= MAX_ITEM_LEN
        && item
            .bytes()
            .all(|b| (0x21..=0x7e).contains(&b) && b != b'"' && b != b'\\');
    if ok { Ok(()) } else { Err(()) }
}

/// `{resource}/{permission}` → both; a bare GUID, URN or URL → its `.default`; a bare name
/// → a Graph permission. An empty permission (`https://graph.microsoft.com/`) means `.default`.
fn split_item(item: &str) -> Option<(String, String)> {
    let authority_start = item.find("://").map_or(0, |i| i + 3);
    let (resource, permission) = match item[authority_start..].rfind('/') {
        Some(i) => {
            let at = authority_start + i;
            (&item[..at], &item[at + 1..])
        }
        None if authority_start > 0
            || item
                .get(..4)
                .is_some_and(|p| p.eq_ignore_ascii_case("urn:"))
            || item.parse::<ClientId>().is_ok() =>
        {
            (item, "")
        }
        None => (GRAPH_RESOURCE, item),
    };
    if resource.is_empty() || resource.ends_with("://") {
        return None;
    }
    let permission = if permission.is_empty() {
        ".default"
    } else {
        permission
    };
    let valid = permission
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"._-:".contains(&b));
    valid.then(|| (resource.to_owned(), permission.to_owned()))
}

fn same_resource(a: &str, b: &str) -> bool {
    a.trim_end_matches('/')
        .eq_ignore_ascii_case(b.trim_end_matches('/'))
}

/// Scope text for error messages, bounded (it is the client's input).
fn shown(text: &str) -> String {
    text.chars().take(200).collect()
}

#[cfg(test)]
mod tests;
