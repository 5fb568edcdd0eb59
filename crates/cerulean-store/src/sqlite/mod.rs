//! The embedded backend: one SQLite file in WAL mode, driven through rusqlite.
//!
//! Every write goes through one connection owned by a thread of its own ([`writer`]),
//! which commits queued stand-alone writes together and serves interactive transactions
//! one at a time; its transactions are `BEGIN IMMEDIATE`, so a writer in another process
//! (the admin CLI) waits on the busy timeout instead of failing with `SQLITE_BUSY`
//! half-way through. Reads run on the calling thread with pooled read-only connections
//! ([`readers`]); thanks to WAL they never wait for writers.

mod readers;
mod statements;
mod writer;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use cerulean_directory::{StoreError, StoreResult};
use rusqlite::{Connection, ErrorCode, OpenFlags};

use crate::codec::Arg;
use crate::engine::{Backend, audit, impl_authority_store, impl_device_store, impl_store};
use crate::error::{Target, duplicate_what, sqlite_constraint_table};
use crate::migrate::{self, Migration};
use readers::Readers;
use statements::SqlError;
pub use statements::SqliteRow;
pub use writer::WriteTx;
use writer::Writer;

/// SQLite's schema versions, oldest first.
pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "initial",
        sql: include_str!("../../migrations/sqlite/0001_initial.sql"),
    },
    Migration {
        version: 2,
        name: "authority",
        sql: include_str!("../../migrations/sqlite/0002_authority.sql"),
    },
    Migration {
        version: 3,
        name: "devices",
        sql: include_str!("../../migrations/sqlite/0003_devices.sql"),
    },
    Migration {
        version: 4,
        name: "device_ca",
        sql: include_str!("../../migrations/sqlite/0004_device_ca.sql"),
    },
    Migration {
        version: 5,
        name: "used_nonces",
        sql: include_str!("../../migrations/sqlite/0005_used_nonces.sql"),
    },
    Migration {
        version: 6,
        name: "primary_refresh_tokens",
        sql: include_str!("../../migrations/sqlite/0006_primary_refresh_tokens.sql"),
    },
    Migration {
        version: 7,
        name: "refresh_family_revoked",
        sql: include_str!("../../migrations/sqlite/0007_refresh_family_revoked.sql"),
    },
];

const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Prepared statements kept per connection: the store has about a hundred distinct ones.
const STATEMENT_CACHE: usize = 128;

/// [`cerulean_directory::Store`] on SQLite.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    writer: Writer,
    /// `None` for an in-memory database, whose only connection is the writer's.
    readers: Option<Arc<Readers>>,
    target: Target,
}

/// Opens the writer's connection: creates the file if missing, switches it to WAL.
fn open_writer(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    configure(&conn)?;
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CANTOPEN),
            Some(format!(
                "the database stays in {mode} journal mode instead of WAL"
            )),
        ));
    }
    Ok(conn)
}

/// Opens a connection for reads only (`query_only`: a bug cannot write through it).
pub(crate) fn open_reader(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    configure(&conn)?;
    conn.execute_batch("PRAGMA query_only = ON")?;
    Ok(conn)
}

/// What every connection sets: busy timeout, durability of WAL commits (`NORMAL`: a
/// commit survives a crash of the process; the last commits before a power loss may
/// not), foreign keys, the statement cache.
fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.execute_batch("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON")?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(())
}

impl SqliteStore {
    /// Opens (creating it and its directory if needed) the database file at `path` and
    /// brings its schema up to date.
    pub async fn open(path: &Path) -> Result<Self, StoreError> {
        let target = Target {
            action: format!("open the SQLite database {}", path.display()),
            hint: "check that the directory exists and is writable by cerulean, and that no \
                   other program holds the file locked",
            secrets: Vec::new(),
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            tokio::fs::create_dir_all(dir).await.map_err(|e| {
                target.unavailable(format!("cannot create directory {}: {e}", dir.display()))
            })?;
        }
        let conn = open_writer(path).map_err(|e| map_error(&target, e.into()))?;
        let writer = Writer::start(conn)
            .map_err(|e| target.unavailable(format!("cannot start the writer thread: {e}")))?;
        let store = Self {
            writer,
            readers: Some(Arc::new(Readers::new(path))),
            target,
        };
        migrate::run(&store, MIGRATIONS, None).await?;
        Ok(store)
    }

    /// A private in-memory database, for tests. It lives as long as the store (one
    /// connection, the writer's, which also answers the reads).
    pub async fn open_in_memory() -> Result<Self, StoreError> {
        let target = Target {
            action: "open an in-memory SQLite database".to_string(),
            hint: "this is a bug",
            secrets: Vec::new(),
        };
        let conn = Connection::open_in_memory()
            .and_then(|conn| configure(&conn).map(|()| conn))
            .map_err(|e| map_error(&target, e.into()))?;
        let writer = Writer::start(conn)
            .map_err(|e| target.unavailable(format!("cannot start the writer thread: {e}")))?;
        let store = Self {
            writer,
            readers: None,
            target,
        };
        migrate::run(&store, MIGRATIONS, None).await?;
        Ok(store)
    }

    /// Closes the store: idle readers at once, the writer after the writes queued before
    /// this call (the last connection to close checkpoints the WAL into the file).
    pub async fn close(&self) {
        if let Some(readers) = &self.readers {
            readers.close();
        }
        self.writer.close().await;
    }

    fn err(&self, e: SqlError) -> StoreError {
        map_error(&self.target, e)
    }

    async fn read(&self, sql: &str, args: Vec<Arg>) -> StoreResult<Vec<SqliteRow>> {
        match &self.readers {
            Some(readers) => readers.read(sql, &args),
            None => self.writer.read(sql, args).await,
        }
        .map_err(|e| self.err(e))
    }
}

/// Maps an SQLite error to what the directory can act on: busy and I/O conditions are
/// `Unavailable` (with what to check), unique and foreign-key violations are `Duplicate`
/// and `NotFound`, undecodable values `Corrupt`.
fn map_error(target: &Target, e: SqlError) -> StoreError {
    let mapped = match e {
        SqlError::Closed => target.unavailable("the store is closed"),
        SqlError::Unbound(name) => {
            StoreError::Backend(format!("statement parameter {name} has no argument"))
        }
        SqlError::Other(message) => StoreError::Backend(target.scrub(message)),
        SqlError::Sqlite(rusqlite::Error::SqliteFailure(failure, message)) => {
            let message = message.unwrap_or_else(|| failure.to_string());
            match failure.code {
                ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => target.unavailable(format!(
                    "{message} (another process kept the database locked for more than {} s)",
                    BUSY_TIMEOUT.as_secs()
                )),
                ErrorCode::ReadOnly
                | ErrorCode::SystemIoFailure
                | ErrorCode::DiskFull
                | ErrorCode::CannotOpen
                | ErrorCode::FileLockingProtocolFailed
                | ErrorCode::PermissionDenied => target.unavailable(message),
                ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase => StoreError::Corrupt {
                    what: "database file",
                    detail: message,
                },
                ErrorCode::ConstraintViolation => match failure.extended_code {
                    rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                    | rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY => StoreError::Duplicate {
                        what: duplicate_what(
                            sqlite_constraint_table(&message).as_deref(),
                            &message,
                        ),
                    },
                    // Every foreign key points at `tenants`, except those the store checks
                    // itself before writing (see `crate::error`).
                    rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY => {
                        StoreError::NotFound { what: "tenant" }
                    }
                    _ => StoreError::Backend(target.scrub(message)),
                },
                _ => StoreError::Backend(target.scrub(message)),
            }
        }
        SqlError::Sqlite(
            e @ (rusqlite::Error::FromSqlConversionFailure(..)
            | rusqlite::Error::InvalidColumnType(..)
            | rusqlite::Error::IntegralValueOutOfRange(..)
            | rusqlite::Error::Utf8Error(..)),
        ) => StoreError::Corrupt {
            what: "row",
            detail: target.scrub(e.to_string()),
        },
        SqlError::Sqlite(other) => StoreError::Backend(target.scrub(other.to_string())),
    };
    if let StoreError::Backend(message) = &mapped {
        tracing::debug!(database = %target.action, %message, "database error");
    }
    mapped
}

#[async_trait]
impl Backend for SqliteStore {
    const NAME: &'static str = "sqlite";
    const FOR_UPDATE: &'static str = "";
    const FOR_NO_KEY_UPDATE: &'static str = "";
    const SERIALIZED_WRITES: bool = true;
    type Row = SqliteRow;
    type Tx = WriteTx;

    async fn begin_write(&self) -> StoreResult<Self::Tx> {
        self.writer.begin().await.map_err(|e| self.err(e))
    }

    async fn commit(&self, tx: Self::Tx) -> StoreResult<()> {
        tx.commit().await.map_err(|e| self.err(e))
    }

    async fn execute(&self, tx: &mut Self::Tx, sql: &str, args: Vec<Arg>) -> StoreResult<u64> {
        tx.execute(sql, args).await.map_err(|e| self.err(e))
    }

    async fn write_alone(&self, sql: &str, args: Vec<Arg>) -> StoreResult<Option<Self::Row>> {
        let rows = self.writer.rows(sql, args).await;
        rows.map(|rows| rows.into_iter().next())
            .map_err(|e| self.err(e))
    }

    async fn execute_alone(&self, sql: &str, args: Vec<Arg>) -> StoreResult<u64> {
        self.writer
            .affected(sql, args)
            .await
            .map_err(|e| self.err(e))
    }

    async fn write_batch(&self, statements: &str, args: Vec<Arg>) -> StoreResult<Vec<Self::Row>> {
        self.writer
            .batch(statements, args)
            .await
            .map_err(|e| self.err(e))
    }

    async fn execute_script(&self, tx: &mut Self::Tx, sql: &str) -> StoreResult<()> {
        tx.script(sql).await.map_err(|e| self.err(e))
    }

    async fn fetch_optional_in(
        &self,
        tx: &mut Self::Tx,
        sql: &str,
        args: Vec<Arg>,
    ) -> StoreResult<Option<Self::Row>> {
        let rows = tx.fetch(sql, args).await.map_err(|e| self.err(e))?;
        Ok(rows.into_iter().next())
    }

    async fn fetch_all_in(
        &self,
        tx: &mut Self::Tx,
        sql: &str,
        args: Vec<Arg>,
    ) -> StoreResult<Vec<Self::Row>> {
        tx.fetch(sql, args).await.map_err(|e| self.err(e))
    }

    async fn fetch_all(&self, sql: &str, args: Vec<Arg>) -> StoreResult<Vec<Self::Row>> {
        self.read(sql, args).await
    }

    async fn fetch_optional(&self, sql: &str, args: Vec<Arg>) -> StoreResult<Option<Self::Row>> {
        Ok(self.read(sql, args).await?.into_iter().next())
    }

    async fn ping(&self) -> StoreResult<()> {
        self.read("SELECT 1", Vec::new()).await.map(|_| ())
    }

    /// SQLite's LIKE ignores ASCII case; GLOB is case-sensitive like PostgreSQL's LIKE.
    fn starts_with(column: &str, param: usize, prefix: &str) -> (String, String) {
        (
            format!("{column} GLOB ${param}"),
            audit::glob_prefix_pattern(prefix),
        )
    }
}

impl_authority_store!(SqliteStore);
impl_device_store!(SqliteStore);
impl_store!(SqliteStore);
