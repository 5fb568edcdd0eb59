//! `cerulean.toml`: what the operator can set, with a default for everything.
//!
//! Loading is three steps, each its own module: parse the file ([`parse`]), apply
//! `CERULEAN_*` environment overrides ([`env`]), then check values that serde cannot check
//! on its own ([`validate`]). Every error is one line that names where the bad value came
//! from (file, environment variable or command-line flag), the key, and what to do.

mod env;
mod error;
mod parse;
mod validate;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use cerulean_crypto::PasswordParams;
use serde::Deserialize;

pub use error::ConfigError;

/// The whole configuration. Every field has a default, so an empty file (or no file) is a
/// working loopback development server.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub server: ServerSettings,
    pub tls: TlsSettings,
    pub database: DatabaseSettings,
    pub data: DataSettings,
    pub log: LogSettings,
    pub security: SecuritySettings,
    pub authority: AuthoritySettings,
    /// Where each value came from, for error messages; not part of the file.
    #[serde(skip)]
    origin: Origin,
}

/// `[server]`: listeners, names and request limits.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    /// The HTTPS listener. Port 0 picks a free port (tests).
    #[serde(deserialize_with = "parse::socket_addr")]
    pub listen: SocketAddr,
    /// An optional plain-HTTP listener serving the same routes (only libhimmelblau's
    /// `http://` authority uses it). Off by default.
    #[serde(deserialize_with = "parse::opt_socket_addr")]
    pub http_listen: Option<SocketAddr>,
    /// Host names and IP addresses this server answers for: they go into the generated
    /// server certificate and are the only `Host` values trusted for published URLs.
    pub hosts: Vec<String>,
    /// Base URL to publish instead of one derived from the request, e.g. behind a
    /// reverse proxy: `https://login.contoso.test`.
    pub public_url: Option<String>,
    pub max_body_bytes: usize,
    pub request_timeout_secs: u64,
    pub shutdown_grace_secs: u64,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8443)),
            http_listen: None,
            hosts: vec!["localhost".to_owned(), "127.0.0.1".to_owned()],
            public_url: None,
            max_body_bytes: 256 * 1024,
            request_timeout_secs: 30,
            shutdown_grace_secs: 10,
        }
    }
}

impl ServerSettings {
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs)
    }

    pub fn shutdown_grace(&self) -> Duration {
        Duration::from_secs(self.shutdown_grace_secs)
    }
}

/// `[tls]`: operator certificates; without them a local CA is generated under the data
/// directory.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TlsSettings {
    /// PEM certificate chain (leaf first).
    pub cert_file: Option<PathBuf>,
    /// PEM private key (PKCS#8, PKCS#1 or SEC1).
    pub key_file: Option<PathBuf>,
    /// PEM CA certificates whose client certificates are accepted in addition to the
    /// tenants' device CAs.
    pub client_ca_file: Option<PathBuf>,
}

/// `[database]`.
#[derive(Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `sqlite://…`, a file path, or `postgres://…`; default: SQLite at
    /// `<data dir>/cerulean.db`.
    pub url: Option<String>,
}

/// A PostgreSQL URL can carry a password: `Debug` (and so any logged config) hides it.
impl std::fmt::Debug for DatabaseSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseSettings")
            .field("url", &self.url.as_deref().map(validate::redact_url))
            .finish()
    }
}

/// `[data]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DataSettings {
    /// Holds the SQLite database and the generated TLS material.
    pub dir: PathBuf,
}

impl Default for DataSettings {
    fn default() -> Self {
        Self {
            dir: PathBuf::from("./cerulean-data"),
        }
    }
}

/// `[log]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogSettings {
    /// A level (`info`) or a tracing filter directive (`info,cerulean_server=debug`).
    pub level: String,
    pub format: LogFormat,
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            level: "info".to_owned(),
            format: LogFormat::Text,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// `[security]`: Argon2id cost for password hashes (OWASP defaults).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SecuritySettings {
    pub argon2_memory_kib: u32,
    pub argon2_iterations: u32,
    pub argon2_parallelism: u32,
}

impl Default for SecuritySettings {
    fn default() -> Self {
        let p = PasswordParams::default();
        Self {
            argon2_memory_kib: p.memory_kib,
            argon2_iterations: p.iterations,
            argon2_parallelism: p.parallelism,
        }
    }
}

/// `[authority]`: token lifetimes and signing-key rotation.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthoritySettings {
    /// Access-token lifetime. Entra issues 60–90 minutes.
    pub access_token_lifetime_secs: u64,
    /// Id-token lifetime.
    pub id_token_lifetime_secs: u64,
    /// Refresh-token lifetime; each redemption issues a successor with a fresh lifetime.
    pub refresh_token_lifetime_days: u64,
    /// How long an authorization code may wait for redemption.
    pub auth_code_lifetime_secs: u64,
    /// How long a device code (and its user code) stays usable.
    pub device_code_lifetime_secs: u64,
    /// Minimum seconds between device-code polls.
    pub device_code_interval_secs: u64,
    /// A tenant's signing key is replaced after this many days.
    pub key_rotation_days: u64,
}

impl Default for AuthoritySettings {
    fn default() -> Self {
        Self {
            access_token_lifetime_secs: 3600,
            id_token_lifetime_secs: 3600,
            refresh_token_lifetime_days: 90,
            auth_code_lifetime_secs: 600,
            device_code_lifetime_secs: 900,
            device_code_interval_secs: 5,
            key_rotation_days: 30,
        }
    }
}

/// Where values came from: the file's name, and which keys an environment variable or
/// a command-line flag replaced.
#[derive(Debug, Clone, Default)]
struct Origin {
    file: Option<String>,
    overrides: BTreeMap<&'static str, String>,
}

impl Config {
    /// Reads `path` (an explicit path that does not exist is an error), or starts from the
    /// defaults when there is none; then applies `CERULEAN_*` overrides and validates.
    pub fn load(path: Option<&Path>) -> Result<Self, ConfigError> {
        let mut config = match path {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.to_owned(),
                    source,
                })?;
                Self::from_toml_str(&text, &path.display().to_string())?
            }
            None => Self::default(),
        };
        config
            .apply_env(|name| std::env::var_os(name).map(|v| v.to_string_lossy().into_owned()))?;
        config.validate()?;
        Ok(config)
    }

    /// Parses TOML text; `source_name` (usually the file name) appears in errors.
    /// Does not validate: call [`validate`](Self::validate).
    pub fn from_toml_str(text: &str, source_name: &str) -> Result<Self, ConfigError> {
        parse::from_toml_str(text, source_name)
    }

    /// Applies the `CERULEAN_*` overrides, reading variables through `lookup` (so tests
    /// need not touch the process environment).
    pub fn apply_env(
        &mut self,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<(), ConfigError> {
        env::apply(self, lookup)
    }

    /// Records that `key` (e.g. `server.listen`) was set by `source` (e.g. `--listen`), so
    /// that a validation error names the flag rather than the file.
    pub fn mark_overridden(&mut self, key: &'static str, source: impl Into<String>) {
        self.origin.overrides.insert(key, source.into());
    }

    /// Checks what serde cannot: host names, URLs, ranges, and settings that only make
    /// sense together.
    pub fn validate(&self) -> Result<(), ConfigError> {
        validate::validate(self)
    }

    /// The database URL to open: the configured one, or SQLite in the data directory.
    pub fn database_url(&self) -> String {
        match &self.database.url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}", self.data.dir.join("cerulean.db").display()),
        }
    }

    /// Where generated TLS material lives.
    pub fn tls_dir(&self) -> PathBuf {
        self.data.dir.join("tls")
    }

    /// The Argon2id parameters for new password hashes.
    pub fn password_params(&self) -> PasswordParams {
        PasswordParams {
            memory_kib: self.security.argon2_memory_kib,
            iterations: self.security.argon2_iterations,
            parallelism: self.security.argon2_parallelism,
        }
    }

    /// A commented `cerulean.toml` listing every setting with its default (also in
    /// `docs/cerulean.example.toml`).
    pub fn example_toml() -> &'static str {
        include_str!("example.toml")
    }

    /// Where `key`'s value came from, for error messages.
    fn source_of(&self, key: &str) -> &str {
        if let Some(source) = self.origin.overrides.get(key) {
            return source;
        }
        self.origin
            .file
            .as_deref()
            .unwrap_or("the built-in defaults")
    }
}

#[cfg(test)]
mod tests;
