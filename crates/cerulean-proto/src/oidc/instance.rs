//! `GET /common/discovery/instance?api-version=1.1&authorization_endpoint=…`: MSAL's cloud
//! instance discovery. msal-node accepts a body with `tenant_discovery_endpoint` and
//! `metadata`; msal-python reads `tenant_discovery_endpoint`. Errors use the OAuth error
//! body with `invalid_instance` ([`crate::aadsts::invalid_instance`]).

use serde::{Deserialize, Serialize};

/// The instance discovery answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceDiscovery {
    /// The tenant's v2 OpenID configuration URL.
    pub tenant_discovery_endpoint: String,
    /// `"1.1"`.
    #[serde(rename = "api-version")]
    pub api_version: String,
    /// One entry per cloud: which host names are aliases of each other.
    #[serde(default)]
    pub metadata: Vec<InstanceMetadata>,
}

/// The aliases of one cloud.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceMetadata {
    /// Host to send requests to.
    pub preferred_network: String,
    /// Host to key the token cache by.
    pub preferred_cache: String,
    /// Every host name of this cloud.
    #[serde(default)]
    pub aliases: Vec<String>,
}

impl InstanceDiscovery {
    /// An answer for one cloud whose preferred host is `host`; `aliases` lists further host
    /// names serving the same tenants (`host` is always the first alias).
    pub fn for_host(
        tenant_discovery_endpoint: impl Into<String>,
        host: &str,
        aliases: &[&str],
    ) -> Self {
        let mut all = vec![host.to_owned()];
        all.extend(
            aliases
                .iter()
                .filter(|a| **a != host)
                .map(|a| (*a).to_owned()),
        );
        Self {
            tenant_discovery_endpoint: tenant_discovery_endpoint.into(),
            api_version: String::from("1.1"),
            metadata: vec![InstanceMetadata {
                preferred_network: host.to_owned(),
                preferred_cache: host.to_owned(),
                aliases: all,
            }],
        }
    }
}
