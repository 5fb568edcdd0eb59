//! The successful token response (PROTOCOLS.md §2.2, INTEROP.md §5.3, §6.3, §8.4, §10).
//!
//! Entra's v1 endpoints send `expires_in`, `ext_expires_in`, `expires_on` and `not_before`
//! as numeric **strings**; v2 sends numbers. What the clients in INTEROP.md accept:
//!
//! | client | token responses | source |
//! |---|---|---|
//! | roadtx | `int(…)` of `expires_on`/`expires_in`: either form | §4.4 |
//! | msal-python | `expires_in` int or string | §5.3 |
//! | msal-node | `expires_in`, `ext_expires_in`, `refresh_token_expires_in`: either | §6.3 |
//! | libhimmelblau (ordinary) | `expires_in`, `ext_expires_in`: either | §8.4 |
//! | libhimmelblau (PRT answer) | `expires_in`, `ext_expires_in`, `expires_on` **strings only**; `refresh_token_expires_in` **number only** | §8.3 item 4 |
//!
//! So both encodings are accepted everywhere, except the PRT answer which must use
//! [`NumberEncoding::Strings`]. `refresh_token_expires_in` is always a number. Parsing accepts
//! both forms and remembers which one arrived.

use crate::EndpointVersion;
use crate::wire::NumOrStr;
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// How the four time fields are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NumberEncoding {
    /// JSON numbers (Entra v2).
    #[default]
    Numbers,
    /// Numeric strings (Entra v1 and every PRT answer).
    Strings,
}

impl From<EndpointVersion> for NumberEncoding {
    fn from(v: EndpointVersion) -> Self {
        match v {
            EndpointVersion::V1 => Self::Strings,
            EndpointVersion::V2 => Self::Numbers,
        }
    }
}

/// A token response. `Debug` redacts the tokens.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenResponse {
    /// `token_type`, `Bearer`.
    pub token_type: String,
    /// `scope` granted (space-separated).
    pub scope: Option<String>,
    /// `expires_in`, seconds.
    pub expires_in: Option<u64>,
    /// `ext_expires_in`, seconds (required by libhimmelblau).
    pub ext_expires_in: Option<u64>,
    /// `expires_on`, Unix time.
    pub expires_on: Option<u64>,
    /// `not_before`, Unix time.
    pub not_before: Option<u64>,
    /// `resource` (v1).
    pub resource: Option<String>,
    /// `access_token`.
    pub access_token: Option<String>,
    /// `refresh_token` (required by libhimmelblau, also on code redemption).
    pub refresh_token: Option<String>,
    /// `refresh_token_expires_in`, seconds; always a JSON number.
    pub refresh_token_expires_in: Option<u64>,
    /// `id_token`.
    pub id_token: Option<String>,
    /// `client_info` (see [`super::ClientInfo::encode`]).
    pub client_info: Option<String>,
    /// `foci` family id, `"1"`.
    pub foci: Option<String>,
    /// Encoding of the four time fields (not a wire field).
    pub encoding: NumberEncoding,
}

impl TokenResponse {
    /// An empty `Bearer` response in the shape of the given endpoint version.
    pub fn bearer(encoding: impl Into<NumberEncoding>) -> Self {
        Self {
            token_type: String::from("Bearer"),
            scope: None,
            expires_in: None,
            ext_expires_in: None,
            expires_on: None,
            not_before: None,
            resource: None,
            access_token: None,
            refresh_token: None,
            refresh_token_expires_in: None,
            id_token: None,
            client_info: None,
            foci: None,
            encoding: encoding.into(),
        }
    }

    /// Sets `expires_in`, `ext_expires_in` (same value), `expires_on` and `not_before` from
    /// the issue time and lifetime.
    pub fn with_lifetime(mut self, issued_at_unix: u64, lifetime_secs: u64) -> Self {
        self.expires_in = Some(lifetime_secs);
        self.ext_expires_in = Some(lifetime_secs);
        self.expires_on = Some(issued_at_unix.saturating_add(lifetime_secs));
        self.not_before = Some(issued_at_unix);
        self
    }

    /// The JSON body. Serialising this type cannot fail; `{}` is the unreachable fallback.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| String::from("{}"))
    }
}

impl fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hide = |t: &Option<String>| t.as_ref().map(|_| "…");
        f.debug_struct("TokenResponse")
            .field("token_type", &self.token_type)
            .field("scope", &self.scope)
            .field("expires_in", &self.expires_in)
            .field("ext_expires_in", &self.ext_expires_in)
            .field("expires_on", &self.expires_on)
            .field("not_before", &self.not_before)
            .field("resource", &self.resource)
            .field("access_token", &hide(&self.access_token))
            .field("refresh_token", &hide(&self.refresh_token))
            .field("refresh_token_expires_in", &self.refresh_token_expires_in)
            .field("id_token", &hide(&self.id_token))
            .field("client_info", &self.client_info)
            .field("foci", &self.foci)
            .field("encoding", &self.encoding)
            .finish()
    }
}

impl Serialize for TokenResponse {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("token_type", &self.token_type)?;
        let text = |m: &mut S::SerializeMap, k: &str, v: &Option<String>| match v {
            Some(v) => m.serialize_entry(k, v),
            None => Ok(()),
        };
        let time = |m: &mut S::SerializeMap, k: &str, v: Option<u64>| match (v, self.encoding) {
            (Some(v), NumberEncoding::Numbers) => m.serialize_entry(k, &v),
            (Some(v), NumberEncoding::Strings) => m.serialize_entry(k, &v.to_string()),
            (None, _) => Ok(()),
        };
        text(&mut m, "scope", &self.scope)?;
        time(&mut m, "expires_in", self.expires_in)?;
        time(&mut m, "ext_expires_in", self.ext_expires_in)?;
        time(&mut m, "expires_on", self.expires_on)?;
        time(&mut m, "not_before", self.not_before)?;
        text(&mut m, "resource", &self.resource)?;
        text(&mut m, "access_token", &self.access_token)?;
        text(&mut m, "refresh_token", &self.refresh_token)?;
        if let Some(v) = self.refresh_token_expires_in {
            m.serialize_entry("refresh_token_expires_in", &v)?;
        }
        text(&mut m, "id_token", &self.id_token)?;
        text(&mut m, "client_info", &self.client_info)?;
        text(&mut m, "foci", &self.foci)?;
        m.end()
    }
}

#[derive(Deserialize)]
struct Raw {
    token_type: String,
    scope: Option<String>,
    expires_in: Option<NumOrStr>,
    ext_expires_in: Option<NumOrStr>,
    expires_on: Option<NumOrStr>,
    not_before: Option<NumOrStr>,
    resource: Option<String>,
    access_token: Option<String>,
    refresh_token: Option<String>,
    refresh_token_expires_in: Option<NumOrStr>,
    id_token: Option<String>,
    client_info: Option<String>,
    foci: Option<NumOrStr>,
}

impl<'de> Deserialize<'de> for TokenResponse {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = Raw::deserialize(d)?;
        let times = [
            &raw.expires_in,
            &raw.ext_expires_in,
            &raw.expires_on,
            &raw.not_before,
        ];
        let encoding = if times
            .iter()
            .any(|t| t.as_ref().is_some_and(NumOrStr::was_string))
        {
            NumberEncoding::Strings
        } else {
            NumberEncoding::Numbers
        };
        let num = |v: Option<NumOrStr>| v.map(|v| v.to_u64::<D::Error>()).transpose();
        Ok(Self {
            token_type: raw.token_type,
            scope: raw.scope,
            expires_in: num(raw.expires_in)?,
            ext_expires_in: num(raw.ext_expires_in)?,
            expires_on: num(raw.expires_on)?,
            not_before: num(raw.not_before)?,
            resource: raw.resource,
            access_token: raw.access_token,
            refresh_token: raw.refresh_token,
            refresh_token_expires_in: num(raw.refresh_token_expires_in)?,
            id_token: raw.id_token,
            client_info: raw.client_info,
            foci: raw.foci.map(|f| match f {
                NumOrStr::Text(s) => s,
                NumOrStr::Unsigned(n) => n.to_string(),
                NumOrStr::Signed(n) => n.to_string(),
            }),
            encoding,
        })
    }
}
