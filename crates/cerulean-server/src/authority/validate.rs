//! The one access-token validation every Cerulean service uses (DRS, Graph, MDM,
//! userinfo): [`validate_access_token`].
//!
//! Checks, in order: the JWS is RS256 with a `kid`; the `kid` is a published key of the
//! tenant the token names (`tid`), so another tenant's key never verifies; the signature;
//! `iss` is `{base}/{tid}/` or `{base}/{tid}/v2.0` for a base this deployment answers for;
//! `aud` is one the caller accepts; `exp`/`nbf` within five minutes of skew; the tenant
//! still exists; for user tokens the user still exists and is enabled; and, for tokens
//! bound to a device (`deviceid`), that the device is registered and enabled.

use cerulean_crypto::UnverifiedJws;
use cerulean_directory::{DeviceId, Tenant, TenantId, User, UserId};
use cerulean_proto::claims::AccessTokenClaims;
use uuid::Uuid;

use super::keys::CLOCK_SKEW;
use crate::app::AppState;
use crate::config::Config;
use crate::host::{is_loopback, split_host_port};

/// Why a token was refused. Each check has its own variant so services can log precisely;
/// on the wire they all become `401 invalid_token`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the token is not a well-formed RS256 JWT: {0}")]
    Malformed(&'static str),
    #[error("the token's signing key is not published for its tenant")]
    UnknownKey,
    #[error("the token's signature does not verify")]
    BadSignature,
    #[error("the token was not issued by this authority")]
    WrongIssuer,
    #[error("the token is not meant for this service")]
    WrongAudience,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid yet")]
    NotYetValid,
    #[error("the token's tenant does not exist")]
    UnknownTenant,
    #[error("the token's user does not exist")]
    UnknownUser,
    #[error("the token's user is disabled")]
    UserDisabled,
    #[error("the token's device is not allowed: {0}")]
    DeviceRejected(String),
    #[error("token validation is temporarily unavailable")]
    Unavailable,
}

/// A token that passed every check.
#[derive(Debug, Clone)]
pub struct ValidatedToken {
    pub claims: AccessTokenClaims,
    pub tenant: Tenant,
    /// The signed-in user; `None` for app-only tokens.
    pub user: Option<User>,
    /// The bound device (`deviceid`), when present.
    pub device_id: Option<Uuid>,
}

impl ValidatedToken {
    /// Whether this is an app-only (client credentials) token.
    pub fn is_app_only(&self) -> bool {
        self.user.is_none()
    }

    /// Delegated permissions (`scp`), split.
    pub fn scopes(&self) -> impl Iterator<Item = &str> {
        self.claims
            .scp
            .as_deref()
            .unwrap_or_default()
            .split_ascii_whitespace()
    }
}

/// Validates a bearer access token for a service that accepts `expected_audience`
/// (compared case-insensitively, ignoring one trailing slash).
pub async fn validate_access_token(
    state: &AppState,
    token: &str,
    expected_audience: &[&str],
) -> Result<ValidatedToken, TokenError> {
    let directory = &state.directory;
    let jws = UnverifiedJws::parse(token).map_err(|_| TokenError::Malformed("not a JWS"))?;
    if jws.alg() != Some("RS256") {
        return Err(TokenError::Malformed("alg is not RS256"));
    }
    let kid = jws.kid().ok_or(TokenError::Malformed("no kid"))?;
    let unverified = jws
        .unverified_claims()
        .map_err(|_| TokenError::Malformed("payload is not JSON"))?;
    let tid = unverified
        .get("tid")
        .and_then(|v| v.as_str())
        .and_then(|s| s.parse::<TenantId>().ok())
        .ok_or(TokenError::Malformed("no tid"))?;
    let key = state
        .authority
        .keys
        .verification_key(directory, tid, kid)
        .await
        .map_err(|e| {
            tracing::error!("loading verification keys: {e}");
            TokenError::Unavailable
        })?
        .ok_or(TokenError::UnknownKey)?;
    let value = jws
        .verify_rs256(&key.public)
        .map_err(|_| TokenError::BadSignature)?;
    let claims: AccessTokenClaims =
        serde_json::from_value(value).map_err(|_| TokenError::Malformed("claims"))?;
    if claims.tid != tid.0 {
        return Err(TokenError::Malformed("tid"));
    }
    if !issued_here(&state.config, &claims.iss, &tid) {
        return Err(TokenError::WrongIssuer);
    }
    if !expected_audience
        .iter()
        .any(|a| same_audience(a, &claims.aud))
    {
        return Err(TokenError::WrongAudience);
    }
    let now = directory.clock().now().unix_timestamp();
    let skew = CLOCK_SKEW.whole_seconds();
    if now > claims.exp.saturating_add(skew) {
        return Err(TokenError::Expired);
    }
    if now.saturating_add(skew) < claims.nbf {
        return Err(TokenError::NotYetValid);
    }
    let store = directory.store();
    let unavailable = |e: cerulean_directory::StoreError| {
        tracing::error!("token validation lookup: {e}");
        TokenError::Unavailable
    };
    // The tenant may come from the authority's short-lived cache (by its GUID segment),
    // as the token endpoint reads it; the user, below, is always read fresh.
    let cache = &state.authority.cache;
    let tenant = match cache.tenant(&tid.to_string()) {
        Some(tenant) if tenant.id == tid => tenant,
        _ => {
            let tenant = store
                .tenant(tid)
                .await
                .map_err(unavailable)?
                .ok_or(TokenError::UnknownTenant)?;
            cache.put_tenant(&tid.to_string(), &tenant);
            tenant
        }
    };
    let app_only = claims.idtyp.as_deref() == Some("app") || claims.upn.is_none();
    let user = if app_only {
        None
    } else {
        let oid = claims.oid.ok_or(TokenError::Malformed("no oid"))?;
        let user = store
            .user(tid, UserId(oid))
            .await
            .map_err(unavailable)?
            .ok_or(TokenError::UnknownUser)?;
        if !user.enabled {
            return Err(TokenError::UserDisabled);
        }
        Some(user)
    };
    let device_id = match &claims.deviceid {
        Some(d) => Some(Uuid::parse_str(d).map_err(|_| TokenError::Malformed("deviceid"))?),
        None => None,
    };
    if let Some(device) = device_id {
        check_device(state, &tenant, device).await?;
    }
    Ok(ValidatedToken {
        claims,
        tenant,
        user,
        device_id,
    })
}

/// A token bound to a device (`deviceid`) is good only while that device is registered
/// in the token's tenant and enabled: deleting or disabling a device revokes its tokens
/// at once (one indexed read per such token).
async fn check_device(state: &AppState, tenant: &Tenant, device: Uuid) -> Result<(), TokenError> {
    match state
        .directory
        .device_by_device_id(tenant.id, DeviceId(device))
        .await
    {
        Ok(Some(d)) if d.enabled => Ok(()),
        Ok(Some(_)) => Err(TokenError::DeviceRejected("the device is disabled".into())),
        Ok(None) => Err(TokenError::DeviceRejected(
            "the device is not registered (it may have been deleted)".into(),
        )),
        Err(e) => {
            tracing::error!("token validation device lookup: {e}");
            Err(TokenError::Unavailable)
        }
    }
}

/// Whether `iss` is `{base}/{tid}/` or `{base}/{tid}/v2.0` for a base this deployment
/// publishes: `server.public_url` when set, else any scheme/port on a configured or
/// loopback host (listeners bound to port 0 learn their port only at run time).
fn issued_here(config: &Config, iss: &str, tid: &TenantId) -> bool {
    let tenant = tid.to_string();
    let base = iss
        .strip_suffix(&format!("/{tenant}/"))
        .or_else(|| iss.strip_suffix(&format!("/{tenant}/v2.0")));
    let Some(base) = base else {
        return false;
    };
    if let Some(public) = &config.server.public_url {
        return base.eq_ignore_ascii_case(public.trim_end_matches('/'));
    }
    let Some(authority) = base
        .strip_prefix("https://")
        .or_else(|| base.strip_prefix("http://"))
    else {
        return false;
    };
    let Some((host, _port)) = split_host_port(authority) else {
        return false;
    };
    is_loopback(host)
        || config
            .server
            .hosts
            .iter()
            .any(|h| h.eq_ignore_ascii_case(host))
}

fn same_audience(expected: &str, aud: &str) -> bool {
    expected
        .trim_end_matches('/')
        .eq_ignore_ascii_case(aud.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuer_bases() {
        let tid = TenantId::random();
        let mut config = Config::default();
        config.server.hosts = vec!["login.contoso.test".into()];
        let ok = [
            format!("https://login.contoso.test/{tid}/"),
            format!("https://login.contoso.test:8443/{tid}/v2.0"),
            format!("https://127.0.0.1:55555/{tid}/"),
            format!("http://localhost:8081/{tid}/v2.0"),
        ];
        for iss in &ok {
            assert!(issued_here(&config, iss, &tid), "{iss}");
        }
        let other = TenantId::random();
        let bad = [
            format!("https://evil.test/{tid}/"),
            format!("https://login.contoso.test/{other}/"),
            format!("https://login.contoso.test/{tid}"),
            format!("ftp://login.contoso.test/{tid}/"),
            format!("https://sts.windows.net/{tid}/"),
        ];
        for iss in &bad {
            assert!(!issued_here(&config, iss, &tid), "{iss}");
        }
        config.server.public_url = Some("https://login.contoso.test/".into());
        assert!(issued_here(
            &config,
            &format!("https://login.contoso.test/{tid}/"),
            &tid
        ));
        assert!(!issued_here(
            &config,
            &format!("https://127.0.0.1:55555/{tid}/"),
            &tid
        ));
    }

    #[test]
    fn audiences_compare_loosely_on_slash_and_case() {
        assert!(same_audience(
            "https://graph.microsoft.com",
            "https://graph.microsoft.com/"
        ));
        assert!(same_audience(
            "urn:ms-drs:enterpriseregistration.windows.net",
            "URN:ms-drs:enterpriseregistration.windows.net"
        ));
        assert!(!same_audience(
            "https://graph.microsoft.com",
            "https://graph"
        ));
    }
}
