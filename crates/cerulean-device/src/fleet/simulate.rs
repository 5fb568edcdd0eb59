//! The run: `concurrency` workers take the next device number until all are set up, each
//! device a full headless OOBE ([`Oobe::run`]) in its own state directory, all sharing
//! one HTTP client (as many keep-alive connections as workers) and one key pool.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use cerulean_crypto::SecretString;
use indicatif::{ProgressBar, ProgressStyle};

use super::keypool::{KeyPool, PooledKeys};
use super::memory::{self, Sampler};
use super::report::{FleetReport, KeyPoolNote, ServerMemory, SimulatorMemory, mib};
use super::server_time;
use super::stats::{Recorder, Samples};
use crate::error::{DeviceError, Result};
use crate::http::{Http, RetryPolicy, Trust};
use crate::oobe::{Credential, Oobe, Outcome, Setup};
use crate::state::{JoinKind, Phase, StateDir};

/// Each device draws a device key and a transport key.
pub const KEYS_PER_DEVICE: usize = 2;

/// What to simulate.
#[derive(Debug, Clone)]
pub struct FleetConfig {
    /// One server for the authority and the DRS (Cerulean), e.g. `https://localhost:8443`.
    pub server: String,
    pub trust: Trust,
    pub devices: usize,
    /// Devices set up at the same time.
    pub concurrency: usize,
    /// Device `i` signs in as `users[i % users.len()]`.
    pub users: Vec<String>,
    /// The password of every user.
    pub password: SecretString,
    /// Device `i` keeps its state in `state_dir_root/device-NNNNN`.
    pub state_dir_root: PathBuf,
    /// Sample this process's memory during the run (the server's, normally).
    pub server_pid: Option<u32>,
    pub retry: RetryPolicy,
    /// Draw a progress bar on standard error (when it is a terminal).
    pub progress_bar: bool,
}

/// What every worker shares.
struct Shared {
    config: FleetConfig,
    http: Http,
    pool: Option<Arc<KeyPool>>,
    samples: Arc<Samples>,
    next: AtomicUsize,
    bar: ProgressBar,
}

/// How one device's setup ended.
enum Ended {
    Joined,
    /// Its state directory says it finished in an earlier run: nothing measured.
    AlreadyJoined,
}

/// Runs the fleet and measures it. Per-device failures are counted, not returned: the
/// error is only for a run that could not start.
///
/// `pool` gives every device its keys; `None` has each device generate its own during
/// its keys step, as a real one does.
pub async fn simulate(config: FleetConfig, pool: Option<Arc<KeyPool>>) -> Result<FleetReport> {
    if config.users.is_empty() {
        return Err(DeviceError::Input(
            "name at least one user with --users".into(),
        ));
    }
    let concurrency = config.concurrency.clamp(1, config.devices.max(1));
    let needed = config.devices * KEYS_PER_DEVICE;
    if let Some(pool) = pool.as_ref().filter(|p| p.remaining() < needed) {
        return Err(DeviceError::Input(format!(
            "the key pool holds {} keys; {} devices need {needed}",
            pool.remaining(),
            config.devices
        )));
    }
    crate::fsutil::ensure_private_dir(&config.state_dir_root)?;
    let http = Http::new(&config.trust, None)?;
    let pool_note = pool.as_ref().map(|p| KeyPoolNote::of(p, needed));

    let before = server_time::scrape(&http, &config.server).await;
    let server_before = memory::read(config.server_pid);
    let simulator_before = memory::read(None);
    let sampler = Sampler::start(config.server_pid);

    let bar = progress_bar(config.devices as u64, config.progress_bar);
    let shared = Arc::new(Shared {
        http: http.clone(),
        pool,
        samples: Arc::new(Samples::default()),
        next: AtomicUsize::new(0),
        bar: bar.clone(),
        config,
    });
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        workers.spawn(worker(shared.clone()));
    }
    let (mut joined, mut already) = (0, 0);
    while let Some(done) = workers.join_next().await {
        let (j, a) = done.unwrap_or_else(|e| {
            shared
                .samples
                .record_error(format!("a simulator task failed: {e}"));
            (0, 0)
        });
        joined += j;
        already += a;
    }
    let wall = started.elapsed();
    bar.finish_and_clear();

    let config = &shared.config;
    let peaks = sampler.stop(config.server_pid);
    let after = server_time::scrape(&http, &config.server).await;
    let server_time = match (&before, &after) {
        (Some(b), Some(a)) => server_time::difference(b, a),
        _ => Vec::new(),
    };
    let samples = &shared.samples;
    let errors = samples.errors();
    let failed = errors.values().sum();
    let server_memory = config.server_pid.map(|pid| ServerMemory {
        pid,
        rss_before_mb: server_before.map(|r| mib(r.rss_kib)),
        peak_rss_mb: peaks.server_rss_kib.map(mib),
        hwm_mb: peaks.server_hwm_kib.map(mib),
    });
    let rss_before = simulator_before.map_or(0.0, |r| mib(r.rss_kib));
    let simulator_peak = mib(peaks.simulator_rss_kib);
    Ok(FleetReport {
        server: config.server.clone(),
        devices: config.devices,
        concurrency,
        users: config.users.len(),
        joined,
        already_joined: already,
        failed,
        wall_seconds: wall.as_secs_f64(),
        devices_per_second: joined as f64 / wall.as_secs_f64().max(f64::EPSILON),
        phases: samples.summaries(),
        errors,
        retries: samples.retries(),
        key_pool: pool_note,
        server_time,
        server_memory,
        simulator_memory: SimulatorMemory {
            rss_before_mb: rss_before,
            peak_rss_mb: simulator_peak,
            hwm_mb: mib(peaks.simulator_hwm_kib),
            per_device_in_flight_mb: (simulator_peak - rss_before).max(0.0) / concurrency as f64,
        },
    })
}

/// Sets up devices until none are left; returns (joined, already joined).
async fn worker(shared: Arc<Shared>) -> (usize, usize) {
    let (mut joined, mut already) = (0, 0);
    loop {
        let i = shared.next.fetch_add(1, Ordering::Relaxed);
        if i >= shared.config.devices {
            return (joined, already);
        }
        match one_device(&shared, i).await {
            Ok(Ended::Joined) => joined += 1,
            Ok(Ended::AlreadyJoined) => already += 1,
            Err(e) => {
                shared.samples.record_error(e.to_string());
                let failed: usize = shared.samples.errors().values().sum();
                shared.bar.set_message(format!("{failed} failed"));
            }
        }
        shared.bar.inc(1);
    }
}

async fn one_device(shared: &Shared, i: usize) -> Result<Ended> {
    let config = &shared.config;
    let dir = config.state_dir_root.join(format!("device-{i:05}"));
    if StateDir::open(&dir)?
        .load()?
        .is_some_and(|s| s.phase == Phase::Complete)
    {
        return Ok(Ended::AlreadyJoined);
    }
    let upn = config.users[i % config.users.len()].clone();
    let mut setup = Setup::for_server(&dir, &config.server, config.trust.clone());
    // NetBIOS-length names that say where the device came from.
    setup.display_name = Some(format!("FLEET-{i:05}"));
    setup.retry = config.retry;
    let recorder = Arc::new(Recorder(shared.samples.clone()));
    let mut oobe = Oobe::with_http(setup, recorder, shared.http.clone())?;
    if let Some(pool) = &shared.pool {
        oobe = oobe.with_key_source(Box::new(PooledKeys(pool.clone())));
    }
    let started = Instant::now();
    let outcome = oobe
        .run(
            Credential::Password {
                upn,
                password: config.password.clone(),
            },
            JoinKind::Join,
        )
        .await?;
    match outcome {
        Outcome::Desktop { .. } => {
            shared.samples.record_total(started.elapsed());
            Ok(Ended::Joined)
        }
        Outcome::SignInScreen { upn, .. } => Err(DeviceError::Input(format!(
            "{upn} joined but got no PRT (a federated realm?)"
        ))),
    }
}

fn progress_bar(len: u64, visible: bool) -> ProgressBar {
    if !visible {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} devices ({per_sec}, eta {eta}) {msg}",
    ) {
        bar.set_style(style);
    }
    bar
}
