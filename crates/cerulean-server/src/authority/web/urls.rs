//! Building the URLs the pages send browsers to: the client's redirect URI with response
//! parameters added, and the CSP source that allows a form to lead there.

/// Percent-encodes everything but RFC 3986 unreserved characters.
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3 / 2);
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `a=1&b=2`, each name and value encoded.
pub fn query_string(params: &[(&str, &str)]) -> String {
    params
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// `redirect_uri` with `params` added to its query (RFC 6749 §4.1.2: keep the query it
/// already has); any fragment of the registered URI is dropped.
pub fn with_query(redirect_uri: &str, params: &[(&str, &str)]) -> String {
    let base = redirect_uri.split('#').next().unwrap_or(redirect_uri);
    if params.is_empty() {
        return base.to_string();
    }
    let separator = if !base.contains('?') {
        "?"
    } else if base.ends_with('?') || base.ends_with('&') {
        ""
    } else {
        "&"
    };
    format!("{base}{separator}{}", query_string(params))
}

/// `redirect_uri` with `params` as its fragment (`response_mode=fragment`).
pub fn with_fragment(redirect_uri: &str, params: &[(&str, &str)]) -> String {
    let base = redirect_uri.split('#').next().unwrap_or(redirect_uri);
    format!("{base}#{}", query_string(params))
}

/// The CSP source expression matching `uri`: `scheme://host[:port]` for hierarchical URIs,
/// `scheme:` for the rest (`ms-appx-web:`, `urn:`). `None` when the URI has characters
/// that have no place in a header (it is registered, but the header must stay intact).
pub fn csp_source(uri: &str) -> Option<String> {
    let (scheme, rest) = uri.split_once(':')?;
    let scheme_ok = !scheme.is_empty()
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !scheme_ok {
        return None;
    }
    let scheme = scheme.to_ascii_lowercase();
    let Some(after) = rest.strip_prefix("//") else {
        return Some(format!("{scheme}:"));
    };
    let authority = after
        .split(['/', '?', '#'])
        .next()
        .unwrap_or_default()
        .rsplit('@')
        .next()
        .unwrap_or_default();
    let authority_ok = !authority.is_empty()
        && authority
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    if !authority_ok {
        return Some(format!("{scheme}:"));
    }
    Some(format!("{scheme}://{authority}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_reserved_characters() {
        assert_eq!(encode("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
        assert_eq!(encode("AZaz09-._~"), "AZaz09-._~");
    }

    #[test]
    fn adds_parameters_to_any_query() {
        let p = [("code", "x y"), ("state", "s&t")];
        assert_eq!(
            with_query("https://app.test/cb", &p),
            "https://app.test/cb?code=x%20y&state=s%26t"
        );
        assert_eq!(
            with_query("https://app.test/cb?a=1", &p),
            "https://app.test/cb?a=1&code=x%20y&state=s%26t"
        );
        assert_eq!(
            with_fragment("https://app.test/cb#old", &p),
            "https://app.test/cb#code=x%20y&state=s%26t"
        );
    }

    #[test]
    fn csp_sources() {
        assert_eq!(
            csp_source("http://localhost:5310/cb?x").as_deref(),
            Some("http://localhost:5310")
        );
        assert_eq!(
            csp_source("ms-appx-web://Microsoft.AAD.BrokerPlugin/x").as_deref(),
            Some("ms-appx-web://Microsoft.AAD.BrokerPlugin")
        );
        assert_eq!(
            csp_source("urn:ietf:wg:oauth:2.0:oob").as_deref(),
            Some("urn:")
        );
        assert_eq!(csp_source("https://a.test;x/cb").as_deref(), Some("https:"));
        assert_eq!(csp_source("no scheme"), None);
    }
}
