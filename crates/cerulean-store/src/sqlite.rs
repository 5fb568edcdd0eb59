//! The embedded backend: one SQLite file in WAL mode.
//!
//! Writes go through a single-connection writer pool and every write transaction is
//! `BEGIN IMMEDIATE`: writers in this process queue on the pool, and a writer in another
//! process (the admin CLI) waits on the busy timeout instead of failing with
//! `SQLITE_BUSY` half-way through a transaction. Reads use a separate pool and, thanks to
//! WAL, never wait for writers. Writes that stand alone (one statement, or one batch
//! between BEGIN and COMMIT) are queued to the writer thread of [`crate::sqlite_writes`],
//! which takes its turn on the same pool.

use std::path::Path;
use std::time::Duration;

use async_trait::async_trait;
use cerulean_directory::{StoreError, StoreResult};
use sqlx::error::DatabaseError;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteRow,
    SqliteSynchronous,
};
use sqlx::{Sqlite, Transaction};

use crate::codec::{Arg, bind_args};
use crate::engine::{Backend, audit, impl_authority_store, impl_device_store, impl_store};
use crate::error::Target;
use crate::migrate::{self, Migration};
use crate::sqlite_writes::LoneWrites;

/// SQLite's schema versions, oldest first.
pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "initial",
        sql: include_str!("../migrations/sqlite/0001_initial.sql"),
    },
    Migration {
        version: 2,
        name: "authority",
        sql: include_str!("../migrations/sqlite/0002_authority.sql"),
    },
    Migration {
        version: 3,
        name: "devices",
        sql: include_str!("../migrations/sqlite/0003_devices.sql"),
    },
    Migration {
        version: 4,
        name: "device_ca",
        sql: include_str!("../migrations/sqlite/0004_device_ca.sql"),
    },
    Migration {
        version: 5,
        name: "used_nonces",
        sql: include_str!("../migrations/sqlite/0005_used_nonces.sql"),
    },
    Migration {
        version: 6,
        name: "primary_refresh_tokens",
        sql: include_str!("../migrations/sqlite/0006_primary_refresh_tokens.sql"),
    },
];

const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
const READERS: u32 = 8;

/// [`cerulean_directory::Store`] on SQLite.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    writer: SqlitePool,
    reader: SqlitePool,
    /// Writes that stand alone, run on their own thread (see [`crate::sqlite_writes`]).
    lone_writes: LoneWrites,
    target: Target,
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
        let options = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        let writer = SqlitePoolOptions::new()
            // No ping per checkout (sqlx's default): a local file does not go stale, and
            // the ping is one more round trip to the connection's thread per query.
            .test_before_acquire(false)
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options.clone())
            .await
            .map_err(|e| target.map(e, database_error))?;
        let reader = SqlitePoolOptions::new()
            // No ping per checkout (sqlx's default): a local file does not go stale, and
            // the ping is one more round trip to the connection's thread per query.
            .test_before_acquire(false)
            .max_connections(READERS)
            .connect_with(options)
            .await
            .map_err(|e| target.map(e, database_error))?;
        let lone_writes = LoneWrites::start(writer.clone())
            .map_err(|e| target.unavailable(format!("cannot start the writer thread: {e}")))?;
        let store = Self {
            writer,
            reader,
            lone_writes,
            target,
        };
        migrate::run(&store, MIGRATIONS, None).await?;
        Ok(store)
    }

    /// A private in-memory database, for tests. It lives as long as the store (one
    /// connection that is never recycled, shared by readers and the writer).
    pub async fn open_in_memory() -> Result<Self, StoreError> {
        let target = Target {
            action: "open an in-memory SQLite database".to_string(),
            hint: "this is a bug",
            secrets: Vec::new(),
        };
        let options = SqliteConnectOptions::new()
            .in_memory(true)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        let pool = SqlitePoolOptions::new()
            // No ping per checkout (sqlx's default): a local file does not go stale, and
            // the ping is one more round trip to the connection's thread per query.
            .test_before_acquire(false)
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await
            .map_err(|e| target.map(e, database_error))?;
        let lone_writes = LoneWrites::start(pool.clone())
            .map_err(|e| target.unavailable(format!("cannot start the writer thread: {e}")))?;
        let store = Self {
            writer: pool.clone(),
            reader: pool,
            lone_writes,
            target,
        };
        migrate::run(&store, MIGRATIONS, None).await?;
        Ok(store)
    }

    /// Closes both pools, waiting for connections in use to be returned (checkpoints the
    /// WAL when the last connection closes).
    pub async fn close(&self) {
        self.reader.close().await;
        self.writer.close().await;
    }

    fn err(&self, e: sqlx::Error) -> StoreError {
        self.target.map(e, database_error)
    }
}

/// SQLite result codes that mean "the database cannot be used right now" rather than "the
/// statement is wrong" (primary codes; the extended code's low byte).
fn database_error(target: &Target, db: &dyn DatabaseError) -> Option<StoreError> {
    let code = db.code()?.parse::<i32>().ok()?;
    let message = db.message();
    match code & 0xff {
        // SQLITE_BUSY, SQLITE_LOCKED
        5 | 6 => Some(target.unavailable(format!(
            "{message} (another process kept the database locked for more than {} s)",
            BUSY_TIMEOUT.as_secs()
        ))),
        // SQLITE_READONLY, SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN, SQLITE_PROTOCOL,
        // SQLITE_PERM
        8 | 10 | 13 | 14 | 15 | 3 => Some(target.unavailable(message)),
        // SQLITE_CORRUPT, SQLITE_NOTADB
        11 | 26 => Some(StoreError::Corrupt {
            what: "database file",
            detail: message.to_string(),
        }),
        _ => None,
    }
}

#[async_trait]
impl Backend for SqliteStore {
    const NAME: &'static str = "sqlite";
    const FOR_UPDATE: &'static str = "";
    const FOR_NO_KEY_UPDATE: &'static str = "";
    const SERIALIZED_WRITES: bool = true;
    type Row = SqliteRow;
    type Tx = Transaction<'static, Sqlite>;

    async fn begin_write(&self) -> StoreResult<Self::Tx> {
        self.writer
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(|e| self.err(e))
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
        let rows = self.lone_writes.rows(sql, args).await;
        rows.map(|rows| rows.into_iter().next())
            .map_err(|e| self.err(e))
    }

    async fn execute_alone(&self, sql: &str, args: Vec<Arg>) -> StoreResult<u64> {
        self.lone_writes
            .affected(sql, args)
            .await
            .map_err(|e| self.err(e))
    }

    async fn write_batch(&self, statements: &str, args: Vec<Arg>) -> StoreResult<Vec<Self::Row>> {
        self.lone_writes
            .batch(statements, args)
            .await
            .map_err(|e| self.err(e))
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
            .fetch_all(&self.reader)
            .await
            .map_err(|e| self.err(e))
    }

    async fn fetch_optional(&self, sql: &str, args: Vec<Arg>) -> StoreResult<Option<Self::Row>> {
        bind_args!(sqlx::query(sql), args)
            .fetch_optional(&self.reader)
            .await
            .map_err(|e| self.err(e))
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1")
            .execute(&self.reader)
            .await
            .map(|_| ())
            .map_err(|e| self.err(e))
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
