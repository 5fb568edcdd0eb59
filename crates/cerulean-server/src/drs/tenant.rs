//! The `{domain-or-tenant}` of DRS paths (and the domain of an
//! `enterpriseregistration.<domain>` host): a verified domain or a tenant id, never
//! `common`.

use cerulean_directory::Tenant;
use cerulean_proto::drs::DrsError;
use http::request::Parts;
use http::{HeaderMap, Uri, header};

use crate::app::AppState;
use crate::host::split_host_port;

/// The host-name prefix of the on-premises discovery form (MS-DVRD, PROTOCOLS.md §3.1).
pub const ENTERPRISE_REGISTRATION_PREFIX: &str = "enterpriseregistration.";

/// A tenant and the name the client used for it.
#[derive(Debug, Clone)]
pub struct DrsTenant {
    pub tenant: Tenant,
    /// The verified domain the client named, or the tenant's initial domain when it named
    /// the tenant by id (`TenantInfo.TenantName`).
    pub domain: String,
}

/// Resolves `segment` (through the authority's short-lived tenant cache); an unknown name
/// is DRS `TenantNotFound`.
pub async fn resolve(state: &AppState, segment: &str) -> Result<DrsTenant, DrsError> {
    let key = segment.trim().trim_end_matches('.').to_ascii_lowercase();
    let cache = &state.authority.cache;
    let tenant = match cache.tenant(&key) {
        Some(tenant) => tenant,
        None => match state.directory.resolve_tenant(&key).await {
            Ok(Some(tenant)) => {
                cache.put_tenant(&key, &tenant);
                tenant
            }
            Ok(None) => return Err(DrsError::tenant_not_found(segment)),
            Err(e) => {
                tracing::error!("DRS tenant lookup: {e}");
                return Err(DrsError::directory_error());
            }
        },
    };
    let domain = if key.parse::<uuid::Uuid>().is_ok() {
        tenant.initial_domain.clone()
    } else {
        key
    };
    Ok(DrsTenant { tenant, domain })
}

/// What the client addressed: `:authority` (HTTP/2) or `Host`, as `(host, port)`.
pub fn request_authority(uri: &Uri, headers: &HeaderMap) -> Option<(String, Option<u16>)> {
    let authority = uri
        .authority()
        .map(|a| a.as_str().to_owned())
        .or_else(|| headers.get(header::HOST)?.to_str().ok().map(str::to_owned))?;
    let (host, port) = split_host_port(&authority)?;
    Some((host.trim_end_matches('.').to_ascii_lowercase(), port))
}

/// The domain of an `enterpriseregistration.<domain>` request host.
pub fn domain_from_host(parts: &Parts) -> Result<String, DrsError> {
    let host = request_authority(&parts.uri, &parts.headers).map(|(h, _)| h);
    match host
        .as_deref()
        .and_then(|h| h.strip_prefix(ENTERPRISE_REGISTRATION_PREFIX))
    {
        Some(domain) if !domain.is_empty() => Ok(domain.to_owned()),
        _ => Err(no_domain_in_host(host.as_deref().unwrap_or(""))),
    }
}

/// The refusal for a host that names no domain.
fn no_domain_in_host(host: &str) -> DrsError {
    let shown: String = host.chars().take(255).collect();
    DrsError::new(
        cerulean_proto::drs::DrsErrorType::TenantNotFound,
        format!(
            "The host '{shown}' names no organization: call \
             /<your domain>/enrollmentserver/contract, or this path on the host \
             enterpriseregistration.<your domain>."
        ),
    )
}
