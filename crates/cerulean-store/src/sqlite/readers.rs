//! Reads on SQLite: run where they are asked for, on a pooled read-only connection.
//!
//! In WAL mode a reader never waits for the writer, and the store's reads are indexed
//! lookups and short lists that SQLite answers from its page cache in microseconds. Sending
//! each one to a connection thread and back would cost more in thread hand-offs (two
//! context switches and a runtime wake-up) than the read itself, so a read runs on the
//! calling thread with a connection taken from the idle list; a new connection is opened
//! when none is idle. Their number is thus bounded by the threads that read at once.
//!
//! The one case where a read waits is SQLite's own: a reader that meets a WAL being
//! recovered or reset by another process waits up to the busy timeout, on the calling
//! thread. That happens after a crash of a writer, not in steady operation.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};

use rusqlite::Connection;

use super::statements::{self, SqlError, SqliteRow};
use crate::codec::Arg;

/// Idle connections kept beyond this are closed when returned.
const MAX_IDLE: usize = 16;

#[derive(Debug)]
pub(crate) struct Readers {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    closed: AtomicBool,
}

impl Readers {
    pub(crate) fn new(path: &Path) -> Self {
        Self {
            path: path.to_path_buf(),
            idle: Mutex::new(Vec::new()),
            closed: AtomicBool::new(false),
        }
    }

    pub(crate) fn read(&self, sql: &str, args: &[Arg]) -> Result<Vec<SqliteRow>, SqlError> {
        if self.closed.load(Ordering::Acquire) {
            return Err(SqlError::Closed);
        }
        let pooled = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let conn = match pooled {
            Some(conn) => conn,
            None => super::open_reader(&self.path)?,
        };
        let result = statements::rows(&conn, sql, args);
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < MAX_IDLE && !self.closed.load(Ordering::Acquire) {
            idle.push(conn);
        }
        result
    }

    /// Closes the idle connections and refuses further reads.
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::Release);
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}
