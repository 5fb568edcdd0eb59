//! Checks that serde cannot express. Each failure names the key, shows the value and
//! says what would be accepted.

use super::{Config, ConfigError};
use crate::host::{is_valid_host, split_host_port};

/// Upper bound on Argon2 memory a configuration may ask for (1 GiB, the same bound the
/// hasher applies to stored hashes).
const MAX_ARGON2_MEMORY_KIB: u32 = 1024 * 1024;

pub(super) fn validate(config: &Config) -> Result<(), ConfigError> {
    let invalid = |key: &'static str, value: String, reason: &str| ConfigError::Invalid {
        source_name: config.source_of(key).to_owned(),
        key,
        value,
        reason: reason.to_owned(),
    };
    let s = &config.server;

    if let Some(http) = s.http_listen {
        if http == s.listen && http.port() != 0 {
            return Err(invalid(
                "server.http_listen",
                format!("{:?}", http.to_string()),
                "must differ from server.listen (the HTTPS listener); pick another port",
            ));
        }
    }
    if s.hosts.is_empty() {
        return Err(invalid(
            "server.hosts",
            "[]".to_owned(),
            "list at least one host name or IP address, e.g. [\"localhost\", \"127.0.0.1\"]",
        ));
    }
    for host in &s.hosts {
        if !is_valid_host(host) {
            return Err(invalid(
                "server.hosts",
                format!("{host:?}"),
                "not a host name or IP address; use names like login.contoso.test (a leading *. is allowed) or literals like 127.0.0.1, without scheme or port",
            ));
        }
    }
    if let Some(url) = &s.public_url {
        if let Err(reason) = check_public_url(url) {
            return Err(invalid("server.public_url", format!("{url:?}"), reason));
        }
    }
    if s.max_body_bytes < 1024 {
        return Err(invalid(
            "server.max_body_bytes",
            s.max_body_bytes.to_string(),
            "must be at least 1024 (bytes); the default is 262144",
        ));
    }
    if !(1..=3600).contains(&s.request_timeout_secs) {
        return Err(invalid(
            "server.request_timeout_secs",
            s.request_timeout_secs.to_string(),
            "must be between 1 and 3600 (seconds)",
        ));
    }
    if s.shutdown_grace_secs > 3600 {
        return Err(invalid(
            "server.shutdown_grace_secs",
            s.shutdown_grace_secs.to_string(),
            "must be at most 3600 (seconds)",
        ));
    }

    let t = &config.tls;
    match (&t.cert_file, &t.key_file) {
        (Some(_), None) => {
            return Err(invalid(
                "tls.key_file",
                "(not set)".to_owned(),
                "set it together with tls.cert_file, or remove both to use a generated certificate",
            ));
        }
        (None, Some(_)) => {
            return Err(invalid(
                "tls.cert_file",
                "(not set)".to_owned(),
                "set it together with tls.key_file, or remove both to use a generated certificate",
            ));
        }
        _ => {}
    }

    if let Some(url) = &config.database.url {
        // A bare path means an SQLite file, as `cerulean_store::open_store` reads it.
        let lower = url.to_ascii_lowercase();
        let known = ["sqlite:", "postgres://", "postgresql://"]
            .iter()
            .any(|p| lower.starts_with(p));
        if !known && lower.contains("://") {
            return Err(invalid(
                "database.url",
                format!("{:?}", redact_url(url)),
                "use sqlite://PATH, a file path, or postgres://USER@HOST/DB",
            ));
        }
    }
    if config.data.dir.as_os_str().is_empty() {
        return Err(invalid(
            "data.dir",
            "\"\"".to_owned(),
            "give a directory, e.g. ./cerulean-data",
        ));
    }

    let level = &config.log.level;
    if level.trim().is_empty()
        || !level
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_=,:.-".contains(c))
    {
        return Err(invalid(
            "log.level",
            format!("{level:?}"),
            "use error, warn, info, debug or trace, or a filter like \"info,cerulean_server=debug\"",
        ));
    }

    let sec = &config.security;
    if !(1..=64).contains(&sec.argon2_parallelism) {
        return Err(invalid(
            "security.argon2_parallelism",
            sec.argon2_parallelism.to_string(),
            "must be between 1 and 64; the default is 1",
        ));
    }
    if !(1..=64).contains(&sec.argon2_iterations) {
        return Err(invalid(
            "security.argon2_iterations",
            sec.argon2_iterations.to_string(),
            "must be between 1 and 64; the default is 2",
        ));
    }
    let min_memory = 8 * sec.argon2_parallelism;
    if sec.argon2_memory_kib < min_memory || sec.argon2_memory_kib > MAX_ARGON2_MEMORY_KIB {
        return Err(invalid(
            "security.argon2_memory_kib",
            sec.argon2_memory_kib.to_string(),
            &format!(
                "must be between {min_memory} (8 per lane) and {MAX_ARGON2_MEMORY_KIB}; the default is 19456"
            ),
        ));
    }
    validate_authority(config)
}

/// Token lifetimes and key rotation: each within a range that keeps the protocol sane
/// (clients refresh before expiry; device-code users need minutes, not seconds).
fn validate_authority(config: &Config) -> Result<(), ConfigError> {
    let a = &config.authority;
    let checks: [(&'static str, u64, u64, u64, &str); 7] = [
        (
            "authority.access_token_lifetime_secs",
            a.access_token_lifetime_secs,
            300,
            86_400,
            "seconds; the default is 3600",
        ),
        (
            "authority.id_token_lifetime_secs",
            a.id_token_lifetime_secs,
            300,
            86_400,
            "seconds; the default is 3600",
        ),
        (
            "authority.refresh_token_lifetime_days",
            a.refresh_token_lifetime_days,
            1,
            365,
            "days; the default is 90",
        ),
        (
            "authority.auth_code_lifetime_secs",
            a.auth_code_lifetime_secs,
            30,
            3600,
            "seconds; the default is 600",
        ),
        (
            "authority.device_code_lifetime_secs",
            a.device_code_lifetime_secs,
            60,
            3600,
            "seconds; the default is 900",
        ),
        (
            "authority.device_code_interval_secs",
            a.device_code_interval_secs,
            1,
            60,
            "seconds; the default is 5",
        ),
        (
            "authority.key_rotation_days",
            a.key_rotation_days,
            1,
            3650,
            "days; the default is 30",
        ),
    ];
    for (key, value, min, max, unit) in checks {
        if !(min..=max).contains(&value) {
            return Err(ConfigError::Invalid {
                source_name: config.source_of(key).to_owned(),
                key,
                value: value.to_string(),
                reason: format!("must be between {min} and {max} ({unit})"),
            });
        }
    }
    Ok(())
}

/// `http(s)://host[:port]` with at most a trailing `/`.
fn check_public_url(url: &str) -> Result<(), &'static str> {
    const HINT: &str = "use a base URL like https://login.contoso.test or https://login.contoso.test:8443, without path, query or user name";
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or(HINT)?;
    let authority = rest.strip_suffix('/').unwrap_or(rest);
    split_host_port(authority).map(|_| ()).ok_or(HINT)
}

/// Hides the user info (and so any password) in `scheme://user:password@host/…`.
pub(super) fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://***{}", &rest[at..]),
        None => url.to_owned(),
    }
}
