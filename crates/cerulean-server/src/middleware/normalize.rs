//! Path normalisation, so services match paths the way real clients spell them.
//!
//! Clients send `UserRealm` and `userrealm`, `oAuth2`, `Common`, `alice%40contoso.test`
//! and `/EnrollmentServer/device/` with and without the trailing slash. Rather than make
//! every route case-insensitive, the whole path is rewritten before routing:
//!
//! - `%40` and percent-escapes of unreserved characters (RFC 3986 §2.3: letters, digits,
//!   `-._~`) are decoded, since they mean the same; other escapes (`%2F`, `%20`, …) stay,
//!   so decoding never changes how the path splits into segments;
//! - ASCII letters are lower-cased;
//! - a trailing `/` is dropped (except for `/` itself).
//!
//! **Services register lower-case routes without a trailing slash.** Dynamic segments
//! arrive lower-cased too; every identifier Cerulean routes on (GUIDs, domains, UPNs) is
//! case-insensitive. A handler that needs the original spelling reads the
//! [`OriginalPath`] extension. The query string is never touched.

use axum::extract::Request;
use http::Uri;
use http::uri::PathAndQuery;

/// The request path as the client sent it, before normalisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginalPath(pub String);

/// `map_request` middleware: rewrites the URI path with [`normalize_path`] and keeps the
/// original in [`OriginalPath`].
pub async fn normalize_request(mut request: Request) -> Request {
    let original = request.uri().path().to_owned();
    let normalized = normalize_path(&original);
    if normalized != original {
        if let Some(uri) = with_path(request.uri(), &normalized) {
            *request.uri_mut() = uri;
        }
    }
    request.extensions_mut().insert(OriginalPath(original));
    request
}

/// The normalised form of `path` (see the module documentation).
pub fn normalize_path(path: &str) -> String {
    // A URI path is ASCII (hyper guarantees it); anything else is left alone rather than
    // half-rewritten.
    if !path.is_ascii() {
        return path.to_owned();
    }
    let bytes = path.as_bytes();
    let mut out = String::with_capacity(path.len());
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' {
            if let Some(decoded) = decode_escape(bytes.get(i + 1..i + 3)) {
                out.push(char::from(decoded.to_ascii_lowercase()));
                i += 3;
                continue;
            }
        }
        out.push(char::from(b.to_ascii_lowercase()));
        i += 1;
    }
    if out.len() > 1 && out.ends_with('/') {
        out.pop();
    }
    out
}

/// Decodes `XY` if it is the escape of `@` or an unreserved character.
fn decode_escape(hex: Option<&[u8]>) -> Option<u8> {
    let hex = std::str::from_utf8(hex?).ok()?;
    let byte = u8::from_str_radix(hex, 16).ok()?;
    (byte == b'@' || byte.is_ascii_alphanumeric() || b"-._~".contains(&byte)).then_some(byte)
}

/// True when `a` and `b` are the same path after normalisation.
pub fn path_eq_ignore_case(a: &str, b: &str) -> bool {
    normalize_path(a) == normalize_path(b)
}

fn with_path(uri: &Uri, path: &str) -> Option<Uri> {
    let path_and_query = match uri.query() {
        Some(query) => format!("{path}?{query}"),
        None => path.to_owned(),
    };
    let mut parts = uri.clone().into_parts();
    parts.path_and_query = Some(PathAndQuery::try_from(path_and_query).ok()?);
    Uri::from_parts(parts).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lower_cases_decodes_and_trims() {
        assert_eq!(
            normalize_path("/Common/UserRealm/alice%40Contoso.test"),
            "/common/userrealm/alice@contoso.test"
        );
        assert_eq!(
            normalize_path("/EnrollmentServer/device/"),
            "/enrollmentserver/device"
        );
        assert_eq!(normalize_path("/"), "/");
        assert_eq!(normalize_path("/a%2Fb"), "/a%2fb", "%2F must stay escaped");
        assert_eq!(normalize_path("/a%20b"), "/a%20b");
        assert_eq!(normalize_path("/%7Euser%2d1"), "/~user-1");
        assert_eq!(normalize_path("/bad%zz%4"), "/bad%zz%4");
        assert_eq!(normalize_path("/oAuth2/v2.0/token"), "/oauth2/v2.0/token");
        assert!(path_eq_ignore_case(
            "/EnrollmentServer/Device/",
            "/enrollmentserver/device"
        ));
    }

    #[tokio::test]
    async fn keeps_query_and_original() {
        let request = Request::builder()
            .uri("/Common/UserRealm/Alice%40contoso.test?api-version=1.0&Code=AbC")
            .body(axum::body::Body::empty())
            .unwrap();
        let request = normalize_request(request).await;
        assert_eq!(
            request.uri().to_string(),
            "/common/userrealm/alice@contoso.test?api-version=1.0&Code=AbC"
        );
        assert_eq!(
            request.extensions().get::<OriginalPath>().unwrap().0,
            "/Common/UserRealm/Alice%40contoso.test"
        );
    }
}
