//! Host names as they appear in configuration, `Host` headers and SNI.

use std::net::IpAddr;

/// An IP literal, or a DNS name of letters, digits and hyphens (a `*.` prefix allowed,
/// for operator certificates that use wildcards).
pub(crate) fn is_valid_host(host: &str) -> bool {
    if host.parse::<IpAddr>().is_ok() {
        return true;
    }
    let name = host.strip_prefix("*.").unwrap_or(host);
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

/// Splits `host[:port]` / `[v6][:port]` into the host (brackets removed) and the port.
/// `None` when the text is not of that form or the host is not a valid name or IP.
pub(crate) fn split_host_port(authority: &str) -> Option<(&str, Option<u16>)> {
    let (host, port) = if let Some(after) = authority.strip_prefix('[') {
        let (host, rest) = after.split_once(']')?;
        host.parse::<std::net::Ipv6Addr>().ok()?;
        match rest {
            "" => (host, None),
            _ => (host, Some(rest.strip_prefix(':')?)),
        }
    } else {
        match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let port = match port {
        Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
            Some(p.parse::<u16>().ok()?)
        }
        Some(_) => return None,
        None => None,
    };
    (is_valid_host(host) && !host.starts_with("*.")).then_some((host, port))
}

/// `localhost` (and names under `.localhost`, RFC 6761) or a loopback IP.
pub(crate) fn is_loopback(host: &str) -> bool {
    match host.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => {
            let host = host.trim_end_matches('.');
            host.eq_ignore_ascii_case("localhost")
                || host.to_ascii_lowercase().ends_with(".localhost")
        }
    }
}

/// Formats a host for a URL authority: IPv6 literals get brackets.
pub(crate) fn url_host(host: &str) -> String {
    if host.parse::<std::net::Ipv6Addr>().is_ok() {
        format!("[{host}]")
    } else {
        host.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_hosts_and_ports() {
        assert_eq!(split_host_port("localhost"), Some(("localhost", None)));
        assert_eq!(split_host_port("a.b:8443"), Some(("a.b", Some(8443))));
        assert_eq!(split_host_port("[::1]:8443"), Some(("::1", Some(8443))));
        assert_eq!(split_host_port("[::1]"), Some(("::1", None)));
        assert_eq!(split_host_port("127.0.0.1:1"), Some(("127.0.0.1", Some(1))));
        assert_eq!(split_host_port("a.b:"), None);
        assert_eq!(split_host_port("a.b:99999"), None);
        assert_eq!(split_host_port("a.b:+1"), None);
        assert_eq!(split_host_port("evil.com/x"), None);
        assert_eq!(split_host_port("a b"), None);
        assert_eq!(split_host_port("[::1"), None);
        assert_eq!(split_host_port("*.contoso.test"), None);
        assert_eq!(split_host_port(""), None);
    }

    #[test]
    fn loopback() {
        assert!(is_loopback("localhost"));
        assert!(is_loopback("LOCALHOST"));
        assert!(is_loopback("127.0.0.2"));
        assert!(is_loopback("::1"));
        assert!(!is_loopback("10.0.0.1"));
        assert!(!is_loopback("localhost.evil.com"));
    }

    #[test]
    fn hosts() {
        assert!(is_valid_host("login.contoso.test"));
        assert!(is_valid_host("*.contoso.test"));
        assert!(is_valid_host("::1"));
        assert!(!is_valid_host("https://x"));
        assert!(!is_valid_host("-a.b"));
        assert!(!is_valid_host("a..b"));
        assert!(!is_valid_host("x:443"));
    }
}
