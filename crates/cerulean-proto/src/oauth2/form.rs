//! `application/x-www-form-urlencoded` parameter sets with the limits every endpoint applies.
//!
//! RFC 6749 §3.2/§3.1: parameters must not repeat; parameters sent without a value are
//! treated as omitted. Cerulean also bounds every value (16 KiB, 64 KiB for the JWT/SAML
//! carrying parameters) so that one field cannot make the server buffer megabytes.

use crate::aadsts;
use crate::oauth2::OAuthError;
use std::collections::HashMap;

/// Longest value accepted for an ordinary parameter (bytes).
pub const MAX_VALUE_LEN: usize = 16 * 1024;
/// Longest value accepted for `request`, `assertion` and `refresh_token` (bytes).
pub const MAX_LARGE_VALUE_LEN: usize = 64 * 1024;
/// Longest parameter name accepted (bytes).
pub const MAX_NAME_LEN: usize = 256;

/// Parameters whose values may be up to [`MAX_LARGE_VALUE_LEN`].
const LARGE: &[&str] = &["request", "assertion", "refresh_token"];

/// A validated parameter set: the parameters an endpoint knows, each at most once, bounded in
/// size; unknown parameters are dropped after the size check.
#[derive(Debug, Default)]
pub(crate) struct Form {
    values: HashMap<&'static str, String>,
}

impl Form {
    /// Collects `known` parameters from `pairs`.
    pub(crate) fn collect<'a, I>(pairs: I, known: &[&'static str]) -> Result<Self, OAuthError>
    where
        I: IntoIterator<Item = (&'a str, &'a str)>,
    {
        let mut values = HashMap::new();
        for (name, value) in pairs {
            if name.len() > MAX_NAME_LEN {
                return Err(aadsts::malformed_request("A parameter name is too long."));
            }
            let limit = if LARGE.contains(&name) {
                MAX_LARGE_VALUE_LEN
            } else {
                MAX_VALUE_LEN
            };
            if value.len() > limit {
                return Err(aadsts::malformed_request(format_args!(
                    "The value of parameter '{}' exceeds {} bytes.",
                    name, limit
                )));
            }
            let Some(key) = known.iter().find(|k| **k == name) else {
                continue;
            };
            if values.insert(*key, value.to_owned()).is_some() {
                return Err(aadsts::malformed_request(format_args!(
                    "The parameter '{name}' is included more than once."
                )));
            }
        }
        values.retain(|_, v: &mut String| !v.is_empty());
        Ok(Self { values })
    }

    /// Removes and returns a parameter (empty values were already dropped).
    pub(crate) fn take(&mut self, name: &str) -> Option<String> {
        self.values.remove(name)
    }
}

/// Decodes a form body. Never fails: invalid percent escapes are kept literally and invalid
/// UTF-8 is replaced, as `form_urlencoded` does.
pub fn parse_form_body(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// Parses a boolean flag as clients spell it: `true`/`True`/`1` and `false`/`False`/`0`.
pub(crate) fn parse_flag(name: &str, value: Option<String>) -> Result<bool, OAuthError> {
    match value.as_deref() {
        None => Ok(false),
        Some(v) if v == "1" || v.eq_ignore_ascii_case("true") => Ok(true),
        Some(v) if v == "0" || v.eq_ignore_ascii_case("false") => Ok(false),
        Some(_) => Err(aadsts::malformed_request(format_args!(
            "The parameter '{name}' must be 'true' or 'false'."
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_of_known_parameters_are_rejected() {
        let pairs = [("a", "1"), ("a", "2")];
        let err = Form::collect(pairs, &["a"]).unwrap_err();
        assert_eq!(err.aadsts(), Some(9002313));
    }

    #[test]
    fn duplicates_of_unknown_parameters_are_ignored() {
        let pairs = [("x-client-SKU", "1"), ("x-client-SKU", "2")];
        assert!(Form::collect(pairs, &["a"]).is_ok());
    }

    #[test]
    fn empty_values_count_as_absent() {
        let mut form = Form::collect([("a", "")], &["a"]).unwrap();
        assert_eq!(form.take("a"), None);
    }

    #[test]
    fn flags() {
        assert!(parse_flag("tgt", Some("True".into())).unwrap());
        assert!(parse_flag("tgt", Some("true".into())).unwrap());
        assert!(parse_flag("client_info", Some("1".into())).unwrap());
        assert!(!parse_flag("tgt", None).unwrap());
        assert!(parse_flag("tgt", Some("yes".into())).is_err());
    }
}
