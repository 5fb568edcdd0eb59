//! The writer: one thread that owns the SQLite connection every write goes through.
//!
//! SQLite has one writer per database, so the time between two writes is time nobody
//! writes. The thread therefore takes every write already queued and commits them as
//! one transaction (group commit): each stand-alone write runs in a savepoint of its own,
//! so one that fails is rolled back alone, and all are answered once the shared COMMIT
//! has succeeded — a write is never reported done before it is committed. One commit for
//! many writes also means the pages they share (index leaves, the WAL header) reach the
//! WAL once per group instead of once per write.
//!
//! Interactive write transactions (`begin_write`) get the connection to themselves: the
//! thread begins the transaction and serves that transaction's statements, one message
//! each, until it commits or its handle is dropped (which rolls it back). A request
//! dropped while its write is queued or running does not stop the write: it runs to its
//! end and its answer is discarded.

use std::sync::mpsc;

use rusqlite::Connection;
use tokio::sync::oneshot;

use super::statements::{self, SqlError, SqliteRow};
use crate::codec::Arg;

/// At most this many queued writes share one commit, so a steady stream of them cannot
/// keep a write transaction waiting for long.
const GROUP_LIMIT: usize = 64;

type Reply<T> = oneshot::Sender<Result<T, SqlError>>;

/// A write that stands alone, with where its answer goes.
struct Alone {
    sql: String,
    args: Vec<Arg>,
    work: Work,
}

enum Work {
    /// One statement: every row it returns (`RETURNING`).
    Rows(Reply<Vec<SqliteRow>>),
    /// One statement: the number of rows it changed.
    Affected(Reply<u64>),
    /// Several `;`-separated statements, all or none: every row they return.
    Batch(Reply<Vec<SqliteRow>>),
}

/// What a finished write will answer once its group's fate is known.
enum Outcome {
    Rows(Reply<Vec<SqliteRow>>, Result<Vec<SqliteRow>, SqlError>),
    Affected(Reply<u64>, Result<u64, SqlError>),
}

/// One statement of an interactive transaction.
enum Op {
    Execute {
        sql: String,
        args: Vec<Arg>,
        reply: Reply<u64>,
    },
    Fetch {
        sql: String,
        args: Vec<Arg>,
        reply: Reply<Vec<SqliteRow>>,
    },
    Script {
        sql: String,
        reply: Reply<()>,
    },
    Commit {
        reply: Reply<()>,
    },
}

enum Job {
    Alone(Alone),
    /// An interactive transaction: its statements arrive on `ops`.
    Session {
        ops: mpsc::Receiver<Op>,
        opened: Reply<()>,
    },
    /// A read, for the in-memory database whose only connection is this one.
    Read {
        sql: String,
        args: Vec<Arg>,
        reply: Reply<Vec<SqliteRow>>,
    },
    /// Close the connection (checkpointing the WAL if it is the last) and end.
    Close(oneshot::Sender<()>),
}

/// The handle to the writer thread; the thread ends when the last handle is dropped.
#[derive(Debug, Clone)]
pub(crate) struct Writer {
    jobs: mpsc::Sender<Job>,
}

/// An open interactive write transaction. Dropping it without [`WriteTx::commit`] rolls
/// it back.
#[derive(Debug)]
pub struct WriteTx {
    ops: mpsc::Sender<Op>,
}

async fn answer<T>(answer: oneshot::Receiver<Result<T, SqlError>>) -> Result<T, SqlError> {
    answer.await.unwrap_or(Err(SqlError::Closed))
}

impl Writer {
    /// Starts the thread that owns `conn`.
    pub(crate) fn start(conn: Connection) -> std::io::Result<Self> {
        let (jobs, queue) = mpsc::channel();
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || serve(conn, &queue))?;
        Ok(Self { jobs })
    }

    fn send(&self, job: Job) -> Result<(), SqlError> {
        self.jobs.send(job).map_err(|_| SqlError::Closed)
    }

    async fn alone<T>(
        &self,
        sql: &str,
        args: Vec<Arg>,
        work: impl FnOnce(Reply<T>) -> Work,
    ) -> Result<T, SqlError> {
        let (reply, rx) = oneshot::channel();
        self.send(Job::Alone(Alone {
            sql: sql.to_owned(),
            args,
            work: work(reply),
        }))?;
        answer(rx).await
    }

    /// One statement; the rows it returns.
    pub(crate) async fn rows(&self, sql: &str, args: Vec<Arg>) -> Result<Vec<SqliteRow>, SqlError> {
        self.alone(sql, args, Work::Rows).await
    }

    /// One statement; the number of rows it changed.
    pub(crate) async fn affected(&self, sql: &str, args: Vec<Arg>) -> Result<u64, SqlError> {
        self.alone(sql, args, Work::Affected).await
    }

    /// `statements`, all or none; the rows they return.
    pub(crate) async fn batch(
        &self,
        statements: &str,
        args: Vec<Arg>,
    ) -> Result<Vec<SqliteRow>, SqlError> {
        self.alone(statements, args, Work::Batch).await
    }

    /// A read on the writer's connection (in-memory databases only).
    pub(crate) async fn read(&self, sql: &str, args: Vec<Arg>) -> Result<Vec<SqliteRow>, SqlError> {
        let (reply, rx) = oneshot::channel();
        self.send(Job::Read {
            sql: sql.to_owned(),
            args,
            reply,
        })?;
        answer(rx).await
    }

    /// Begins an interactive write transaction (`BEGIN IMMEDIATE`: it holds the write
    /// lock from the start, so a writer in another process waits instead of failing
    /// half-way).
    pub(crate) async fn begin(&self) -> Result<WriteTx, SqlError> {
        let (ops, incoming) = mpsc::channel();
        let (opened, rx) = oneshot::channel();
        self.send(Job::Session {
            ops: incoming,
            opened,
        })?;
        answer(rx).await?;
        Ok(WriteTx { ops })
    }

    /// Closes the connection once the writes queued before this call have run.
    pub(crate) async fn close(&self) {
        let (done, rx) = oneshot::channel();
        if self.send(Job::Close(done)).is_ok() {
            let _ = rx.await;
        }
    }
}

impl WriteTx {
    async fn call<T>(&self, op: impl FnOnce(Reply<T>) -> Op) -> Result<T, SqlError> {
        let (reply, rx) = oneshot::channel();
        self.ops.send(op(reply)).map_err(|_| SqlError::Closed)?;
        answer(rx).await
    }

    pub(crate) async fn execute(&self, sql: &str, args: Vec<Arg>) -> Result<u64, SqlError> {
        let sql = sql.to_owned();
        self.call(|reply| Op::Execute { sql, args, reply }).await
    }

    pub(crate) async fn fetch(
        &self,
        sql: &str,
        args: Vec<Arg>,
    ) -> Result<Vec<SqliteRow>, SqlError> {
        let sql = sql.to_owned();
        self.call(|reply| Op::Fetch { sql, args, reply }).await
    }

    pub(crate) async fn script(&self, sql: &str) -> Result<(), SqlError> {
        let sql = sql.to_owned();
        self.call(|reply| Op::Script { sql, reply }).await
    }

    pub(crate) async fn commit(self) -> Result<(), SqlError> {
        self.call(|reply| Op::Commit { reply }).await
    }
}

fn serve(conn: Connection, queue: &mpsc::Receiver<Job>) {
    let mut carried = None;
    loop {
        let job = match carried.take() {
            Some(job) => job,
            None => match queue.recv() {
                Ok(job) => job,
                Err(_) => return,
            },
        };
        match job {
            Job::Alone(first) => {
                let mut group = vec![first];
                while group.len() < GROUP_LIMIT {
                    match queue.try_recv() {
                        Ok(Job::Alone(next)) => group.push(next),
                        Ok(other) => {
                            carried = Some(other);
                            break;
                        }
                        Err(_) => break,
                    }
                }
                commit_group(&conn, group);
            }
            Job::Session { ops, opened } => session(&conn, &ops, opened),
            Job::Read { sql, args, reply } => {
                let _ = reply.send(statements::rows(&conn, &sql, &args));
            }
            Job::Close(done) => {
                drop(conn);
                let _ = done.send(());
                return;
            }
        }
    }
}

/// Runs `group` as one transaction, each write in its own savepoint, and answers every
/// write after the commit.
fn commit_group(conn: &Connection, group: Vec<Alone>) {
    if let Err(e) = control(conn, "BEGIN IMMEDIATE") {
        for write in group {
            write.fail(&e);
        }
        return;
    }
    // A write alone in its group needs no savepoint: if it fails, the whole transaction
    // is rolled back instead of committed.
    let alone = group.len() == 1;
    let mut outcomes = Vec::with_capacity(group.len());
    let mut rest = group.into_iter();
    while let Some(write) = rest.next() {
        let outcome = write.run(conn, !alone);
        // The only write failed, or SQLite rolled the whole transaction back (disk full,
        // I/O error): the writes before this one are gone too, and the rest must not run
        // outside a transaction.
        let lost = outcome
            .error()
            .filter(|_| alone || conn.is_autocommit())
            .map(SqlError::again);
        let Some(e) = lost else {
            outcomes.push(outcome);
            continue;
        };
        if !conn.is_autocommit() {
            let _ = control(conn, "ROLLBACK");
        }
        outcome.send();
        for outcome in outcomes {
            outcome.fail(&e);
        }
        for write in rest {
            write.fail(&e);
        }
        return;
    }
    match control(conn, "COMMIT") {
        Ok(()) => {
            for outcome in outcomes {
                outcome.send();
            }
        }
        Err(e) => {
            let _ = control(conn, "ROLLBACK");
            for outcome in outcomes {
                outcome.fail(&e);
            }
        }
    }
}

/// A transaction-control statement, prepared once per connection.
fn control(conn: &Connection, sql: &str) -> Result<(), SqlError> {
    conn.prepare_cached(sql)?.execute([])?;
    Ok(())
}

impl Alone {
    /// Runs the write, in a savepoint rolled back to if the write fails when `savepoint`.
    fn run(self, conn: &Connection, savepoint: bool) -> Outcome {
        let Alone { sql, args, work } = self;
        if savepoint {
            if let Err(e) = control(conn, "SAVEPOINT lone") {
                return Outcome::failed(work, e);
            }
        }
        let outcome = match work {
            Work::Rows(reply) => Outcome::Rows(reply, statements::rows(conn, &sql, &args)),
            Work::Batch(reply) => Outcome::Rows(reply, statements::batch(conn, &sql, &args)),
            Work::Affected(reply) => {
                Outcome::Affected(reply, statements::affected(conn, &sql, &args))
            }
        };
        if savepoint && !conn.is_autocommit() {
            if outcome.error().is_some() {
                let _ = control(conn, "ROLLBACK TO lone");
            }
            let _ = control(conn, "RELEASE lone");
        }
        outcome
    }

    fn fail(self, e: &SqlError) {
        Outcome::failed(self.work, e.again()).send();
    }
}

impl Outcome {
    fn failed(work: Work, e: SqlError) -> Outcome {
        match work {
            Work::Rows(reply) | Work::Batch(reply) => Outcome::Rows(reply, Err(e)),
            Work::Affected(reply) => Outcome::Affected(reply, Err(e)),
        }
    }

    fn error(&self) -> Option<&SqlError> {
        match self {
            Outcome::Rows(_, Err(e)) | Outcome::Affected(_, Err(e)) => Some(e),
            _ => None,
        }
    }

    /// Sends the answer. The requester may be gone; the write happened regardless.
    fn send(self) {
        match self {
            Outcome::Rows(reply, result) => drop(reply.send(result)),
            Outcome::Affected(reply, result) => drop(reply.send(result)),
        }
    }

    /// Answers with `e` instead (the write did not survive its group).
    fn fail(self, e: &SqlError) {
        match self {
            Outcome::Rows(reply, _) => drop(reply.send(Err(e.again()))),
            Outcome::Affected(reply, _) => drop(reply.send(Err(e.again()))),
        }
    }
}

/// Serves one interactive transaction until it commits or its handle is dropped.
fn session(conn: &Connection, ops: &mpsc::Receiver<Op>, opened: Reply<()>) {
    if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
        let _ = opened.send(Err(e.into()));
        return;
    }
    if opened.send(Ok(())).is_err() {
        let _ = conn.execute_batch("ROLLBACK");
        return;
    }
    // Set when SQLite rolled the transaction back by itself after an error: nothing more
    // may run, or it would run outside any transaction.
    let mut lost = false;
    while let Ok(op) = ops.recv() {
        match op {
            Op::Execute { sql, args, reply } => {
                let result = guarded(conn, &mut lost, || statements::affected(conn, &sql, &args));
                let _ = reply.send(result);
            }
            Op::Fetch { sql, args, reply } => {
                let result = guarded(conn, &mut lost, || statements::rows(conn, &sql, &args));
                let _ = reply.send(result);
            }
            Op::Script { sql, reply } => {
                let result = guarded(conn, &mut lost, || Ok(conn.execute_batch(&sql)?));
                let _ = reply.send(result);
            }
            Op::Commit { reply } => {
                let result = guarded(conn, &mut lost, || Ok(conn.execute_batch("COMMIT")?));
                if result.is_err() && !conn.is_autocommit() {
                    let _ = conn.execute_batch("ROLLBACK");
                }
                let _ = reply.send(result);
                return;
            }
        }
    }
    // The handle was dropped without a commit.
    if !conn.is_autocommit() {
        let _ = conn.execute_batch("ROLLBACK");
    }
}

/// Runs one statement of a transaction unless the transaction is already `lost`, and
/// marks it lost when SQLite ended it because of this statement's error.
fn guarded<T>(
    conn: &Connection,
    lost: &mut bool,
    run: impl FnOnce() -> Result<T, SqlError>,
) -> Result<T, SqlError> {
    if *lost {
        return Err(SqlError::Other(
            "the transaction was rolled back after an error".into(),
        ));
    }
    let result = run();
    if result.is_err() && conn.is_autocommit() {
        *lost = true;
    }
    result
}
