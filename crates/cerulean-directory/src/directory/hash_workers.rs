//! argon2id work on a fixed set of threads, one per core, fed from one queue.
//!
//! Each hash or verification takes tens of milliseconds of CPU, so it must not run on the
//! async workers, and more at once than there are cores would only make each slower while
//! holding ~19 MiB apiece. The threads here take the next job as soon as they finish one,
//! without sleeping in between. That matters on Linux: with a semaphore in front of the
//! blocking pool, a finished verification woke an async worker and went to sleep, the
//! woken worker was often queued behind the other core's verification, and this core sat
//! idle until the next load-balancing tick (milliseconds). Sign-in throughput lost about
//! 5 % to that idle time.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};

use cerulean_crypto::PasswordHasher;
use tokio::sync::oneshot;

use crate::error::{DirectoryError, DirectoryResult};

type Job = Box<dyn FnOnce(&PasswordHasher) + Send>;

/// The queue's sending end; the threads end when every clone of it is dropped.
#[derive(Debug, Clone)]
pub(crate) struct HashWorkers {
    jobs: Sender<Job>,
}

impl HashWorkers {
    /// Starts `threads` workers (at least one) hashing with `hasher`.
    pub(crate) fn start(hasher: &PasswordHasher, threads: usize) -> DirectoryResult<Self> {
        let (jobs, queue) = channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for index in 0..threads.max(1) {
            let (queue, hasher) = (queue.clone(), hasher.clone());
            std::thread::Builder::new()
                .name(format!("argon2id-{index}"))
                .spawn(move || work(&queue, &hasher))
                .map_err(|e| {
                    DirectoryError::Internal(format!("cannot start a password thread: {e}"))
                })?;
        }
        Ok(Self { jobs })
    }

    /// Runs `job` on a worker and waits for its result without blocking the executor.
    /// The job runs to the end even if the caller stops waiting.
    pub(crate) async fn run<T, F>(&self, job: F) -> DirectoryResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&PasswordHasher) -> T + Send + 'static,
    {
        let (reply, result) = oneshot::channel();
        let job: Job = Box::new(move |hasher| {
            // The caller may have gone away; its answer is then nobody's business.
            let _ = reply.send(job(hasher));
        });
        self.jobs
            .send(job)
            .map_err(|_| DirectoryError::Internal("the password threads have stopped".into()))?;
        result.await.map_err(|_| {
            DirectoryError::Internal("a password job ended without an answer".to_string())
        })
    }
}

/// One worker: takes jobs until the queue is closed. A job that panics loses only its own
/// answer (its caller gets an error); the worker goes on.
fn work(queue: &Mutex<Receiver<Job>>, hasher: &PasswordHasher) {
    loop {
        // Holding the lock while waiting is the point: one idle worker waits on the
        // channel, the others on the lock, and each job goes to exactly one of them.
        let next = match queue.lock() {
            Ok(receiver) => receiver.recv(),
            Err(poisoned) => poisoned.into_inner().recv(),
        };
        let Ok(job) = next else { return };
        let _ = catch_unwind(AssertUnwindSafe(|| job(hasher)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cerulean_crypto::{PasswordParams, SecretString};

    fn quick_hasher() -> PasswordHasher {
        PasswordHasher::new(PasswordParams {
            memory_kib: 64,
            iterations: 1,
            parallelism: 1,
        })
        .unwrap()
    }

    #[tokio::test]
    async fn jobs_run_on_the_named_threads_and_answer() {
        let workers = HashWorkers::start(&quick_hasher(), 2).unwrap();
        let password = SecretString::new("correct horse battery".into());
        let hash = {
            let password = password.clone();
            workers
                .run(move |h| h.hash(&password))
                .await
                .unwrap()
                .unwrap()
        };
        let (ok, thread) = workers
            .run(move |h| {
                let name = std::thread::current().name().map(str::to_string);
                (h.verify(&password, &hash).unwrap(), name)
            })
            .await
            .unwrap();
        assert!(ok);
        assert!(thread.unwrap().starts_with("argon2id-"));
    }

    #[tokio::test]
    async fn a_panicking_job_fails_alone() {
        let workers = HashWorkers::start(&quick_hasher(), 1).unwrap();
        let failed = workers
            .run(|_| -> u8 { std::panic::panic_any("boom") })
            .await;
        assert!(failed.is_err());
        // The single worker survived and still answers.
        assert_eq!(workers.run(|_| 7u8).await.unwrap(), 7);
    }

    #[tokio::test]
    async fn many_waiting_jobs_all_finish() {
        let workers = HashWorkers::start(&quick_hasher(), 2).unwrap();
        let runs: Vec<_> = (0..32u32)
            .map(|i| {
                let workers = workers.clone();
                tokio::spawn(async move { workers.run(move |_| i * 2).await.unwrap() })
            })
            .collect();
        let mut answers = Vec::new();
        for run in runs {
            answers.push(run.await.unwrap());
        }
        assert_eq!(answers, (0..32u32).map(|i| i * 2).collect::<Vec<_>>());
    }
}
