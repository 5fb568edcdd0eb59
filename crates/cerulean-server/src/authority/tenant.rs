//! The `{tenant}` path segment of authority URLs: `common`, `organizations`,
//! `consumers`, a tenant GUID or a verified domain (PROTOCOLS.md §2.1).

use cerulean_directory::{Directory, Tenant};
use cerulean_proto::oauth2::OAuthError;

use crate::app::AppState;

/// What the segment named.
#[derive(Debug, Clone)]
pub enum TenantScope {
    /// `common` or `organizations`: the user's own tenant decides (from the UPN, the
    /// refresh token, the code…).
    Any { segment: String },
    /// A specific tenant, by id or domain.
    Tenant(Tenant),
}

impl TenantScope {
    /// The tenant if the segment named one.
    pub fn tenant(&self) -> Option<&Tenant> {
        match self {
            TenantScope::Tenant(t) => Some(t),
            TenantScope::Any { .. } => None,
        }
    }

    /// The segment as published in URLs (`common`, or the tenant id).
    pub fn segment(&self) -> String {
        match self {
            TenantScope::Any { segment } => segment.clone(),
            TenantScope::Tenant(t) => t.id.to_string(),
        }
    }

    /// Whether `tenant` may be used under this scope (a named tenant must match).
    pub fn admits(&self, tenant: &Tenant) -> bool {
        match self {
            TenantScope::Any { .. } => true,
            TenantScope::Tenant(t) => t.id == tenant.id,
        }
    }
}

/// Resolves a segment; an unknown tenant is AADSTS90002 in the OAuth error format.
pub async fn resolve(directory: &Directory, segment: &str) -> Result<TenantScope, OAuthError> {
    let lowered = segment.to_ascii_lowercase();
    if matches!(lowered.as_str(), "common" | "organizations") {
        return Ok(TenantScope::Any { segment: lowered });
    }
    match directory.resolve_tenant(&lowered).await {
        Ok(Some(tenant)) => Ok(TenantScope::Tenant(tenant)),
        Ok(None) => Err(cerulean_proto::aadsts::tenant_not_found(segment)),
        Err(e) => {
            tracing::error!("tenant lookup failed: {e}");
            Err(cerulean_proto::aadsts::temporarily_unavailable())
        }
    }
}

/// [`resolve`] through the authority's directory cache (the token, device-code and
/// discovery endpoints resolve the same few segments over and over).
pub async fn resolve_cached(state: &AppState, segment: &str) -> Result<TenantScope, OAuthError> {
    let cache = &state.authority.cache;
    if let Some(tenant) = cache.tenant(segment) {
        return Ok(TenantScope::Tenant(tenant));
    }
    let scope = resolve(&state.directory, segment).await?;
    if let TenantScope::Tenant(tenant) = &scope {
        cache.put_tenant(segment, tenant);
    }
    Ok(scope)
}
