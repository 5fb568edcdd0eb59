//! Case-insensitive member lookup in JSON objects, and the tolerant base64 of DRS bodies.
//!
//! Entra accepts DRS member names in any case (roadtx sends `attributes`, libhimmelblau
//! `Attributes`), so bodies are parsed into a `serde_json::Value` and members are looked
//! up ignoring ASCII case. Two members that differ only in case are ambiguous and refused.

use base64::Engine as _;
use serde_json::{Map, Value};

use crate::wire::B64STD;

/// Two members of one object whose names differ only in case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ambiguous;

/// The member `name` of `obj`, ignoring ASCII case; [`Ambiguous`] when more than one
/// member matches.
pub(crate) fn member<'a>(
    obj: &'a Map<String, Value>,
    name: &str,
) -> Result<Option<&'a Value>, Ambiguous> {
    let mut found = None;
    for (key, value) in obj {
        if key.eq_ignore_ascii_case(name) {
            if found.is_some() {
                return Err(Ambiguous);
            }
            found = Some(value);
        }
    }
    Ok(found)
}

/// Standard-alphabet base64 with or without `=` padding; ASCII whitespace (line breaks
/// from wrapping encoders) is ignored.
pub(crate) fn decode_std_b64(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    if text.bytes().any(|b| b.is_ascii_whitespace()) {
        let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        B64STD.decode(compact)
    } else {
        B64STD.decode(text)
    }
}

/// Standard, padded base64 (`RawBody`, `kngc`).
pub(crate) fn encode_std_b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn finds_members_in_any_case_and_refuses_ambiguity() {
        let obj = json!({"Attributes": 1, "joinType": 2, "a": 3, "A": 4});
        let Value::Object(map) = obj else { return };
        assert_eq!(member(&map, "attributes"), Ok(Some(&json!(1))));
        assert_eq!(member(&map, "JoinType"), Ok(Some(&json!(2))));
        assert_eq!(member(&map, "missing"), Ok(None));
        assert_eq!(member(&map, "a"), Err(Ambiguous));
    }

    #[test]
    fn base64_tolerates_missing_padding_and_line_breaks() {
        assert_eq!(
            decode_std_b64("+//+AQ==").ok(),
            Some(vec![0xfb, 0xff, 0xfe, 0x01])
        );
        assert_eq!(
            decode_std_b64("+//+AQ").ok(),
            Some(vec![0xfb, 0xff, 0xfe, 0x01])
        );
        assert_eq!(
            decode_std_b64("+//+\r\nAQ==").ok(),
            Some(vec![0xfb, 0xff, 0xfe, 0x01])
        );
        assert!(decode_std_b64("-__-AQ").is_err());
        assert!(decode_std_b64("A").is_err());
        assert_eq!(encode_std_b64(&[0xfb, 0xff, 0xfe, 0x01]), "+//+AQ==");
    }
}
