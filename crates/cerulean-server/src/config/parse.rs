//! TOML parsing: typed fields with friendly messages, and parse errors turned into one
//! line that says where (line, column, key) and what.

use std::net::SocketAddr;

use serde::{Deserialize, Deserializer};

use super::{Config, ConfigError};

/// What a socket address looks like; shared by the file and the environment parsers.
pub(super) const SOCKET_ADDR_HINT: &str = "not a socket address like 127.0.0.1:8443";

pub(super) fn from_toml_str(text: &str, source_name: &str) -> Result<Config, ConfigError> {
    let mut config: Config = toml::from_str(text).map_err(|e| {
        let (line, column, key) = match e.span() {
            Some(span) => locate(text, span),
            None => (0, 0, None),
        };
        ConfigError::Parse {
            source_name: source_name.to_owned(),
            line,
            column,
            key,
            message: e.message().trim().to_owned(),
        }
    })?;
    config.origin.file = Some(source_name.to_owned());
    Ok(config)
}

pub(super) fn parse_socket_addr(text: &str) -> Option<SocketAddr> {
    text.trim().parse().ok()
}

pub(super) fn socket_addr<'de, D: Deserializer<'de>>(d: D) -> Result<SocketAddr, D::Error> {
    let text = String::deserialize(d)?;
    parse_socket_addr(&text).ok_or_else(|| serde::de::Error::custom(SOCKET_ADDR_HINT))
}

pub(super) fn opt_socket_addr<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<SocketAddr>, D::Error> {
    socket_addr(d).map(Some)
}

/// 1-based line and column of `span.start`, and a description of the offending entry:
/// `section.key`, plus ` = <value as written>` when the error is about the value.
/// Values of `database.url` are never echoed: they can hold a password.
fn locate(text: &str, span: std::ops::Range<usize>) -> (usize, usize, Option<String>) {
    let start = floor_char_boundary(text, span.start);
    let before = &text[..start];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.matches('\n').count() + 1;
    let column = before[line_start..].chars().count() + 1;
    let line_end = text[line_start..]
        .find('\n')
        .map_or(text.len(), |i| line_start + i);
    let line_text = &text[line_start..line_end];

    let section = before[..line_start].lines().rev().find_map(|l| {
        let l = l.trim();
        l.starts_with('[')
            .then(|| l.trim_matches(|c| c == '[' || c == ']').trim().to_owned())
    });
    let Some((key, _)) = line_text.split_once('=') else {
        return (line, column, section);
    };
    let key = key.trim().trim_matches('"');
    if key.is_empty() || key.starts_with('[') || key.starts_with('#') {
        return (line, column, section);
    }
    let path = match section {
        Some(section) if !section.is_empty() => format!("{section}.{key}"),
        _ => key.to_owned(),
    };
    let eq_at = line_start + line_text.find('=').unwrap_or(0);
    let value_error = start > eq_at;
    let described = if value_error && path != "database.url" {
        let end = floor_char_boundary(text, span.end.min(line_end)).max(start);
        let value: String = text[start..end].chars().take(100).collect();
        format!("{path} = {value}")
    } else {
        path
    };
    (line, column, Some(described))
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    index = index.min(text.len());
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}
