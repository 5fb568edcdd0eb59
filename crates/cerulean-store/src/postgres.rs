//! The scale-out backend: PostgreSQL shared by several stateless nodes.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use cerulean_directory::{StoreError, StoreResult};
use sqlx::error::DatabaseError;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::{ConnectOptions, Connection, Postgres, Transaction};

use crate::codec::{Arg, bind_args};
use crate::engine::{Backend, audit, impl_authority_store, impl_device_store, impl_store};
use crate::error::Target;
use crate::migrate::{self, Migration};

/// PostgreSQL's schema versions, oldest first.
pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "initial",
        sql: include_str!("../migrations/postgres/0001_initial.sql"),
    },
    Migration {
        version: 2,
        name: "authority",
        sql: include_str!("../migrations/postgres/0002_authority.sql"),
    },
    Migration {
        version: 3,
        name: "devices",
        sql: include_str!("../migrations/postgres/0003_devices.sql"),
    },
    Migration {
        version: 4,
        name: "device_ca",
        sql: include_str!("../migrations/postgres/0004_device_ca.sql"),
    },
    Migration {
        version: 5,
        name: "used_nonces",
        sql: include_str!("../migrations/postgres/0005_used_nonces.sql"),
    },
    Migration {
        version: 6,
        name: "primary_refresh_tokens",
        sql: include_str!("../migrations/postgres/0006_primary_refresh_tokens.sql"),
    },
    Migration {
        version: 7,
        name: "refresh_family_revoked",
        sql: include_str!("../migrations/postgres/0007_refresh_family_revoked.sql"),
    },
];

/// Serializes migrations of nodes starting at once (`pg_advisory_xact_lock`, released at
/// the end of the migration transaction). The key is "cerulean" in ASCII.
const MIGRATION_LOCK: &str = "SELECT pg_advisory_xact_lock(7162256631057965422)";

/// Connections per node unless told otherwise.
pub const DEFAULT_POOL_SIZE: u32 = 16;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// [`cerulean_directory::Store`] on PostgreSQL.
#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
    target: Target,
}

impl PostgresStore {
    /// Connects to `url` (`postgres://user:password@host:port/database?…`), with a pool of
    /// [`DEFAULT_POOL_SIZE`] connections, and brings the schema up to date. Error messages never contain the
    /// URL's password.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        Self::connect_with_pool_size(url, DEFAULT_POOL_SIZE).await
    }

    /// Like [`PostgresStore::connect`] with at most `max_connections` pooled connections
    /// (several nodes × pool size must stay below the server's `max_connections`).
    pub async fn connect_with_pool_size(
        url: &str,
        max_connections: u32,
    ) -> Result<Self, StoreError> {
        let mut target = Target {
            action: "connect to PostgreSQL".to_string(),
            hint: "is it running and is the URL right?",
            secrets: url_secrets(url),
        };
        let options = PgConnectOptions::from_str(url).map_err(|e| {
            StoreError::Backend(
                target.scrub(format!("invalid PostgreSQL URL {}: {e}", redact_url(url))),
            )
        })?;
        target.action = format!("connect to {}", describe(&options));
        // One direct attempt first: the pool retries refused connections until its
        // timeout and then reports only that it timed out, which says nothing useful.
        let probe = tokio::time::timeout(CONNECT_TIMEOUT, options.connect())
            .await
            .map_err(|_| target.unavailable("timed out"))?
            .map_err(|e| target.map(e, database_error))?;
        // Closing the probe is courtesy; a failure here changes nothing.
        let _ = probe.close().await;
        let pool = PgPoolOptions::new()
            .max_connections(max_connections.max(1))
            // No ping per checkout (sqlx's default), which costs a round trip before
            // every query. A connection the server dropped fails its next query instead
            // (answered as "temporarily unavailable") and is discarded by the pool.
            .test_before_acquire(false)
            .acquire_timeout(CONNECT_TIMEOUT)
            .connect_with(options)
            .await
            .map_err(|e| target.map(e, database_error))?;
        let store = Self { pool, target };
        migrate::run(&store, MIGRATIONS, Some(MIGRATION_LOCK)).await?;
        Ok(store)
    }

    /// Closes the pool, waiting for connections in use to be returned.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    fn err(&self, e: sqlx::Error) -> StoreError {
        self.target.map(e, database_error)
    }
}

/// `PostgreSQL at host:port (database d, user u)`, never the password.
fn describe(options: &PgConnectOptions) -> String {
    let user = options.get_username();
    let database = options.get_database().unwrap_or(user);
    match options.get_socket() {
        Some(socket) => format!(
            "PostgreSQL at socket {} (database {database}, user {user})",
            socket.display()
        ),
        None => format!(
            "PostgreSQL at {}:{} (database {database}, user {user})",
            options.get_host(),
            options.get_port()
        ),
    }
}

/// The password of a connection URL (from the user-info part or a `password=` parameter),
/// as written and percent-decoded, so messages can be scrubbed of it.
fn url_secrets(url: &str) -> Vec<String> {
    let mut raw: Vec<String> = Vec::new();
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    if let Some((userinfo, _)) = authority.rsplit_once('@') {
        if let Some((_, password)) = userinfo.split_once(':') {
            raw.push(password.to_string());
        }
    }
    if let Some((_, query)) = url.split_once('?') {
        for pair in query.split('&') {
            if let Some(password) = pair.strip_prefix("password=") {
                raw.push(password.to_string());
            }
        }
    }
    let mut secrets = Vec::new();
    for secret in raw.into_iter().filter(|s| !s.is_empty()) {
        let decoded = percent_decode(&secret);
        if decoded != secret {
            secrets.push(decoded);
        }
        secrets.push(secret);
    }
    secrets
}

/// The URL with its password replaced by `***`.
fn redact_url(url: &str) -> String {
    let mut redacted = url.to_string();
    for secret in url_secrets(url) {
        redacted = redacted.replace(&secret, "***");
    }
    redacted
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// SQLSTATEs that mean "the database cannot be used right now".
fn database_error(target: &Target, db: &dyn DatabaseError) -> Option<StoreError> {
    let code = db.code()?;
    let message = target.scrub(db.message().to_string());
    match code.as_ref() {
        // connection exceptions, authentication, unknown database, too many
        // connections, shutting down / starting up
        c if c.starts_with("08") || c.starts_with("28") => Some(target.unavailable(message)),
        "3D000" | "53300" | "57P01" | "57P02" | "57P03" => Some(target.unavailable(message)),
        // serialization failure, deadlock: the transaction lost a race; retrying works
        "40001" | "40P01" => Some(StoreError::Conflict {
            what: "transaction",
        }),
        _ => None,
    }
}

#[async_trait]
impl Backend for PostgresStore {
    const NAME: &'static str = "postgres";
    const FOR_UPDATE: &'static str = " FOR UPDATE";
    const FOR_NO_KEY_UPDATE: &'static str = " FOR NO KEY UPDATE";
    const SERIALIZED_WRITES: bool = false;
    type Row = PgRow;
    type Tx = Transaction<'static, Postgres>;

    /// PostgreSQL locks rows as statements touch them; unique and optimistic-version
    /// checks are resolved by the database, so a plain `BEGIN` suffices.
    async fn begin_write(&self) -> StoreResult<Self::Tx> {
        self.pool.begin().await.map_err(|e| self.err(e))
    }

    async fn commit(&self, tx: Self::Tx) -> StoreResult<()> {
        tx.commit().await.map_err(|e| self.err(e))
    }

    async fn execute(&self, tx: &mut Self::Tx, sql: &str, args: Vec<Arg>) -> StoreResult<u64> {
        bind_args!(sqlx::query(sql), args)
            .execute(&mut **tx)
            .await
            .map(|done| done.rows_affected())
            .map_err(|e| self.err(e))
    }

    async fn write_alone(&self, sql: &str, args: Vec<Arg>) -> StoreResult<Option<Self::Row>> {
        // Every row, not just the first: the statement must run to its end, where it
        // commits, so that a failed commit is an error here rather than lost.
        let rows = bind_args!(sqlx::query(sql), args)
            .fetch_all(&self.pool)
            .await
            .map_err(|e| self.err(e))?;
        Ok(rows.into_iter().next())
    }

    async fn execute_alone(&self, sql: &str, args: Vec<Arg>) -> StoreResult<u64> {
        bind_args!(sqlx::query(sql), args)
            .execute(&self.pool)
            .await
            .map(|done| done.rows_affected())
            .map_err(|e| self.err(e))
    }

    async fn write_batch(&self, _statements: &str, _args: Vec<Arg>) -> StoreResult<Vec<Self::Row>> {
        Err(StoreError::Backend(
            "one-trip statement batches are SQLite's; PostgreSQL runs them one at a time".into(),
        ))
    }

    async fn execute_script(&self, tx: &mut Self::Tx, sql: &str) -> StoreResult<()> {
        let conn: &mut _ = &mut **tx;
        sqlx::Executor::execute(conn, sqlx::raw_sql(sql))
            .await
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    async fn fetch_optional_in(
        &self,
        tx: &mut Self::Tx,
        sql: &str,
        args: Vec<Arg>,
    ) -> StoreResult<Option<Self::Row>> {
        bind_args!(sqlx::query(sql), args)
            .fetch_optional(&mut **tx)
            .await
            .map_err(|e| self.err(e))
    }

    async fn fetch_all_in(
        &self,
        tx: &mut Self::Tx,
        sql: &str,
        args: Vec<Arg>,
    ) -> StoreResult<Vec<Self::Row>> {
        bind_args!(sqlx::query(sql), args)
            .fetch_all(&mut **tx)
            .await
            .map_err(|e| self.err(e))
    }

    async fn fetch_all(&self, sql: &str, args: Vec<Arg>) -> StoreResult<Vec<Self::Row>> {
        bind_args!(sqlx::query(sql), args)
            .fetch_all(&self.pool)
            .await
            .map_err(|e| self.err(e))
    }

    async fn fetch_optional(&self, sql: &str, args: Vec<Arg>) -> StoreResult<Option<Self::Row>> {
        bind_args!(sqlx::query(sql), args)
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| self.err(e))
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map(|_| ())
            .map_err(|e| self.err(e))
    }

    fn starts_with(column: &str, param: usize, prefix: &str) -> (String, String) {
        (
            format!("{column} LIKE ${param} ESCAPE '\\'"),
            audit::like_prefix_pattern(prefix),
        )
    }
}

impl_authority_store!(PostgresStore);
impl_device_store!(PostgresStore);
impl_store!(PostgresStore);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_passwords_are_found_and_redacted() {
        let url = "postgres://cerulean:s%40cret@db:5432/cerulean?sslmode=disable";
        let secrets = url_secrets(url);
        assert!(secrets.contains(&"s%40cret".to_string()));
        assert!(secrets.contains(&"s@cret".to_string()));
        assert_eq!(
            redact_url(url),
            "postgres://cerulean:***@db:5432/cerulean?sslmode=disable"
        );
        assert!(url_secrets("postgres://db/x").is_empty());
        assert_eq!(url_secrets("postgres://u@db/x?password=pw"), vec!["pw"]);
    }

    #[test]
    fn descriptions_name_host_port_database_and_user() {
        let options = PgConnectOptions::from_str("postgres://alice:pw@db.test:6543/dir").unwrap();
        assert_eq!(
            describe(&options),
            "PostgreSQL at db.test:6543 (database dir, user alice)"
        );
    }
}
