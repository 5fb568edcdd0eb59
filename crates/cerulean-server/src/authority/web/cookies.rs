//! The sign-in cookies and the CSRF double-submit check.
//!
//! | cookie | value | attributes |
//! |---|---|---|
//! | `__Host-cerulean-csrf` | 32 random bytes, base64url | `Path=/; Secure; HttpOnly; SameSite=Lax`, browser session |
//! | `__Host-cerulean-session` | 32 random bytes, base64url (the store keeps its SHA-256) | `Path=/; Secure; HttpOnly; SameSite=Lax`; browser session, or `Max-Age` 90 days after "Stay signed in? Yes" |
//! | `__Host-cerulean-consent` | `.`-joined 16-char digests of (user, client) pairs | `Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age` 1 year |
//!
//! When the published base URL is plain `http://` (libhimmelblau's optional listener),
//! browsers refuse `Secure` and `__Host-` cookies, so the names lose the prefix and the
//! `Secure` flag; everything else is the same.
//!
//! SameSite=Lax, not None: every request that needs the session is either a top-level GET
//! navigation (authorize, deviceauth, logout) or a same-origin form POST, and Lax keeps
//! other sites from riding on the session with cross-site POSTs or iframes (the pages
//! forbid framing anyway).

use axum::http::HeaderMap;
use axum::http::header;
use cerulean_crypto::{constant_time_eq, random_token};

use crate::public_url::PublicBase;

/// Cookie names and flags for one request's scheme.
#[derive(Debug, Clone, Copy)]
pub struct Jar {
    secure: bool,
}

const CSRF: &str = "cerulean-csrf";
const SESSION: &str = "cerulean-session";
const CONSENT: &str = "cerulean-consent";

/// 90 days, for a session the user asked to keep.
pub const PERSISTENT_SECS: i64 = 90 * 24 * 3600;
const CONSENT_SECS: i64 = 365 * 24 * 3600;

impl Jar {
    pub fn for_base(base: &PublicBase) -> Self {
        Self {
            secure: base.as_str().starts_with("https://"),
        }
    }

    fn name(&self, base: &str) -> String {
        if self.secure {
            format!("__Host-{base}")
        } else {
            base.to_string()
        }
    }

    fn set(&self, base: &str, value: &str, max_age: Option<i64>) -> String {
        let mut cookie = format!(
            "{}={value}; Path=/; HttpOnly; SameSite=Lax",
            self.name(base)
        );
        if self.secure {
            cookie.push_str("; Secure");
        }
        if let Some(age) = max_age {
            cookie.push_str(&format!("; Max-Age={age}"));
        }
        cookie
    }

    pub fn csrf(&self, headers: &HeaderMap) -> Option<String> {
        read(headers, &self.name(CSRF)).filter(|v| (32..=128).contains(&v.len()))
    }

    pub fn session(&self, headers: &HeaderMap) -> Option<String> {
        read(headers, &self.name(SESSION)).filter(|v| (32..=128).contains(&v.len()))
    }

    pub fn consent(&self, headers: &HeaderMap) -> Option<String> {
        read(headers, &self.name(CONSENT))
    }

    pub fn set_csrf(&self, value: &str) -> String {
        self.set(CSRF, value, None)
    }

    pub fn set_session(&self, value: &str, persistent: bool) -> String {
        self.set(SESSION, value, persistent.then_some(PERSISTENT_SECS))
    }

    pub fn clear_session(&self) -> String {
        self.set(SESSION, "", Some(0))
    }

    pub fn set_consent(&self, value: &str) -> String {
        self.set(CONSENT, value, Some(CONSENT_SECS))
    }
}

/// The PRT SSO credential (PROTOCOLS.md §5.6): the `x-ms-RefreshTokenCredential` header,
/// else the cookie of that name (set by the browser's SSO extension, so unprefixed).
pub fn prt_credential(headers: &HeaderMap) -> Option<String> {
    header_or_cookie(headers, "x-ms-RefreshTokenCredential")
}

/// The device credential (PROTOCOLS.md §5.6): the `x-ms-DeviceCredential` header, else
/// the cookie of that name.
pub fn device_credential(headers: &HeaderMap) -> Option<String> {
    header_or_cookie(headers, "x-ms-DeviceCredential")
}

fn header_or_cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .or_else(|| read(headers, name))
}

/// The first cookie named `name`, if its value is a plain token.
fn read(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_string())
        .filter(|v| {
            !v.is_empty()
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        })
}

/// The browser's CSRF secret: the one in its cookie, or a fresh one with the `Set-Cookie`
/// that plants it.
pub fn csrf_or_new(jar: Jar, headers: &HeaderMap) -> Result<(String, Option<String>), String> {
    if let Some(existing) = jar.csrf(headers) {
        return Ok((existing, None));
    }
    let fresh = random_token(32).map_err(|e| e.to_string())?;
    let cookie = jar.set_csrf(&fresh);
    Ok((fresh, Some(cookie)))
}

/// Double-submit check: the cookie and the form's `csrf` field must both be present and
/// equal. Returns the secret (which also keys the flow token).
pub fn check_csrf(jar: Jar, headers: &HeaderMap, field: Option<&str>) -> Option<String> {
    let cookie = jar.csrf(headers)?;
    let field = field?;
    constant_time_eq(cookie.as_bytes(), field.as_bytes()).then_some(cookie)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(cookie: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_str(cookie).unwrap());
        h
    }

    #[test]
    fn reads_cookies_by_exact_name() {
        let jar = Jar { secure: true };
        let token = "a".repeat(43);
        let h = headers(&format!(
            "x=1; __Host-cerulean-csrf={token}; cerulean-csrf=zzz"
        ));
        assert_eq!(jar.csrf(&h).as_deref(), Some(token.as_str()));
        assert_eq!(Jar { secure: false }.csrf(&h), None);
        assert_eq!(
            check_csrf(jar, &h, Some(&token)).as_deref(),
            Some(token.as_str())
        );
        assert_eq!(check_csrf(jar, &h, Some("other")), None);
        assert_eq!(check_csrf(jar, &h, None), None);
    }

    #[test]
    fn cookie_attributes() {
        let secure = Jar { secure: true }.set_session("v", true);
        assert!(
            secure.starts_with("__Host-cerulean-session=v; Path=/; HttpOnly; SameSite=Lax; Secure")
        );
        assert!(secure.ends_with("Max-Age=7776000"));
        let plain = Jar { secure: false }.set_csrf("v");
        assert_eq!(plain, "cerulean-csrf=v; Path=/; HttpOnly; SameSite=Lax");
    }
}
