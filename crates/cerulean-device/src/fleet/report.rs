//! The run's results: one struct, printed as a table or as JSON (`--json`).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::keypool::KeyPool;
use super::server_time::RouteTime;
use super::stats::PhaseSummary;

/// Everything a run measured.
#[derive(Debug, Clone, serde::Serialize)]
pub struct FleetReport {
    pub server: String,
    pub devices: usize,
    pub concurrency: usize,
    pub users: usize,
    /// Devices set up in this run (PRT stored).
    pub joined: usize,
    /// Devices whose state directory said they had finished before (not measured).
    pub already_joined: usize,
    pub failed: usize,
    pub wall_seconds: f64,
    /// `joined / wall_seconds`.
    pub devices_per_second: f64,
    /// Per OOBE step as the device saw it, then `device total`.
    pub phases: Vec<PhaseSummary>,
    /// Failed devices by error message (0 expected).
    pub errors: BTreeMap<String, usize>,
    /// Network-level failures a step retried (a 5xx or a dropped connection); each one
    /// is a failure the server had even if the device got through in the end.
    pub retries: u64,
    /// `None`: every device generated its own keys during the run.
    pub key_pool: Option<KeyPoolNote>,
    /// The server's own time per route (its `/metrics`), empty if not available.
    pub server_time: Vec<RouteTime>,
    pub server_memory: Option<ServerMemory>,
    pub simulator_memory: SimulatorMemory,
}

/// Where the devices' keys came from.
#[derive(Debug, Clone, serde::Serialize)]
pub struct KeyPoolNote {
    /// Keys the run needs (two per device).
    pub keys: usize,
    pub generated: usize,
    pub from_cache: usize,
    pub cache_dir: Option<String>,
}

impl KeyPoolNote {
    pub fn of(pool: &KeyPool, keys: usize) -> Self {
        let origin = pool.origin();
        Self {
            keys,
            generated: origin.generated,
            from_cache: origin.from_cache,
            cache_dir: pool.cache_dir().map(|d| d.display().to_string()),
        }
    }

    /// The line the run prints first: the figures do not include key generation.
    pub fn sentence(&self) -> String {
        let source = match (&self.cache_dir, self.from_cache, self.generated) {
            (Some(dir), 0, g) => format!("{g} generated now and saved in {dir}"),
            (Some(dir), c, 0) => format!("all {c} from the cache {dir}"),
            (Some(dir), c, g) => format!("{c} from the cache {dir}, {g} generated now"),
            (None, _, g) => format!("{g} generated now"),
        };
        format!(
            "Key pool: the devices' RSA-2048 keys were made before the run ({source}); each \
             key is used by one device only, so the server sees a distinct device key and \
             transport key per device, but the devices' own key generation is not in the \
             figures below."
        )
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ServerMemory {
    pub pid: u32,
    pub rss_before_mb: Option<f64>,
    /// Largest `VmRSS` sampled during the run.
    pub peak_rss_mb: Option<f64>,
    /// `VmHWM` at the end: the peak since the server started, this run or not.
    pub hwm_mb: Option<f64>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct SimulatorMemory {
    /// After the key pool was loaded, before the first device.
    pub rss_before_mb: f64,
    pub peak_rss_mb: f64,
    pub hwm_mb: f64,
    /// `(peak − before) / concurrency`: what one device in flight costs the simulator.
    pub per_device_in_flight_mb: f64,
}

/// KiB (as `/proc` counts) to MB as the docs print them (MiB).
pub fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

impl FleetReport {
    /// The table the command prints.
    pub fn render_text(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{} devices against {}, {} at a time, spread over {} user{}",
            self.devices,
            self.server,
            self.concurrency,
            self.users,
            if self.users == 1 { "" } else { "s" }
        );
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{:<14} {:>6} {:>9} {:>9} {:>9} {:>9}",
            "phase", "count", "p50 ms", "p95 ms", "p99 ms", "max ms"
        );
        for p in &self.phases {
            let _ = writeln!(
                out,
                "{:<14} {:>6} {:>9.1} {:>9.1} {:>9.1} {:>9.1}",
                p.phase, p.count, p.p50_ms, p.p95_ms, p.p99_ms, p.max_ms
            );
        }
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "Throughput: {} devices set up in {:.1} s = {:.1} devices/s",
            self.joined, self.wall_seconds, self.devices_per_second
        );
        if self.already_joined > 0 {
            let _ = writeln!(
                out,
                "            {} devices had finished in an earlier run (state kept) and were \
                 not measured",
                self.already_joined
            );
        }
        if self.errors.is_empty() {
            let _ = writeln!(out, "Errors: 0");
        } else {
            let _ = writeln!(out, "Errors: {} devices failed", self.failed);
            for (message, n) in &self.errors {
                let _ = writeln!(out, "  {n:>6} × {message}");
            }
        }
        let _ = writeln!(out, "Retried network failures: {}", self.retries);
        if !self.server_time.is_empty() {
            let _ = writeln!(out);
            let _ = writeln!(out, "Server time per route (its /metrics, during the run):");
            let _ = writeln!(out, "  {:<44} {:>9} {:>9}", "route", "requests", "mean ms");
            for r in &self.server_time {
                let _ = writeln!(
                    out,
                    "  {:<44} {:>9} {:>9.1}",
                    r.route, r.requests, r.mean_ms
                );
            }
        }
        let _ = writeln!(out);
        if let Some(m) = &self.server_memory {
            let show =
                |v: Option<f64>| v.map_or("unreadable".to_string(), |v| format!("{v:.1} MB"));
            let _ = writeln!(
                out,
                "Server memory (pid {}): peak RSS {} during the run ({} before; VmHWM since \
                 start {})",
                m.pid,
                show(m.peak_rss_mb),
                show(m.rss_before_mb),
                show(m.hwm_mb)
            );
        }
        let s = &self.simulator_memory;
        let _ = writeln!(
            out,
            "Simulator memory: {:.1} MB before the first device (key pool loaded), peak {:.1} MB; \
             ≈ {:.2} MB per device in flight ({} at a time)",
            s.rss_before_mb, s.peak_rss_mb, s.per_device_in_flight_mb, self.concurrency
        );
        out
    }
}
