//! The base URL clients should call back on, for absolute URLs in discovery documents,
//! tokens and device-code messages.
//!
//! Clients reach one listener by different routes (direct `https://127.0.0.1:8443`, a
//! CONNECT proxy with `Host: login.microsoftonline.com`, a reverse proxy), and each must
//! get URLs it can reach again, so the base follows the request's `Host`. But the `Host`
//! header is the client's to choose: it is used only when its host is configured in
//! `server.hosts` or is loopback. Anything else gets the first configured host, so no one
//! can make Cerulean publish URLs pointing elsewhere. `server.public_url` overrides all.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use http::header;
use http::request::Parts;

use crate::config::Config;
use crate::host::{is_loopback, split_host_port, url_host};
use crate::serve::{ConnectionInfo, Scheme};

/// `scheme://host[:port]`, no trailing slash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicBase(String);

impl PublicBase {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The base followed by `path` (which should start with `/`).
    pub fn join(&self, path: &str) -> String {
        format!("{}{path}", self.0)
    }
}

impl std::fmt::Display for PublicBase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl<S> FromRequestParts<S> for PublicBase
where
    S: Send + Sync,
    Arc<Config>: FromRef<S>,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let config = Arc::<Config>::from_ref(state);
        // HTTP/2 carries the authority in the URI (`:authority`); HTTP/1.1 in `Host`.
        let authority = parts
            .uri
            .authority()
            .map(|a| a.as_str())
            .or_else(|| parts.headers.get(header::HOST)?.to_str().ok());
        let conn = parts.extensions.get::<ConnectionInfo>();
        Ok(public_base(&config, authority, conn))
    }
}

/// The rules above as a pure function.
pub fn public_base(
    config: &Config,
    authority: Option<&str>,
    conn: Option<&ConnectionInfo>,
) -> PublicBase {
    if let Some(url) = &config.server.public_url {
        return PublicBase(url.trim_end_matches('/').to_owned());
    }
    let scheme = conn.map_or(Scheme::Https, |c| c.scheme);
    let local_port = conn
        .map(|c| c.local_addr.port())
        .unwrap_or_else(|| match scheme {
            Scheme::Https => config.server.listen.port(),
            Scheme::Http => config
                .server
                .http_listen
                .map_or(config.server.listen.port(), |a| a.port()),
        });
    let trusted = |host: &str| {
        is_loopback(host)
            || config
                .server
                .hosts
                .iter()
                .any(|h| h.eq_ignore_ascii_case(host.trim_end_matches('.')))
    };

    // 1. What the client addressed.
    if let Some((host, port)) = authority.and_then(split_host_port) {
        if trusted(host) {
            return build(scheme, host, port);
        }
        tracing::debug!(
            host,
            "untrusted Host header; publishing the configured host"
        );
    } else {
        // 2. The TLS server name, on the port the connection came in on.
        let sni = conn.and_then(|c| c.sni.as_deref());
        if let Some(host) = sni.filter(|h| trusted(h)) {
            return build(scheme, host, Some(local_port));
        }
        // 3. The listener's own address, when clients can use it.
        if let Some(addr) = conn.map(|c| c.local_addr).filter(|a| a.ip().is_loopback()) {
            return build(scheme, &addr.ip().to_string(), Some(addr.port()));
        }
    }
    // 4. The first configured host on our port.
    let first = config
        .server
        .hosts
        .first()
        .map_or("localhost", String::as_str);
    build(scheme, first, Some(local_port))
}

fn build(scheme: Scheme, host: &str, port: Option<u16>) -> PublicBase {
    let host = url_host(&host.trim_end_matches('.').to_ascii_lowercase());
    let scheme_str = scheme.as_str();
    match port {
        Some(port) if port != scheme.default_port() => {
            PublicBase(format!("{scheme_str}://{host}:{port}"))
        }
        _ => PublicBase(format!("{scheme_str}://{host}")),
    }
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;

    use super::*;

    fn config(hosts: &[&str]) -> Config {
        let mut c = Config::default();
        c.server.hosts = hosts.iter().map(|h| (*h).to_owned()).collect();
        c
    }

    fn conn(scheme: Scheme, local: &str, sni: Option<&str>) -> ConnectionInfo {
        let mut info = ConnectionInfo::for_tests(scheme, local.parse::<SocketAddr>().unwrap());
        info.sni = sni.map(str::to_owned);
        info
    }

    fn base(c: &Config, authority: Option<&str>, info: Option<&ConnectionInfo>) -> String {
        public_base(c, authority, info).as_str().to_owned()
    }

    #[test]
    fn public_url_overrides_everything() {
        let mut c = config(&["localhost"]);
        c.server.public_url = Some("https://login.contoso.test/".into());
        let https = conn(Scheme::Https, "127.0.0.1:8443", None);
        assert_eq!(
            base(&c, Some("evil.test"), Some(&https)),
            "https://login.contoso.test"
        );
        assert_eq!(
            public_base(&c, None, None).join("/common/oauth2/token"),
            "https://login.contoso.test/common/oauth2/token"
        );
    }

    #[test]
    fn trusted_host_header_is_used_as_sent() {
        let c = config(&["login.microsoftonline.com", "localhost"]);
        let https = conn(
            Scheme::Https,
            "127.0.0.1:8443",
            Some("login.microsoftonline.com"),
        );
        // Proxy route: real host name, no port.
        assert_eq!(
            base(&c, Some("login.microsoftonline.com"), Some(&https)),
            "https://login.microsoftonline.com"
        );
        assert_eq!(
            base(&c, Some("LOGIN.microsoftonline.com:8443"), Some(&https)),
            "https://login.microsoftonline.com:8443"
        );
        // Direct route: an IP literal with a port, even if not configured (loopback).
        assert_eq!(
            base(&c, Some("127.0.0.1:8443"), Some(&https)),
            "https://127.0.0.1:8443"
        );
        assert_eq!(
            base(&c, Some("[::1]:8443"), Some(&https)),
            "https://[::1]:8443"
        );
        assert_eq!(
            base(&c, Some("localhost:443"), Some(&https)),
            "https://localhost",
            "default port dropped"
        );
        let http = conn(Scheme::Http, "127.0.0.1:8081", None);
        assert_eq!(
            base(&c, Some("127.0.0.1:8081"), Some(&http)),
            "http://127.0.0.1:8081"
        );
    }

    #[test]
    fn untrusted_or_malformed_host_gets_the_first_configured_host() {
        let c = config(&["login.contoso.test", "127.0.0.1"]);
        let https = conn(Scheme::Https, "10.0.0.5:8443", None);
        for evil in [
            "evil.test",
            "evil.test:8443",
            "login.contoso.test.evil.test",
            "evil.test/x",
            "a@b",
            "10.0.0.9:1",
        ] {
            assert_eq!(
                base(&c, Some(evil), Some(&https)),
                "https://login.contoso.test:8443",
                "{evil}"
            );
        }
        let on_443 = conn(Scheme::Https, "0.0.0.0:443", None);
        assert_eq!(
            base(&c, Some("evil.test"), Some(&on_443)),
            "https://login.contoso.test"
        );
    }

    #[test]
    fn without_host_falls_back_to_sni_then_listener() {
        let c = config(&["login.contoso.test"]);
        let with_sni = conn(Scheme::Https, "127.0.0.1:8443", Some("login.contoso.test"));
        assert_eq!(
            base(&c, None, Some(&with_sni)),
            "https://login.contoso.test:8443"
        );
        let untrusted_sni = conn(Scheme::Https, "127.0.0.1:8443", Some("evil.test"));
        assert_eq!(
            base(&c, None, Some(&untrusted_sni)),
            "https://127.0.0.1:8443"
        );
        let public_listener = conn(Scheme::Https, "0.0.0.0:9443", None);
        assert_eq!(
            base(&c, None, Some(&public_listener)),
            "https://login.contoso.test:9443"
        );
        // No connection info at all (router driven without a socket).
        assert_eq!(base(&c, None, None), "https://login.contoso.test:8443");
    }
}
