//! What the devices measured: a duration per step and device, errors by message.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::error::DeviceError;
use crate::oobe::{Progress, Step};

/// Samples shared by every simulated device of a run.
#[derive(Debug, Default)]
pub struct Samples {
    phases: Mutex<BTreeMap<Step, Vec<Duration>>>,
    totals: Mutex<Vec<Duration>>,
    errors: Mutex<BTreeMap<String, usize>>,
    retries: AtomicU64,
}

impl Samples {
    pub fn record(&self, step: Step, elapsed: Duration) {
        lock(&self.phases).entry(step).or_default().push(elapsed);
    }

    /// One device's whole setup, first step to PRT saved.
    pub fn record_total(&self, elapsed: Duration) {
        lock(&self.totals).push(elapsed);
    }

    /// A device that failed: grouped by message so a thousand identical failures read as
    /// one line.
    pub fn record_error(&self, message: String) {
        *lock(&self.errors).entry(message).or_default() += 1;
    }

    pub fn retries(&self) -> u64 {
        self.retries.load(Ordering::Relaxed)
    }

    pub fn errors(&self) -> BTreeMap<String, usize> {
        lock(&self.errors).clone()
    }

    /// Percentiles per phase, in the OOBE's order, then the whole device.
    pub fn summaries(&self) -> Vec<PhaseSummary> {
        let phases = lock(&self.phases);
        let mut out: Vec<PhaseSummary> = Step::ALL
            .iter()
            .filter_map(|step| {
                phases
                    .get(step)
                    .map(|samples| PhaseSummary::of(step.name(), samples))
            })
            .collect();
        let totals = lock(&self.totals);
        if !totals.is_empty() {
            out.push(PhaseSummary::of("device total", &totals));
        }
        out
    }

    /// Number of samples of `step`.
    pub fn count(&self, step: Step) -> usize {
        lock(&self.phases).get(&step).map_or(0, Vec::len)
    }
}

/// The OOBE's progress callbacks of one simulated device, recorded into the run's
/// samples (and nothing shown: the run has one progress bar for all devices).
#[derive(Debug)]
pub struct Recorder(pub std::sync::Arc<Samples>);

impl Progress for Recorder {
    fn step_finished(&self, step: Step, elapsed: Duration) {
        self.0.record(step, elapsed);
    }
    fn retrying(&self, _step: Step, _error: &DeviceError, _wait: Duration) {
        // A retry hides a failure the server had: count it, the run reports it.
        self.0.retries.fetch_add(1, Ordering::Relaxed);
    }
}

/// Latency percentiles of one phase, in milliseconds.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct PhaseSummary {
    pub phase: String,
    pub count: usize,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub mean_ms: f64,
}

impl PhaseSummary {
    fn of(phase: &str, samples: &[Duration]) -> Self {
        let mut sorted = samples.to_vec();
        sorted.sort_unstable();
        let sum: Duration = sorted.iter().sum();
        let mean = if sorted.is_empty() {
            0.0
        } else {
            ms(sum) / sorted.len() as f64
        };
        Self {
            phase: phase.to_string(),
            count: sorted.len(),
            p50_ms: ms(percentile(&sorted, 50.0)),
            p95_ms: ms(percentile(&sorted, 95.0)),
            p99_ms: ms(percentile(&sorted, 99.0)),
            max_ms: ms(sorted.last().copied().unwrap_or_default()),
            mean_ms: mean,
        }
    }
}

/// Nearest-rank percentile of sorted samples (the smallest sample with at least `p` % of
/// the samples at or below it); zero for no samples.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn millis(v: &[u64]) -> Vec<Duration> {
        v.iter().map(|&m| Duration::from_millis(m)).collect()
    }

    #[test]
    fn nearest_rank_percentiles() {
        let sorted = millis(&(1..=100).collect::<Vec<_>>());
        assert_eq!(percentile(&sorted, 50.0), Duration::from_millis(50));
        assert_eq!(percentile(&sorted, 95.0), Duration::from_millis(95));
        assert_eq!(percentile(&sorted, 99.0), Duration::from_millis(99));
        assert_eq!(percentile(&sorted, 100.0), Duration::from_millis(100));
        assert_eq!(percentile(&millis(&[7]), 99.0), Duration::from_millis(7));
        assert_eq!(percentile(&[], 50.0), Duration::ZERO);
    }

    #[test]
    fn summaries_follow_the_oobe_order_and_errors_group_by_message() {
        let samples = Samples::default();
        samples.record(Step::Prt, Duration::from_millis(3));
        samples.record(Step::Realm, Duration::from_millis(1));
        samples.record(Step::Realm, Duration::from_millis(2));
        samples.record_total(Duration::from_millis(9));
        samples.record_error("quota".into());
        samples.record_error("quota".into());
        samples.record_error("other".into());
        let names: Vec<_> = samples
            .summaries()
            .into_iter()
            .map(|s| (s.phase, s.count))
            .collect();
        assert_eq!(
            names,
            [
                ("realm".to_string(), 2),
                ("prt".to_string(), 1),
                ("device total".to_string(), 1)
            ]
        );
        assert_eq!(samples.errors().get("quota"), Some(&2));
        assert_eq!(samples.errors().len(), 2);
    }
}
