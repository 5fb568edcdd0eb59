//! Runs `cerulean serve` as a child process for benchmarks, so its memory can be read
//! apart from the load generator's.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};

/// A server child process; killed when dropped.
pub struct ServerProcess {
    child: Child,
    pub port: u16,
}

impl ServerProcess {
    /// Starts `cerulean --data-dir DIR serve --listen 127.0.0.1:0` and waits for its
    /// "listening" line.
    pub fn start(data_dir: &Path, database_url: Option<&str>) -> anyhow::Result<Self> {
        let exe = std::env::current_exe().context("cannot find the cerulean executable")?;
        let mut command = Command::new(exe);
        command.arg("--data-dir").arg(data_dir);
        if let Some(url) = database_url {
            command.arg("--database-url").arg(url);
        }
        let mut child = command
            .args(["serve", "--listen", "127.0.0.1:0"])
            .env("CERULEAN_LOG_LEVEL", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .context("cannot start the server process")?;
        let stdout = child.stdout.take().context("no stdout from the server")?;
        let mut lines = BufReader::new(stdout).lines();
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            let Some(Ok(line)) = lines.next() else { break };
            if let Some(rest) = line.strip_prefix("Cerulean is listening on https://") {
                let port = rest
                    .rsplit(':')
                    .next()
                    .and_then(|p| p.trim().parse().ok())
                    .context("cannot read the server's port")?;
                // Keep draining stdout so the child never blocks on a full pipe.
                std::thread::spawn(move || for _ in lines {});
                return Ok(Self { child, port });
            }
        }
        let _ = child.kill();
        bail!("the server did not start within 60 s")
    }

    /// The child's resident set size in bytes (VmRSS), if readable.
    pub fn rss_bytes(&self) -> Option<u64> {
        read_status_kib(self.child.id(), "VmRSS:").map(|kib| kib * 1024)
    }

    /// The child's peak resident set size in bytes (VmHWM), if readable.
    pub fn peak_rss_bytes(&self) -> Option<u64> {
        read_status_kib(self.child.id(), "VmHWM:").map(|kib| kib * 1024)
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn read_status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

pub fn megabytes(bytes: Option<u64>) -> String {
    match bytes {
        Some(b) => format!("{:.1} MB", b as f64 / 1_000_000.0),
        None => "n/a".to_string(),
    }
}
