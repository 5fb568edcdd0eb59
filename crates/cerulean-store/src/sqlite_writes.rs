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

/// What a queued write answers.
pub(crate) enum Shape {
    /// Every row it returns (`RETURNING`, a batch's `SELECT`).
    Rows,
    /// The number of rows it changed.
    Affected,
    /// Several statements between BEGIN and COMMIT: every row they return; rolled back
    /// if one fails.
    Batch,
}

/// A queued write's answer.
pub(crate) enum Done {
    Rows(Vec<SqliteRow>),
    Affected(u64),
}

struct Job {
    sql: String,
    args: Vec<Arg>,
    shape: Shape,
    reply: oneshot::Sender<Result<Done, sqlx::Error>>,
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

    /// Queues a write and waits for its answer.
    pub(crate) async fn run(
        &self,
        sql: String,
        args: Vec<Arg>,
        shape: Shape,
    ) -> Result<Done, sqlx::Error> {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            sql,
            args,
            shape,
            reply,
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
                let _ = first.reply.send(Err(e));
                continue;
            }
        };
        let mut next = Some(first);
        let mut ran = 0;
        while let Some(job) = next.take() {
            let answer = execute(&mut conn, job.sql, job.args, job.shape).await;
            // The requester may be gone; the write happened regardless.
            let _ = job.reply.send(answer);
            ran += 1;
            if ran < WRITES_PER_CHECKOUT {
                next = queue.try_recv().ok();
            }
        }
    }
}

async fn execute(
    conn: &mut PoolConnection<Sqlite>,
    sql: String,
    args: Vec<Arg>,
    shape: Shape,
) -> Result<Done, sqlx::Error> {
    match shape {
        Shape::Rows => bind_args!(sqlx::query(&sql), args)
            .fetch_all(&mut **conn)
            .await
            .map(Done::Rows),
        Shape::Affected => bind_args!(sqlx::query(&sql), args)
            .execute(&mut **conn)
            .await
            .map(|done| Done::Affected(done.rows_affected())),
        Shape::Batch => {
            let batch = format!("BEGIN IMMEDIATE; {sql}; COMMIT");
            let rows = bind_args!(sqlx::query(&batch), args)
                .fetch_all(&mut **conn)
                .await;
            if rows.is_err() {
                // A statement failed after BEGIN: end the transaction before the
                // connection goes back to the pool. Without an open transaction (BEGIN
                // itself failed) this fails harmlessly.
                let _ = sqlx::query("ROLLBACK").execute(&mut **conn).await;
            }
            rows.map(Done::Rows)
        }
    }
}
