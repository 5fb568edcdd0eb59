//! Shared serde helpers for wire quirks: integers that arrive as numbers or numeric strings,
//! and base64url without padding.

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde::{Deserialize, Deserializer};

/// base64url: emits no padding, accepts input with or without it.
pub(crate) const B64URL: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Standard base64 (HTTP Basic credentials): accepts input with or without padding.
pub(crate) const B64STD: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

pub(crate) fn b64url_encode(bytes: &[u8]) -> String {
    B64URL.encode(bytes)
}

pub(crate) fn b64url_decode(text: &str) -> Result<Vec<u8>, base64::DecodeError> {
    B64URL.decode(text.trim())
}

/// An integer as some client sent it: a JSON number or a string of digits.
#[derive(Deserialize)]
#[serde(untagged)]
pub(crate) enum NumOrStr {
    Unsigned(u64),
    Signed(i64),
    Text(String),
}

impl NumOrStr {
    /// Whether the value arrived as a string.
    pub(crate) fn was_string(&self) -> bool {
        matches!(self, Self::Text(_))
    }

    pub(crate) fn to_u64<E: serde::de::Error>(&self) -> Result<u64, E> {
        match self {
            Self::Unsigned(n) => Ok(*n),
            Self::Signed(n) => u64::try_from(*n).map_err(|_| E::custom("negative integer")),
            Self::Text(s) => s
                .trim()
                .parse()
                .map_err(|_| E::custom("expected an unsigned integer or a numeric string")),
        }
    }

    pub(crate) fn to_i64<E: serde::de::Error>(&self) -> Result<i64, E> {
        match self {
            Self::Unsigned(n) => i64::try_from(*n).map_err(|_| E::custom("integer too large")),
            Self::Signed(n) => Ok(*n),
            Self::Text(s) => s
                .trim()
                .parse()
                .map_err(|_| E::custom("expected an integer or a numeric string")),
        }
    }
}

pub(crate) fn de_u64<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    NumOrStr::deserialize(d)?.to_u64()
}

pub(crate) fn de_i64<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    NumOrStr::deserialize(d)?.to_i64()
}

pub(crate) fn de_opt_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Option::<NumOrStr>::deserialize(d)?
        .map(|v| v.to_i64())
        .transpose()
}

pub(crate) fn de_opt_u32<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    Option::<NumOrStr>::deserialize(d)?
        .map(|v| {
            let n = v.to_u64()?;
            u32::try_from(n).map_err(|_| serde::de::Error::custom("integer too large"))
        })
        .transpose()
}

/// A list that some clients send as a bare string (`x5c`, `amr` in the wild).
#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

pub(crate) fn de_opt_string_list<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Vec<String>>, D::Error> {
    Ok(Option::<OneOrMany>::deserialize(d)?.map(|v| match v {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
    }))
}
