//! The fleet simulator (`cerulean-device fleet`): the whole headless OOBE for many
//! simulated devices against one server, with latency percentiles per phase, throughput,
//! errors and memory — the project's end-to-end benchmark.
//!
//! * [`keypool`] — pre-generated RSA keys, each handed out once (optionally cached on disk);
//! * [`simulate`] — the run itself, usable from tests without the command line;
//! * [`stats`], [`server_time`], [`memory`] — what is measured; [`report`] — how it is shown.

pub mod keypool;
pub mod memory;
pub mod report;
pub mod server_time;
pub mod simulate;
pub mod stats;

use std::io::BufRead as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use cerulean_crypto::SecretString;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

pub use keypool::{KeyPool, PooledKeys};
pub use report::FleetReport;
pub use simulate::{FleetConfig, KEYS_PER_DEVICE, simulate};

use crate::error::{DeviceError, Result};
use crate::http::{RetryPolicy, Trust};

/// The registration policy's default `userDeviceQuota` (Entra's and Cerulean's).
pub const DEFAULT_USER_DEVICE_QUOTA: usize = 50;

/// `cerulean-device fleet` arguments.
#[derive(Debug, Args)]
#[command(after_long_help = FLEET_EXAMPLES)]
pub struct FleetArgs {
    /// The server (authority and DRS), e.g. https://localhost:8443.
    #[arg(long, env = "CERULEAN_DEVICE_SERVER")]
    server: String,
    /// PEM file of a CA to trust in addition to the public web roots (the lab's CA).
    #[arg(long, env = "CERULEAN_DEVICE_CA_FILE")]
    ca_file: Option<PathBuf>,
    /// How many devices to set up.
    #[arg(long, default_value_t = 100)]
    devices: usize,
    /// How many devices set up at the same time.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// The users the devices sign in as, round robin (comma-separated or repeated; a
    /// shell's `load{1..20}@contoso.test` works). Mind the per-user device quota.
    #[arg(long, required = true, num_args = 1.., value_delimiter = ',')]
    users: Vec<String>,
    /// Read the one password of all users from the first line of standard input.
    #[arg(long)]
    password_stdin: bool,
    /// Keep the pre-generated keys in this directory (owner-only) so later runs skip
    /// generating them. Each key is still used by one device per run.
    #[arg(long, conflicts_with = "no_key_pool")]
    key_pool_cache: Option<PathBuf>,
    /// Let every device generate its own keys during the run, as a real device does
    /// (the keys phase then measures RSA key generation on the simulator's cores).
    #[arg(long)]
    no_key_pool: bool,
    /// Where the devices' state directories go (`device-00000`, …); kept afterwards, and
    /// devices found finished there are not set up again. Default: a temporary directory,
    /// removed at the end.
    #[arg(long)]
    state_dir_root: Option<PathBuf>,
    /// The server's process id: its resident memory is sampled from /proc during the run.
    #[arg(long)]
    server_pid: Option<u32>,
    /// Print the results as JSON (notes and the progress bar go to standard error).
    #[arg(long)]
    json: bool,
    /// Keep retrying a step this many seconds while the server is unreachable or
    /// answers 5xx (every retry is counted in the results).
    #[arg(long, default_value_t = 30)]
    retry_for: u64,
}

const FLEET_EXAMPLES: &str = "\
Examples:
  # 1000 devices over 20 users (50 each: the default quota), 32 at a time
  echo \"$PASSWORD\" | cerulean-device fleet --server https://localhost:8443 --ca-file ca.pem \\
      --devices 1000 --concurrency 32 --users load{1..20}@contoso.test --password-stdin \\
      --key-pool-cache ~/.cache/cerulean-fleet-keys --server-pid $(pgrep -x cerulean)

The device registration policy allows 50 devices per user by default. Either spread the
devices over enough users, or raise the quota first:
  cerulean admin device-policy set --tenant contoso.test --quota 1000";

/// Runs the simulation from the command line.
pub async fn run(args: FleetArgs) -> Result<()> {
    if args.devices == 0 {
        return Err(DeviceError::Input("--devices must be at least 1".into()));
    }
    let password = read_password(args.password_stdin)?;
    let trust = match &args.ca_file {
        Some(path) => Trust::from_ca_file(path)?,
        None => Trust::default(),
    };
    let note = |text: &str| {
        if args.json {
            eprintln!("{text}");
        } else {
            println!("{text}");
        }
    };
    if let Some(warning) = quota_note(args.devices, &args.users) {
        note(&warning);
    }
    let pool = if args.no_key_pool {
        note(
            "Key pool: none; every device generates its two RSA-2048 keys during the run \
             (the keys phase).",
        );
        None
    } else {
        let pool = make_pool(
            args.devices * KEYS_PER_DEVICE,
            args.key_pool_cache.as_deref(),
        )
        .await?;
        let pool_note = report::KeyPoolNote::of(&pool, args.devices * KEYS_PER_DEVICE);
        note(&pool_note.sentence());
        if pool_note.from_cache > 0 {
            note(
                "           (cached keys recur across runs: against a server that kept an \
                 earlier run's devices, some of its devices share public keys with these)",
            );
        }
        Some(Arc::new(pool))
    };

    let (root, temporary) = match &args.state_dir_root {
        Some(root) => (root.clone(), false),
        None => (temporary_root()?, true),
    };
    let config = FleetConfig {
        server: args.server.trim_end_matches('/').to_string(),
        trust,
        devices: args.devices,
        concurrency: args.concurrency,
        users: args.users.iter().map(|u| u.trim().to_string()).collect(),
        password,
        state_dir_root: root.clone(),
        server_pid: args.server_pid,
        retry: RetryPolicy {
            give_up_after: Duration::from_secs(args.retry_for),
            ..RetryPolicy::default()
        },
        progress_bar: true,
    };
    let result = simulate(config, pool).await;
    if temporary {
        // Thousands of private keys must not outlive the run in /tmp.
        if let Err(e) = std::fs::remove_dir_all(&root) {
            eprintln!("warning: could not remove {}: {e}", root.display());
        }
    }
    let report = result?;
    if args.json {
        let text =
            serde_json::to_string_pretty(&report).map_err(|e| DeviceError::Input(e.to_string()))?;
        println!("{text}");
    } else {
        print!("{}", report.render_text());
    }
    if report.failed > 0 {
        if report.errors.keys().any(|m| m.contains("limit of")) {
            if let Some(hint) = quota_recipe(&args.users) {
                eprintln!("{hint}");
            }
        }
        return Err(DeviceError::Input(format!(
            "{} of {} devices failed",
            report.failed, report.devices
        )));
    }
    Ok(())
}

/// A warning when the devices per user exceed the default quota: the simulator cannot
/// read the tenant's policy (that takes an administrator), so it says what will happen
/// unless the quota was raised, and how to raise it.
pub fn quota_note(devices: usize, users: &[String]) -> Option<String> {
    let per_user = devices.div_ceil(users.len().max(1));
    if per_user <= DEFAULT_USER_DEVICE_QUOTA {
        return None;
    }
    Some(format!(
        "Note: {devices} devices over {} user(s) is up to {per_user} devices per user, more \
         than the default device quota ({DEFAULT_USER_DEVICE_QUOTA} per user). Unless the \
         tenant's quota was raised, the joins beyond it fail.\n{}",
        users.len(),
        quota_recipe(users).unwrap_or_default()
    ))
}

fn quota_recipe(users: &[String]) -> Option<String> {
    let domain = users.first()?.rsplit_once('@')?.1;
    Some(format!(
        "  Raise the quota:  cerulean admin device-policy set --tenant {domain} --quota 1000\n  \
         or add users:     for i in $(seq 1 20); do echo \"$PASSWORD\" | cerulean admin user add \
         load$i@{domain} --password-stdin; done\n                    and pass --users \
         load{{1..20}}@{domain}"
    ))
}

fn read_password(from_stdin: bool) -> Result<SecretString> {
    if !from_stdin {
        return Err(DeviceError::Input(
            "give the users' password on standard input with --password-stdin (never as an \
             argument)"
                .into(),
        ));
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| DeviceError::Input(format!("can't read the password: {e}")))?;
    let password = line.trim_end_matches(['\r', '\n']).to_string();
    if password.is_empty() {
        return Err(DeviceError::Input(
            "the password on standard input is empty".into(),
        ));
    }
    Ok(SecretString::new(password))
}

/// Makes (or loads) the pool off the async runtime, with its own progress bar.
async fn make_pool(keys: usize, cache: Option<&Path>) -> Result<KeyPool> {
    let bar = ProgressBar::new(keys as u64);
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} key pool {wide_bar} {pos}/{len} keys (eta {eta})")
    {
        bar.set_style(style);
    }
    let cache = cache.map(Path::to_path_buf);
    let worker_bar = bar.clone();
    let pool = tokio::task::spawn_blocking(move || match cache {
        Some(dir) => KeyPool::with_cache(&dir, keys, &worker_bar),
        None => KeyPool::generate(keys, &worker_bar),
    })
    .await
    .map_err(|e| DeviceError::Input(format!("key generation stopped: {e}")))?;
    bar.finish_and_clear();
    pool
}

/// A fresh owner-only directory under the system's temporary directory.
fn temporary_root() -> Result<PathBuf> {
    let suffix = u64::from_le_bytes(cerulean_crypto::random_bytes::<8>()?);
    let root = std::env::temp_dir().join(format!(
        "cerulean-fleet-{}-{suffix:016x}",
        std::process::id()
    ));
    crate::fsutil::ensure_private_dir(&root)?;
    Ok(root)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quota_note_appears_only_beyond_the_default_quota() {
        let users: Vec<String> = (1..=20).map(|i| format!("load{i}@contoso.test")).collect();
        assert_eq!(
            quota_note(1000, &users),
            None,
            "50 each is within the quota"
        );
        let note = quota_note(1001, &users).unwrap();
        assert!(note.contains("51 devices per user"), "{note}");
        assert!(
            note.contains("device-policy set --tenant contoso.test --quota"),
            "{note}"
        );
    }
}
