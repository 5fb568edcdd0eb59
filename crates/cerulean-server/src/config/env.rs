//! `CERULEAN_*` environment overrides, applied after the file. Container deployments set
//! these instead of mounting a file.

use std::path::PathBuf;

use super::parse::{SOCKET_ADDR_HINT, parse_socket_addr};
use super::{Config, ConfigError, LogFormat};

pub(super) fn apply(
    config: &mut Config,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<(), ConfigError> {
    let mut get = |var: &'static str, key: &'static str| -> Option<String> {
        let value = lookup(var)?;
        config.origin.overrides.insert(key, var.to_owned());
        Some(value)
    };
    // Collect first: `get` borrows `config.origin` mutably.
    let listen = get("CERULEAN_LISTEN", "server.listen");
    let http_listen = get("CERULEAN_HTTP_LISTEN", "server.http_listen");
    let hosts = get("CERULEAN_HOSTS", "server.hosts");
    let public_url = get("CERULEAN_PUBLIC_URL", "server.public_url");
    let data_dir = get("CERULEAN_DATA_DIR", "data.dir");
    let database_url = get("CERULEAN_DATABASE_URL", "database.url");
    let log_level = get("CERULEAN_LOG_LEVEL", "log.level");
    let log_format = get("CERULEAN_LOG_FORMAT", "log.format");
    let cert_file = get("CERULEAN_TLS_CERT_FILE", "tls.cert_file");
    let key_file = get("CERULEAN_TLS_KEY_FILE", "tls.key_file");
    let argon2_memory = get("CERULEAN_ARGON2_MEMORY_KIB", "security.argon2_memory_kib");
    let access_lifetime = get(
        "CERULEAN_ACCESS_TOKEN_LIFETIME_SECS",
        "authority.access_token_lifetime_secs",
    );
    let refresh_lifetime = get(
        "CERULEAN_REFRESH_TOKEN_LIFETIME_DAYS",
        "authority.refresh_token_lifetime_days",
    );
    let rotation = get("CERULEAN_KEY_ROTATION_DAYS", "authority.key_rotation_days");

    if let Some(v) = listen {
        config.server.listen = socket_addr("CERULEAN_LISTEN", "server.listen", &v)?;
    }
    if let Some(v) = http_listen {
        // An empty value (or `off`) turns a listener from the file off.
        config.server.http_listen = match v.trim() {
            "" | "off" | "none" => None,
            _ => Some(socket_addr(
                "CERULEAN_HTTP_LISTEN",
                "server.http_listen",
                &v,
            )?),
        };
    }
    if let Some(v) = hosts {
        config.server.hosts = v
            .split(',')
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .map(str::to_owned)
            .collect();
    }
    if let Some(v) = public_url {
        config.server.public_url = non_empty(v);
    }
    if let Some(v) = data_dir {
        config.data.dir = PathBuf::from(v);
    }
    if let Some(v) = database_url {
        config.database.url = non_empty(v);
    }
    if let Some(v) = log_level {
        config.log.level = v;
    }
    if let Some(v) = log_format {
        config.log.format = match v.trim().to_ascii_lowercase().as_str() {
            "text" => LogFormat::Text,
            "json" => LogFormat::Json,
            _ => {
                return Err(ConfigError::Invalid {
                    source_name: "CERULEAN_LOG_FORMAT".to_owned(),
                    key: "log.format",
                    value: format!("{v:?}"),
                    reason: "use \"text\" or \"json\"".to_owned(),
                });
            }
        };
    }
    if let Some(v) = cert_file {
        config.tls.cert_file = non_empty(v).map(PathBuf::from);
    }
    if let Some(v) = key_file {
        config.tls.key_file = non_empty(v).map(PathBuf::from);
    }
    if let Some(v) = argon2_memory {
        config.security.argon2_memory_kib = v.trim().parse().map_err(|_| ConfigError::Invalid {
            source_name: "CERULEAN_ARGON2_MEMORY_KIB".to_owned(),
            key: "security.argon2_memory_kib",
            value: format!("{v:?}"),
            reason: "a whole number of KiB, e.g. 19456".to_owned(),
        })?;
    }
    if let Some(v) = access_lifetime {
        config.authority.access_token_lifetime_secs = whole_number(
            "CERULEAN_ACCESS_TOKEN_LIFETIME_SECS",
            "authority.access_token_lifetime_secs",
            &v,
            "a whole number of seconds, e.g. 3600",
        )?;
    }
    if let Some(v) = refresh_lifetime {
        config.authority.refresh_token_lifetime_days = whole_number(
            "CERULEAN_REFRESH_TOKEN_LIFETIME_DAYS",
            "authority.refresh_token_lifetime_days",
            &v,
            "a whole number of days, e.g. 90",
        )?;
    }
    if let Some(v) = rotation {
        config.authority.key_rotation_days = whole_number(
            "CERULEAN_KEY_ROTATION_DAYS",
            "authority.key_rotation_days",
            &v,
            "a whole number of days, e.g. 30",
        )?;
    }
    Ok(())
}

fn whole_number(var: &str, key: &'static str, value: &str, hint: &str) -> Result<u64, ConfigError> {
    value.trim().parse().map_err(|_| ConfigError::Invalid {
        source_name: var.to_owned(),
        key,
        value: format!("{value:?}"),
        reason: hint.to_owned(),
    })
}

fn socket_addr(
    var: &str,
    key: &'static str,
    value: &str,
) -> Result<std::net::SocketAddr, ConfigError> {
    parse_socket_addr(value).ok_or_else(|| ConfigError::Invalid {
        source_name: var.to_owned(),
        key,
        value: format!("{value:?}"),
        reason: SOCKET_ADDR_HINT.to_owned(),
    })
}

fn non_empty(value: String) -> Option<String> {
    (!value.trim().is_empty()).then_some(value)
}
