//! The queue for SQLite writes that stand alone: single statements and one-trip batches
//! (`Backend::write_alone`, `execute_alone`, `write_batch`).
//!
//! SQLite has one writer, so the time between two writes is time nobody writes. Through
//! the pool, every write hands the connection over to the next waiting task, which must
//! first be polled by a runtime worker — and on a loaded server those are busy signing
//! tokens. So these writes go to a thread of their own instead: it takes the writer
//! connection from the pool, runs every write already queued back to back (each still
//! its own atomic statement or batch), and gives the connection back, so interactive
//! write transactions take their turn through the pool as before. A request that is
//! dropped while its write is queued or running does not stop the write: it still runs
//! to its end (a batch never stays open between its BEGIN and COMMIT).

use sqlx::Sqlite;
use sqlx::pool::PoolConnection;
use sqlx::sqlite::{SqlitePool, SqliteRow};
use tokio::sync::{mpsc, oneshot};

use crate::codec::{Arg, bind_args};

/// At most this many queued writes run on one checkout of the connection, so a steady
/// stream of them cannot keep a write transaction waiting for long.
const WRITES_PER_CHECKOUT: usize = 64;

type Reply<T> = oneshot::Sender<Result<T, sqlx::Error>>;

/// What a queued write is, with where its answer goes.
enum Work {
    /// One statement: every row it returns (`RETURNING`).
    Rows(Reply<Vec<SqliteRow>>),
    /// One statement: the number of rows it changed.
    Affected(Reply<u64>),
    /// Several statements between BEGIN and COMMIT: every row they return; rolled back
    /// if one fails.
    Batch(Reply<Vec<SqliteRow>>),
}

struct Job {
    sql: String,
    args: Vec<Arg>,
    work: Work,
}

/// The handle to the queue; its thread ends when the last handle is dropped.
#[derive(Debug, Clone)]
pub(crate) struct LoneWrites {
    jobs: mpsc::UnboundedSender<Job>,
}

impl LoneWrites {
    /// Starts the thread that runs the writes on `writer` (the single-connection pool).
    pub(crate) fn start(writer: SqlitePool) -> std::io::Result<Self> {
        let (jobs, queue) = mpsc::unbounded_channel();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        std::thread::Builder::new()
            .name("sqlite-writes".into())
            .spawn(move || runtime.block_on(serve(writer, queue)))?;
        Ok(Self { jobs })
    }

    /// One statement; the rows it returns.
    pub(crate) async fn rows(
        &self,
        sql: &str,
        args: Vec<Arg>,
    ) -> Result<Vec<SqliteRow>, sqlx::Error> {
        self.submit(sql, args, Work::Rows).await
    }

    /// One statement; the number of rows it changed.
    pub(crate) async fn affected(&self, sql: &str, args: Vec<Arg>) -> Result<u64, sqlx::Error> {
        self.submit(sql, args, Work::Affected).await
    }

    /// `statements` between BEGIN IMMEDIATE and COMMIT; the rows they return.
    pub(crate) async fn batch(
        &self,
        statements: &str,
        args: Vec<Arg>,
    ) -> Result<Vec<SqliteRow>, sqlx::Error> {
        self.submit(statements, args, Work::Batch).await
    }

    /// Queues a write and waits for its answer.
    async fn submit<T>(
        &self,
        sql: &str,
        args: Vec<Arg>,
        work: impl FnOnce(Reply<T>) -> Work,
    ) -> Result<T, sqlx::Error> {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            sql: sql.to_owned(),
            args,
            work: work(reply),
        };
        self.jobs.send(job).map_err(|_| sqlx::Error::PoolClosed)?;
        answer.await.map_err(|_| sqlx::Error::PoolClosed)?
    }
}

async fn serve(writer: SqlitePool, mut queue: mpsc::UnboundedReceiver<Job>) {
    while let Some(first) = queue.recv().await {
        let mut conn = match writer.acquire().await {
            Ok(conn) => conn,
            Err(e) => {
                first.fail(e);
                continue;
            }
        };
        let mut next = Some(first);
        let mut ran = 0;
        while let Some(job) = next.take() {
            job.run(&mut conn).await;
            ran += 1;
            if ran < WRITES_PER_CHECKOUT {
                next = queue.try_recv().ok();
            }
        }
    }
}

impl Job {
    /// Runs the write and sends its answer. The requester may be gone; the write
    /// happened regardless.
    async fn run(self, conn: &mut PoolConnection<Sqlite>) {
        let Job { sql, args, work } = self;
        match work {
            Work::Rows(reply) => {
                let rows = bind_args!(sqlx::query(&sql), args)
                    .fetch_all(&mut **conn)
                    .await;
                let _ = reply.send(rows);
            }
            Work::Affected(reply) => {
                let done = bind_args!(sqlx::query(&sql), args)
                    .execute(&mut **conn)
                    .await
                    .map(|done| done.rows_affected());
                let _ = reply.send(done);
            }
            Work::Batch(reply) => {
                let batch = format!("BEGIN IMMEDIATE; {sql}; COMMIT");
                let rows = bind_args!(sqlx::query(&batch), args)
                    .fetch_all(&mut **conn)
                    .await;
                if rows.is_err() {
                    // A statement failed after BEGIN: end the transaction before the
                    // connection goes back to the pool. Without an open transaction
                    // (BEGIN itself failed) this fails harmlessly.
                    let _ = sqlx::query("ROLLBACK").execute(&mut **conn).await;
                }
                let _ = reply.send(rows);
            }
        }
    }

    /// Answers with `error` without running.
    fn fail(self, error: sqlx::Error) {
        // A send fails only when the requester is gone: nobody to tell.
        match self.work {
            Work::Rows(reply) | Work::Batch(reply) => drop(reply.send(Err(error))),
            Work::Affected(reply) => drop(reply.send(Err(error))),
        }
    }
}
