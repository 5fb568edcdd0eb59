//! Resident memory of the server and of the simulator, from `/proc/PID/status`.
//!
//! `VmRSS` is what is resident now; `VmHWM` the peak since the process started. The
//! server's `VmHWM` also covers whatever it did before this run, so the run samples
//! `VmRSS` as it goes and reports both.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// How often the sampler reads `/proc`.
const SAMPLE_EVERY: Duration = Duration::from_millis(200);

/// One reading, in KiB (the unit `/proc` uses).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Reading {
    pub rss_kib: u64,
    pub hwm_kib: u64,
}

/// Reads `VmRSS` and `VmHWM` of `pid` (`None` for this process); `None` if the process
/// is gone or this is not Linux.
pub fn read(pid: Option<u32>) -> Option<Reading> {
    let path = match pid {
        Some(pid) => format!("/proc/{pid}/status"),
        None => "/proc/self/status".to_string(),
    };
    parse_status(&std::fs::read_to_string(path).ok()?)
}

fn parse_status(text: &str) -> Option<Reading> {
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| {
                rest.trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<u64>()
                    .ok()
            })
    };
    Some(Reading {
        rss_kib: field("VmRSS:")?,
        hwm_kib: field("VmHWM:")?,
    })
}

/// The largest `VmRSS` seen of one process while the sampler ran.
#[derive(Debug, Default)]
pub struct Peak {
    max_rss_kib: AtomicU64,
    samples: AtomicU64,
}

impl Peak {
    fn observe(&self, reading: Reading) {
        self.max_rss_kib
            .fetch_max(reading.rss_kib, Ordering::Relaxed);
        self.samples.fetch_add(1, Ordering::Relaxed);
    }

    pub fn max_rss_kib(&self) -> u64 {
        self.max_rss_kib.load(Ordering::Relaxed)
    }

    pub fn samples(&self) -> u64 {
        self.samples.load(Ordering::Relaxed)
    }
}

/// Samples the server (if a pid is given) and this process until dropped.
#[derive(Debug)]
pub struct Sampler {
    pub server: Option<Arc<Peak>>,
    pub simulator: Arc<Peak>,
    task: tokio::task::JoinHandle<()>,
}

impl Sampler {
    pub fn start(server_pid: Option<u32>) -> Self {
        let server = server_pid.map(|_| Arc::new(Peak::default()));
        let simulator = Arc::new(Peak::default());
        let (s, me) = (server.clone(), simulator.clone());
        let task = tokio::spawn(async move {
            let mut tick = tokio::time::interval(SAMPLE_EVERY);
            loop {
                tick.tick().await;
                if let (Some(peak), Some(reading)) = (&s, server_pid.and_then(|p| read(Some(p)))) {
                    peak.observe(reading);
                }
                if let Some(reading) = read(None) {
                    me.observe(reading);
                }
            }
        });
        Self {
            server,
            simulator,
            task,
        }
    }

    /// Takes one last reading, stops, and says what the peaks were.
    pub fn stop(self, server_pid: Option<u32>) -> Peaks {
        self.task.abort();
        let server_end = server_pid.and_then(|p| read(Some(p)));
        if let (Some(peak), Some(reading)) = (&self.server, server_end) {
            peak.observe(reading);
        }
        let me = read(None);
        if let Some(reading) = me {
            self.simulator.observe(reading);
        }
        Peaks {
            server_rss_kib: self
                .server
                .as_ref()
                .filter(|p| p.samples() > 0)
                .map(|p| p.max_rss_kib()),
            server_hwm_kib: server_end.map(|r| r.hwm_kib),
            simulator_rss_kib: self.simulator.max_rss_kib(),
            simulator_hwm_kib: me.map_or(0, |r| r.hwm_kib),
        }
    }
}

/// The largest resident sizes seen during a run, in KiB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Peaks {
    /// `None` without a server pid, or if the server could not be read.
    pub server_rss_kib: Option<u64>,
    /// The server's `VmHWM` at the end (its peak since it started).
    pub server_hwm_kib: Option<u64>,
    pub simulator_rss_kib: u64,
    pub simulator_hwm_kib: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_kernel_format() {
        let text = "Name:\tcerulean\nVmPeak:\t  900 kB\nVmHWM:\t   73628 kB\nVmRSS:\t   15324 kB\n";
        assert_eq!(
            parse_status(text),
            Some(Reading {
                rss_kib: 15324,
                hwm_kib: 73628
            })
        );
        assert_eq!(parse_status("Name:\tx\n"), None);
    }

    #[test]
    fn this_process_can_be_read() {
        let me = read(None).unwrap();
        assert!(me.rss_kib > 0 && me.hwm_kib >= me.rss_kib);
        assert_eq!(read(Some(u32::MAX)), None, "no such process");
    }
}
