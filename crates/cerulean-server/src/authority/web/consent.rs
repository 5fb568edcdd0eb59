//! Which (user, client) pairs this browser has consented for.
//!
//! Consent is kept implicit, in a cookie, rather than as a stored grant (which would need
//! a store table this module does not own): the cookie lists short digests of the pairs
//! the user accepted, newest last. Forging it gains nothing — consenting is the cookie
//! owner's own decision, and other sites cannot set `__Host-` cookies on this origin.
//! First-party clients never ask.

use axum::http::HeaderMap;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cerulean_directory::{ClientId, UserId};
use sha2::{Digest, Sha256};

use super::cookies::Jar;

/// How many pairs the cookie remembers.
const MAX_ENTRIES: usize = 20;

fn digest(user: UserId, client: ClientId) -> String {
    let hash = Sha256::digest(format!("cerulean.consent|{user}|{client}").as_bytes());
    let mut text = URL_SAFE_NO_PAD.encode(hash);
    text.truncate(16);
    text
}

fn entries(jar: Jar, headers: &HeaderMap) -> Vec<String> {
    jar.consent(headers)
        .map(|v| {
            v.split('.')
                .filter(|e| !e.is_empty())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// Whether the user consented to the client in this browser.
pub fn remembered(jar: Jar, headers: &HeaderMap, user: UserId, client: ClientId) -> bool {
    let wanted = digest(user, client);
    entries(jar, headers).contains(&wanted)
}

/// The `Set-Cookie` that adds (user, client) to the remembered pairs.
pub fn remember(jar: Jar, headers: &HeaderMap, user: UserId, client: ClientId) -> String {
    let entry = digest(user, client);
    let mut list: Vec<String> = entries(jar, headers)
        .into_iter()
        .filter(|e| *e != entry)
        .collect();
    list.push(entry);
    let skip = list.len().saturating_sub(MAX_ENTRIES);
    jar.set_consent(&list[skip..].join("."))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderValue, header};

    #[test]
    fn remembers_pairs() {
        let jar = Jar::for_base(&crate::public_url::public_base(
            &crate::Config::default(),
            None,
            None,
        ));
        let (u, c) = (UserId::random(), ClientId::random());
        let mut headers = HeaderMap::new();
        assert!(!remembered(jar, &headers, u, c));
        let set = remember(jar, &headers, u, c);
        let value = set.split(';').next().unwrap().to_string();
        headers.insert(header::COOKIE, HeaderValue::from_str(&value).unwrap());
        assert!(remembered(jar, &headers, u, c));
        assert!(!remembered(jar, &headers, u, ClientId::random()));
    }
}
