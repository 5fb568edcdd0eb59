//! Applications: OAuth clients that request tokens, and resources that tokens are for.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::ids::{ClientId, TenantId};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Application {
    pub tenant_id: TenantId,
    pub client_id: ClientId,
    pub display_name: String,
    /// Seeded Microsoft first-party app (real clients send these ids unmodified).
    pub first_party: bool,
    /// A public client (no secret; may use device code, ROPC and PKCE).
    pub public_client: bool,
    /// Redirect URIs, matched exactly, except loopback redirects whose port may vary
    /// (RFC 8252 §7.3).
    pub redirect_uris: Vec<String>,
    /// Identifier URIs under which this app is a resource (token `aud`), besides its id.
    pub identifier_uris: Vec<String>,
    /// Delegated permission names this resource offers (`scp` values).
    pub scopes: Vec<String>,
    /// Secrets of a confidential client; only verifiers are stored.
    pub secrets: Vec<ClientSecret>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub version: i64,
}

/// A client secret: Cerulean keeps only a SHA-256 verifier and a hint, like Entra's
/// `passwordCredential` (`hint` is the first three characters).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientSecret {
    pub id: Uuid,
    pub display_name: String,
    pub hint: String,
    pub verifier: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<OffsetDateTime>,
}

impl Application {
    /// Whether `uri` is one of this app's identifiers as a resource: its client id (bare or
    /// as `api://…`) or an identifier URI, ignoring one trailing slash, as Entra does.
    pub fn is_identified_by(&self, uri: &str) -> bool {
        let wanted = uri.trim_end_matches('/');
        if wanted.eq_ignore_ascii_case(&self.client_id.to_string()) {
            return true;
        }
        if let Some(rest) = wanted.strip_prefix("api://") {
            if rest.eq_ignore_ascii_case(&self.client_id.to_string()) {
                return true;
            }
        }
        self.identifier_uris
            .iter()
            .any(|id| id.trim_end_matches('/').eq_ignore_ascii_case(wanted))
    }

    /// Whether `uri` is a registered redirect URI for this app.
    pub fn accepts_redirect_uri(&self, uri: &str) -> bool {
        self.redirect_uris
            .iter()
            .any(|registered| redirect_uri_matches(registered, uri))
    }
}

/// Exact match, except that a registered loopback `http` redirect matches the same URI on
/// any port (RFC 8252 §7.3: native apps listen on an ephemeral port).
pub fn redirect_uri_matches(registered: &str, presented: &str) -> bool {
    if registered == presented {
        return true;
    }
    match (
        loopback_without_port(registered),
        loopback_without_port(presented),
    ) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

/// `http://localhost:1234/x` → `http://localhost/x`; `None` unless loopback http.
fn loopback_without_port(uri: &str) -> Option<String> {
    let rest = uri.strip_prefix("http://")?;
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let host = match authority.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() && port.chars().all(|c| c.is_ascii_digit()) => host,
        _ => authority,
    };
    let host = host.to_ascii_lowercase();
    if host == "localhost" || host == "127.0.0.1" || host == "[::1]" {
        Some(format!("http://{host}{path}"))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_redirects_match_on_any_port() {
        assert!(redirect_uri_matches(
            "http://localhost",
            "http://localhost:53100"
        ));
        assert!(redirect_uri_matches(
            "http://localhost:1/cb",
            "http://localhost:2/cb"
        ));
        assert!(!redirect_uri_matches(
            "http://localhost/cb",
            "http://localhost:2/other"
        ));
        assert!(!redirect_uri_matches(
            "http://localhost",
            "http://localhost.evil.test:53100"
        ));
        assert!(!redirect_uri_matches(
            "https://app.test/cb",
            "https://app.test:444/cb"
        ));
        assert!(redirect_uri_matches(
            "https://app.test/cb",
            "https://app.test/cb"
        ));
    }
}
