//! Kill the real `cerulean-device` binary at every step of setup, start it again, and
//! check the end state on the server: exactly one device per setup, registered with the
//! keys that are on the device, and automatic sign-in in place.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use cerulean_device::keystore::KeyStore;
use cerulean_device::oobe::CrashPoint;
use cerulean_device::state::{Phase, StateDir};
use cerulean_testkit::{FIXTURE_PASSWORD, TestServer};
use support::*;

fn join(server: &TestServer, state_dir: &Path, crash_at: Option<CrashPoint>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cerulean-device"));
    command
        .args(["--state-dir"])
        .arg(state_dir)
        .args(["join", "--server", &server.base_url(), "--ca-file"])
        .arg(&server.ca_path)
        .args(["--user", ALICE, "--password-stdin", "--retry-for", "5"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    match crash_at {
        Some(point) => command.env("CERULEAN_DEVICE_DANGER_CRASH_AT", point.name()),
        None => command.env_remove("CERULEAN_DEVICE_DANGER_CRASH_AT"),
    };
    let mut child = command.spawn().unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{FIXTURE_PASSWORD}\n").as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setup_survives_a_crash_at_every_step() {
    let server = TestServer::start().await.unwrap();
    let root = tempfile::tempdir().unwrap();
    for (n, point) in CrashPoint::ALL.into_iter().enumerate() {
        let state_dir = root.path().join(point.name());
        let before = devices_of(&server, ALICE).await.len();

        let crashed = join(&server, &state_dir, Some(point));
        assert!(
            !crashed.status.success(),
            "{}: the crash point was not reached\n{}",
            point.name(),
            String::from_utf8_lossy(&crashed.stdout)
        );
        let stderr = String::from_utf8_lossy(&crashed.stderr);
        assert!(stderr.contains(point.name()), "{}: {stderr}", point.name());

        let resumed = join(&server, &state_dir, None);
        assert!(
            resumed.status.success(),
            "{}: the restart failed\nstdout: {}\nstderr: {}",
            point.name(),
            String::from_utf8_lossy(&resumed.stdout),
            String::from_utf8_lossy(&resumed.stderr)
        );

        let devices = devices_of(&server, ALICE).await;
        assert_eq!(
            devices.len(),
            before + 1,
            "{}: one new device",
            point.name()
        );
        assert_eq!(devices.len(), n + 1);
        let state = StateDir::open(&state_dir).unwrap().load().unwrap().unwrap();
        assert_eq!(state.phase, Phase::Complete, "{}", point.name());
        let registration = state.registration.unwrap();
        let device = devices
            .iter()
            .find(|d| d.device_id.to_string() == registration.device_id)
            .unwrap_or_else(|| panic!("{}: the device on disk is not on the server", point.name()));
        // No orphaned keys: the keys on disk are the ones the server registered.
        let keys = KeyStore::new(&state_dir).load().unwrap().unwrap();
        assert_eq!(
            device.cert_public_key_spki,
            keys.device.public_key().spki_der()
        );
        assert_eq!(
            device.transport_key_spki,
            keys.transport.public_key().spki_der()
        );
        assert!(
            StateDir::open(&state_dir)
                .unwrap()
                .load_prt()
                .unwrap()
                .is_some(),
            "{}: automatic sign-in",
            point.name()
        );
        let leftovers: Vec<String> = std::fs::read_dir(&state_dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "{}: {leftovers:?}", point.name());
    }
}
