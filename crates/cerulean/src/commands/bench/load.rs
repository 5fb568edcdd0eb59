//! A small closed-loop load generator: C workers each send one request at a time for a
//! fixed duration; latencies are collected and summarised as percentiles.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The measured outcome of one scenario.
#[derive(Debug, Clone)]
pub struct LoadResult {
    pub name: String,
    pub ok: usize,
    pub errors: usize,
    pub elapsed: Duration,
    pub latencies: Vec<Duration>,
    pub first_error: Option<String>,
}

impl LoadResult {
    pub fn per_second(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.ok as f64 / secs
        } else {
            0.0
        }
    }

    /// The latency at quantile `q` (0..=1) of successful requests.
    pub fn percentile(&self, q: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let rank = ((self.latencies.len() as f64 - 1.0) * q).round() as usize;
        self.latencies
            .get(rank.min(self.latencies.len() - 1))
            .copied()
            .unwrap_or_default()
    }

    pub fn header() -> String {
        format!(
            "{:<22} {:>8} {:>7} {:>10} {:>9} {:>9} {:>9}",
            "scenario", "ok", "errors", "ops/s", "p50 ms", "p95 ms", "p99 ms"
        )
    }

    pub fn row(&self) -> String {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        format!(
            "{:<22} {:>8} {:>7} {:>10.1} {:>9.2} {:>9.2} {:>9.2}",
            self.name,
            self.ok,
            self.errors,
            self.per_second(),
            ms(self.percentile(0.50)),
            ms(self.percentile(0.95)),
            ms(self.percentile(0.99)),
        )
    }
}

/// Runs `worker(i)` in a loop on `concurrency` tasks for `duration`. Each call returns
/// `Ok(())` or an error text; the first error text is kept for the report.
pub async fn run<F, Fut>(
    name: &str,
    concurrency: usize,
    duration: Duration,
    worker: F,
) -> LoadResult
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), String>> + Send + 'static,
{
    let worker = Arc::new(worker);
    let start = Instant::now();
    let deadline = start + duration;
    let mut tasks = Vec::with_capacity(concurrency);
    for i in 0..concurrency {
        let worker = worker.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0usize;
            let mut first_error = None;
            while Instant::now() < deadline {
                let t0 = Instant::now();
                match worker(i).await {
                    Ok(()) => latencies.push(t0.elapsed()),
                    Err(e) => {
                        errors += 1;
                        first_error.get_or_insert(e);
                    }
                }
            }
            (latencies, errors, first_error)
        }));
    }
    let mut result = LoadResult {
        name: name.to_string(),
        ok: 0,
        errors: 0,
        elapsed: Duration::ZERO,
        latencies: Vec::new(),
        first_error: None,
    };
    for task in tasks {
        if let Ok((latencies, errors, first_error)) = task.await {
            result.ok += latencies.len();
            result.errors += errors;
            result.latencies.extend(latencies);
            if result.first_error.is_none() {
                result.first_error = first_error;
            }
        }
    }
    result.elapsed = start.elapsed();
    result.latencies.sort_unstable();
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_pick_ranks() {
        let r = LoadResult {
            name: "x".into(),
            ok: 100,
            errors: 0,
            elapsed: Duration::from_secs(1),
            latencies: (1..=100).map(Duration::from_millis).collect(),
            first_error: None,
        };
        assert_eq!(r.percentile(0.5), Duration::from_millis(51));
        assert_eq!(r.percentile(0.99), Duration::from_millis(99));
        assert_eq!(r.per_second(), 100.0);
    }
}
