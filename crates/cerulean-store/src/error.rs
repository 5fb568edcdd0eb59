//! Mapping database errors to [`StoreError`]s the directory can act on, without leaking
//! connection secrets: sqlx's (PostgreSQL) here; SQLite's in `sqlite/mod.rs`, which shares
//! the [`Target`], the constraint-message parsing and the names of duplicates.

use cerulean_directory::StoreError;
use sqlx::error::{DatabaseError, ErrorKind};

/// What a backend is connected to, for error messages that say what to check.
#[derive(Clone)]
pub(crate) struct Target {
    /// What opening the database means, after "cannot": e.g. `connect to PostgreSQL at
    /// db.internal:5432 (database cerulean, user cerulean)`.
    pub(crate) action: String,
    /// What the operator should check when the database cannot be reached.
    pub(crate) hint: &'static str,
    /// Secrets (a password from the URL, raw and decoded) that must never appear in a
    /// message.
    pub(crate) secrets: Vec<String>,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("action", &self.action)
            .field("secrets", &self.secrets.len())
            .finish_non_exhaustive()
    }
}

impl Target {
    /// Removes the secret from a message, in case a driver echoed it.
    pub(crate) fn scrub(&self, mut message: String) -> String {
        for secret in &self.secrets {
            if !secret.is_empty() && message.contains(secret.as_str()) {
                message = message.replace(secret.as_str(), "***");
            }
        }
        message
    }

    pub(crate) fn unavailable(&self, detail: impl std::fmt::Display) -> StoreError {
        StoreError::Unavailable(
            self.scrub(format!("cannot {}: {detail} — {}", self.action, self.hint)),
        )
    }

    /// Maps a sqlx error. `database` gives the backend the first word on database errors
    /// (connection-class codes, busy timeouts); the rest is common to both.
    pub(crate) fn map(
        &self,
        err: sqlx::Error,
        database: fn(&Target, &dyn DatabaseError) -> Option<StoreError>,
    ) -> StoreError {
        let mapped = match err {
            sqlx::Error::Database(db) => {
                database(self, db.as_ref()).unwrap_or_else(|| constraint_error(db.as_ref(), self))
            }
            sqlx::Error::Io(e) => self.unavailable(e),
            // The TLS message says what is wrong; "is it running?" would mislead.
            sqlx::Error::Tls(e) => {
                StoreError::Unavailable(self.scrub(format!("cannot {}: TLS: {e}", self.action)))
            }
            sqlx::Error::PoolTimedOut => {
                self.unavailable("timed out waiting for a database connection")
            }
            sqlx::Error::PoolClosed => self.unavailable("the connection pool is closed"),
            sqlx::Error::WorkerCrashed => self.unavailable("the database worker thread crashed"),
            sqlx::Error::ColumnDecode { index, source } => StoreError::Corrupt {
                what: "row",
                detail: self.scrub(format!("column {index}: {source}")),
            },
            sqlx::Error::Decode(e) => StoreError::Corrupt {
                what: "row",
                detail: self.scrub(e.to_string()),
            },
            sqlx::Error::Configuration(e) => {
                StoreError::Backend(self.scrub(format!("invalid database configuration: {e}")))
            }
            other => StoreError::Backend(self.scrub(other.to_string())),
        };
        if let StoreError::Backend(message) = &mapped {
            tracing::debug!(database = %self.action, %message, "database error");
        }
        mapped
    }
}

fn constraint_error(db: &dyn DatabaseError, target: &Target) -> StoreError {
    match db.kind() {
        ErrorKind::UniqueViolation => {
            let table = db
                .table()
                .map(str::to_string)
                .or_else(|| sqlite_constraint_table(db.message()));
            let detail = db.constraint().unwrap_or(db.message());
            StoreError::Duplicate {
                what: duplicate_what(table.as_deref(), detail),
            }
        }
        // Every foreign key points at `tenants`, except group members' at `groups`,
        // lockout counters', devices' and Hello keys' at `users` and Hello keys' at
        // `devices`, which the store checks itself before writing.
        ErrorKind::ForeignKeyViolation => StoreError::NotFound { what: "tenant" },
        _ => StoreError::Backend(target.scrub(db.message().to_string())),
    }
}

/// SQLite names the violated columns in its message:
/// `UNIQUE constraint failed: users.upn_lower`.
pub(crate) fn sqlite_constraint_table(message: &str) -> Option<String> {
    let (_, columns) = message.split_once("constraint failed: ")?;
    let (table, _) = columns.split_once('.')?;
    Some(table.trim().to_string())
}

/// Names what a unique violation on `table` duplicated (`detail` is the constraint name
/// or the driver's message).
pub(crate) fn duplicate_what(table: Option<&str>, detail: &str) -> &'static str {
    match table {
        Some("domains") => "domain",
        Some("users") if detail.contains("upn") => "upn",
        Some("users") => "user",
        Some("tenants") => "tenant",
        Some("applications") => "application",
        Some("groups") => "group",
        Some("group_members") => "group member",
        Some("audit_events") => "audit event",
        Some("signing_keys") => "signing key",
        Some("authorization_codes") => "authorization code",
        Some("refresh_tokens") => "refresh token",
        Some("device_codes") if detail.contains("user_code") => "user code",
        Some("device_codes") => "device code",
        Some("browser_sessions") => "session",
        Some("primary_refresh_tokens") => "primary refresh token",
        Some("user_lockout") => "lockout state",
        Some("devices") if detail.contains("thumbprint") => "device certificate",
        Some("devices") if detail.contains("fingerprint") => "device fingerprint",
        Some("devices") if detail.contains("device_id") => "device id",
        Some("devices") => "device",
        Some("hello_keys") => "hello key",
        Some("device_registration_policies") => "device registration policy",
        Some("tenant_device_cas") => "device CA",
        Some("server_secrets") => "server secret",
        Some("schema_migrations") => "schema migration",
        _ => "row",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_messages_name_the_table() {
        assert_eq!(
            sqlite_constraint_table("UNIQUE constraint failed: users.upn_lower").as_deref(),
            Some("users")
        );
        assert_eq!(
            sqlite_constraint_table(
                "UNIQUE constraint failed: group_members.group_id, group_members.member_kind"
            )
            .as_deref(),
            Some("group_members")
        );
        assert_eq!(sqlite_constraint_table("something else"), None);
    }

    #[test]
    fn duplicates_are_named() {
        assert_eq!(duplicate_what(Some("users"), "users.upn_lower"), "upn");
        assert_eq!(duplicate_what(Some("users"), "users_upn_lower_key"), "upn");
        assert_eq!(duplicate_what(Some("users"), "users_pkey"), "user");
        assert_eq!(duplicate_what(Some("domains"), "domains_pkey"), "domain");
        assert_eq!(
            duplicate_what(Some("device_codes"), "device_codes.user_code"),
            "user code"
        );
        assert_eq!(
            duplicate_what(Some("device_codes"), "device_codes_user_code_key"),
            "user code"
        );
        assert_eq!(
            duplicate_what(Some("device_codes"), "device_codes_pkey"),
            "device code"
        );
        assert_eq!(
            duplicate_what(Some("device_codes"), "device_codes.device_code_hash"),
            "device code"
        );
        assert_eq!(
            duplicate_what(Some("devices"), "devices.cert_thumbprint"),
            "device certificate"
        );
        assert_eq!(
            duplicate_what(Some("devices"), "devices_cert_thumbprint_key"),
            "device certificate"
        );
        assert_eq!(
            duplicate_what(
                Some("devices"),
                "devices.tenant_id, devices.owner_user_id, devices.registration_fingerprint"
            ),
            "device fingerprint"
        );
        assert_eq!(
            duplicate_what(Some("devices"), "devices_fingerprint_key"),
            "device fingerprint"
        );
        assert_eq!(
            duplicate_what(Some("devices"), "devices.device_id"),
            "device id"
        );
        assert_eq!(
            duplicate_what(Some("devices"), "devices_device_id_key"),
            "device id"
        );
        assert_eq!(duplicate_what(Some("devices"), "devices_pkey"), "device");
        assert_eq!(duplicate_what(None, "?"), "row");
    }

    #[test]
    fn secrets_are_scrubbed() {
        let target = Target {
            action: "connect to PostgreSQL at db:5432".into(),
            hint: "check it",
            secrets: vec!["hunter2".into()],
        };
        let StoreError::Unavailable(msg) = target.unavailable("login hunter2 refused") else {
            panic!("not unavailable");
        };
        assert!(!msg.contains("hunter2"), "{msg}");
        assert!(msg.contains("db:5432"), "{msg}");
        assert!(!format!("{target:?}").contains("hunter2"));
    }
}
