//! `client_secret_basic`: client credentials in an HTTP Basic `Authorization` header
//! (RFC 6749 §2.3.1; both halves are form-urlencoded before base64).

use super::OAuthError;
use crate::wire::B64STD;
use crate::{Redacted, aadsts};
use base64::Engine as _;

/// Client id and secret taken from `Authorization: Basic …`.
#[derive(Debug)]
pub struct BasicCredentials {
    /// The client id.
    pub client_id: String,
    /// The client secret.
    pub client_secret: Redacted<String>,
}

impl BasicCredentials {
    /// Parses an `Authorization` header value. The scheme is case-insensitive.
    ///
    /// Errors are `invalid_client` (AADSTS70002): the client tried to authenticate and the
    /// attempt cannot be read.
    pub fn parse(header: &str) -> Result<Self, OAuthError> {
        let header = header.trim();
        let (scheme, rest) = header.split_once(' ').unwrap_or((header, ""));
        if !scheme.eq_ignore_ascii_case("basic") {
            return Err(aadsts::client_credentials_invalid(
                "The Authorization header does not use the Basic scheme.",
            ));
        }
        let bad = || aadsts::client_credentials_invalid("The Basic credentials are malformed.");
        let decoded = B64STD.decode(rest.trim()).map_err(|_| bad())?;
        let decoded = Redacted::new(String::from_utf8(decoded).map_err(|_| bad())?);
        let (id, secret) = decoded.expose().split_once(':').ok_or_else(bad)?;
        let client_id = form_decode(id);
        if client_id.is_empty() {
            return Err(bad());
        }
        Ok(Self {
            client_id,
            client_secret: Redacted::new(form_decode(secret)),
        })
    }
}

/// Undoes application/x-www-form-urlencoded on one component: `+` is a space and `%XX` a
/// byte; a `%` not followed by two hex digits is kept literally.
fn form_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
                    .and_then(|h| std::str::from_utf8(h).ok());
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(v) => {
                        out.push(v);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            _ => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_encoded_halves() {
        // "my%20app:s3cr%3At" -> client "my app", secret "s3cr:t"
        let header = format!("basic {}", B64STD.encode("my%20app:s3cr%3At"));
        let c = BasicCredentials::parse(&header).unwrap();
        assert_eq!(c.client_id, "my app");
        assert_eq!(c.client_secret.expose(), "s3cr:t");
    }

    #[test]
    fn decoding_edge_cases() {
        assert_eq!(form_decode("a&b+c%2"), "a&b c%2");
        assert_eq!(form_decode("%zz%41%+1"), "%zzA% 1");
        assert_eq!(form_decode("%"), "%");
    }

    #[test]
    fn rejects_other_schemes_and_garbage() {
        for h in ["Bearer abc", "Basic", "Basic !!!", "Basic Zm9v", ""] {
            let e = BasicCredentials::parse(h).unwrap_err();
            assert_eq!(e.http_status(), 401, "{h}");
        }
    }
}
