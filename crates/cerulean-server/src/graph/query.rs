//! OData system query options: `$filter` (see [`super::filter`]), `$top` (1–999),
//! `$count`, `$skiptoken` (our own opaque paging cursor) and `$select`; and the
//! `@odata.nextLink` that carries the request's own options on to the next page.
//!
//! Options other than these that start with `$` (`$orderby`, `$search`, `$expand`, …)
//! are a 400 `Request_UnsupportedQuery`; other parameters are ignored, as in Graph. Each
//! option may appear once.

use cerulean_crypto::b64::{b64url_decode, b64url_encode};
use cerulean_directory::{DeviceObjectId, DeviceQuery};
use cerulean_proto::oauth2::parse_form_body;
use uuid::Uuid;

use super::error::{GraphError, quoted};
use super::filter::{self, DeviceFilter};

/// What the options may apply to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// A collection: every option.
    Collection,
    /// One object: only `$select`.
    Entity,
}

/// The parsed options.
#[derive(Debug, Clone, Default)]
pub struct QueryOptions {
    pub filter: Option<DeviceFilter>,
    /// Page size, 1–999.
    pub top: Option<u32>,
    pub count: bool,
    /// Where the page starts (from `$skiptoken`).
    pub after: Option<DeviceObjectId>,
    /// Property names to return (as the client spelled them; matched case-insensitively).
    pub select: Option<Vec<String>>,
    /// The raw `name=value` pairs other than `$skiptoken`, as sent, for the next link.
    carried: Vec<String>,
}

/// Version tag of our skip tokens.
const SKIPTOKEN_TAG: &[u8] = b"cd1";

impl QueryOptions {
    /// Parses the raw query string.
    pub fn parse(raw: Option<&str>, target: Target) -> Result<Self, GraphError> {
        let mut out = Self::default();
        let mut seen: Vec<String> = Vec::new();
        for piece in raw.unwrap_or_default().split('&').filter(|p| !p.is_empty()) {
            let Some((name, value)) = parse_form_body(piece.as_bytes()).into_iter().next() else {
                continue;
            };
            let lower = name.to_ascii_lowercase();
            if !lower.starts_with('$') {
                out.carried.push(piece.to_owned());
                continue;
            }
            if seen.contains(&lower) {
                return Err(GraphError::bad_request(format!(
                    "Query option '{}' was specified more than once, but it must be \
                     specified at most once.",
                    quoted(&name)
                )));
            }
            seen.push(lower.clone());
            if target == Target::Entity && lower != "$select" {
                return Err(GraphError::unsupported_query(format!(
                    "The query option '{}' is not supported when reading one object; only \
                     $select is.",
                    quoted(&name)
                )));
            }
            match lower.as_str() {
                "$filter" => out.filter = Some(filter::parse(&value)?),
                "$top" => out.top = Some(parse_top(&value)?),
                "$count" => out.count = parse_bool("$count", &value)?,
                "$skiptoken" => {
                    out.after = Some(decode_skiptoken(&value)?);
                    continue;
                }
                "$select" => out.select = Some(parse_select(&value)?),
                "$orderby" | "$search" | "$expand" | "$skip" | "$format" | "$apply" | "$levels"
                | "$compute" | "$index" | "$deltatoken" => {
                    return Err(GraphError::unsupported_query(format!(
                        "The query option '{}' is not supported on this resource.",
                        quoted(&name)
                    )));
                }
                _ => {
                    return Err(GraphError::bad_request(format!(
                        "The query parameter '{}' is not supported.",
                        quoted(&name)
                    )));
                }
            }
            out.carried.push(piece.to_owned());
        }
        Ok(out)
    }

    /// The directory query for these options (without the filter's `matches_nothing`).
    pub fn device_query(&self) -> DeviceQuery {
        let filter = self.filter.clone().unwrap_or_default();
        DeviceQuery {
            device_id: filter.device_id,
            display_name: filter.display_name,
            trust_type: filter.trust_type,
            enabled: filter.enabled,
            operating_system: filter.operating_system,
            top: self.top.unwrap_or(DeviceQuery::DEFAULT_TOP),
            after: self.after,
            with_count: self.count,
            ..DeviceQuery::default()
        }
    }

    /// Whether the filter can match nothing at all.
    pub fn matches_nothing(&self) -> bool {
        self.filter.as_ref().is_some_and(|f| f.matches_nothing)
    }

    /// `{collection_url}?{the request's options}&$skiptoken=…` for the page after `next`.
    pub fn next_link(&self, collection_url: &str, next: DeviceObjectId) -> String {
        let mut pairs = self.carried.clone();
        pairs.push(format!("$skiptoken={}", encode_skiptoken(next)));
        format!("{collection_url}?{}", pairs.join("&"))
    }
}

fn parse_top(value: &str) -> Result<u32, GraphError> {
    value
        .trim()
        .parse::<u32>()
        .ok()
        .filter(|n| (1..=DeviceQuery::MAX_TOP).contains(n))
        .ok_or_else(|| {
            GraphError::unsupported_query(format!(
                "Invalid page size specified: '{}'. Must be between 1 and {} inclusive.",
                quoted(value),
                DeviceQuery::MAX_TOP
            ))
        })
}

fn parse_bool(name: &str, value: &str) -> Result<bool, GraphError> {
    match value.trim() {
        v if v.eq_ignore_ascii_case("true") => Ok(true),
        v if v.eq_ignore_ascii_case("false") => Ok(false),
        v => Err(GraphError::unsupported_query(format!(
            "Invalid value '{}' for {name}: use true or false.",
            quoted(v)
        ))),
    }
}

fn parse_select(value: &str) -> Result<Vec<String>, GraphError> {
    let names: Vec<String> = value
        .split(',')
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .collect();
    if names.is_empty() || names.len() > 64 {
        return Err(GraphError::bad_request(
            "$select must name 1 to 64 properties, separated by commas.",
        ));
    }
    Ok(names)
}

/// The opaque cursor: base64url of a version tag and the last object id's bytes.
fn encode_skiptoken(after: DeviceObjectId) -> String {
    let mut bytes = SKIPTOKEN_TAG.to_vec();
    bytes.extend_from_slice(after.0.as_bytes());
    b64url_encode(&bytes)
}

fn decode_skiptoken(token: &str) -> Result<DeviceObjectId, GraphError> {
    let invalid = || {
        GraphError::bad_request(
            "The $skiptoken is not valid: follow @odata.nextLink as returned, unchanged.",
        )
    };
    let bytes = b64url_decode(token.trim()).map_err(|_| invalid())?;
    let id = bytes.strip_prefix(SKIPTOKEN_TAG).ok_or_else(invalid)?;
    let id = Uuid::from_slice(id).map_err(|_| invalid())?;
    Ok(DeviceObjectId(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_parse_and_carry_into_the_next_link() {
        let q = QueryOptions::parse(
            Some("$top=2&$count=true&$filter=trustType%20eq%20'AzureAd'&api=1"),
            Target::Collection,
        )
        .unwrap();
        assert_eq!(q.top, Some(2));
        assert!(q.count);
        assert!(q.filter.is_some());
        let next = DeviceObjectId::random();
        let link = q.next_link("https://h/v1.0/devices", next);
        assert!(link.starts_with(
            "https://h/v1.0/devices?$top=2&$count=true&$filter=trustType%20eq%20'AzureAd'&api=1&$skiptoken="
        ));
        let token = link.rsplit_once("$skiptoken=").unwrap().1;
        let again = QueryOptions::parse(
            Some(&format!("$top=2&$skiptoken={token}")),
            Target::Collection,
        )
        .unwrap();
        assert_eq!(again.after, Some(next));
        // The old token is replaced, not repeated.
        let link = again.next_link("u", next);
        assert_eq!(link.matches("$skiptoken").count(), 1, "{link}");
    }

    #[test]
    fn bad_options_are_400s() {
        let code = |q: &str, t: Target| QueryOptions::parse(Some(q), t).unwrap_err().code;
        for q in [
            "$top=0",
            "$top=1000",
            "$top=abc",
            "$top=-1",
            "$orderby=displayName",
        ] {
            assert_eq!(
                code(q, Target::Collection),
                "Request_UnsupportedQuery",
                "{q}"
            );
        }
        assert_eq!(
            code("$count=maybe", Target::Collection),
            "Request_UnsupportedQuery"
        );
        assert_eq!(
            code("$top=1&$TOP=2", Target::Collection),
            "Request_BadRequest"
        );
        assert_eq!(
            code("$skiptoken=xyz", Target::Collection),
            "Request_BadRequest"
        );
        assert_eq!(code("$frob=1", Target::Collection), "Request_BadRequest");
        assert_eq!(code("$top=1", Target::Entity), "Request_UnsupportedQuery");
        assert!(QueryOptions::parse(Some("$select=id,deviceId"), Target::Entity).is_ok());
    }
}
