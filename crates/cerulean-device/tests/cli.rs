//! The real `cerulean-device` binary end to end: join, status (text and JSON), the
//! "Access work or school" view, PRT renewal, leave, and the errors a person sees.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use cerulean_testkit::{FIXTURE_PASSWORD, TestServer};
use serde_json::Value;
use support::*;

fn device(state_dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cerulean-device"))
        .arg("--state-dir")
        .arg(state_dir)
        .args(args)
        .env_remove("CERULEAN_DEVICE_DANGER_CRASH_AT")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn join_status_work_refresh_leave() {
    let server = TestServer::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("device");
    let ca = server.ca_path.to_str().unwrap().to_string();
    let url = server.base_url();
    let joined = device(
        &state,
        &[
            "join",
            "--server",
            &url,
            "--ca-file",
            &ca,
            "--user",
            ALICE,
            "--password-stdin",
            "--name",
            "LAB-PC-01",
        ],
        Some(&format!("{FIXTURE_PASSWORD}\n")),
    );
    assert!(joined.status.success(), "{}", text(&joined));
    let out = text(&joined);
    assert!(
        out.contains("[5/7] Registering your device with your organization"),
        "{out}"
    );
    assert!(
        out.contains("alice@contoso.test is signed in to Contoso"),
        "{out}"
    );

    // The CA given at join is remembered: status checks with the server without it.
    let status = device(&state, &["status", "--json"], None);
    assert!(status.status.success(), "{}", text(&status));
    let report: Value = serde_json::from_slice(&status.stdout).unwrap();
    let the_device = devices_of(&server, ALICE).await.remove(0);
    assert_eq!(report["DeviceState"]["AzureAdJoined"], true);
    assert_eq!(report["DeviceState"]["DeviceName"], "LAB-PC-01");
    assert_eq!(
        report["DeviceDetails"]["DeviceId"],
        the_device.device_id.to_string()
    );
    assert_eq!(
        report["DeviceDetails"]["Thumbprint"],
        the_device.cert_thumbprint
    );
    assert_eq!(report["DeviceDetails"]["DeviceAuthStatus"], "SUCCESS");
    assert_eq!(report["TenantDetails"]["TenantName"], "Contoso");
    assert_eq!(
        report["TenantDetails"]["TenantId"],
        the_device.tenant_id.to_string()
    );
    assert!(
        report["TenantDetails"]["JoinSrvUrl"]
            .as_str()
            .unwrap()
            .starts_with(&url)
    );
    assert_eq!(report["SsoState"]["AzureAdPrt"], true);

    let status = device(&state, &["status"], None);
    let out = text(&status);
    assert!(out.contains("AzureAdJoined : YES"), "{out}");
    assert!(
        out.contains(&format!("DeviceId : {}", the_device.device_id)),
        "{out}"
    );
    assert!(out.contains("AzureAdPrt : YES"), "{out}");

    let work = device(&state, &["work"], None);
    let out = text(&work);
    assert!(out.contains("Connected to Contoso's Azure AD"), "{out}");
    assert!(out.contains("Connected by alice@contoso.test"), "{out}");

    let refresh = device(&state, &["refresh"], None);
    assert!(refresh.status.success(), "{}", text(&refresh));
    assert!(text(&refresh).contains("renewed"));

    let left = device(&state, &["leave"], None);
    assert!(left.status.success(), "{}", text(&left));
    assert!(text(&left).contains("has left Contoso"), "{}", text(&left));
    assert!(devices_of(&server, ALICE).await.is_empty());
    let status = device(&state, &["status"], None);
    assert!(
        text(&status).contains("AzureAdJoined : NO"),
        "{}",
        text(&status)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disabled_device_is_reported_by_status() {
    let server = TestServer::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ca = server.ca_path.to_str().unwrap().to_string();
    let url = server.base_url();
    let joined = device(
        dir.path(),
        &[
            "join",
            "--server",
            &url,
            "--ca-file",
            &ca,
            "--user",
            ALICE,
            "--password-stdin",
        ],
        Some(&format!("{FIXTURE_PASSWORD}\n")),
    );
    assert!(joined.status.success(), "{}", text(&joined));
    let d = devices_of(&server, ALICE).await.remove(0);
    set_enabled(&server, &d, false).await;
    let status = device(dir.path(), &["status"], None);
    let out = text(&status);
    assert!(
        out.contains("FAILED. Device is either disabled or deleted"),
        "{out}"
    );
    assert!(
        out.contains("Your organization has disabled this device"),
        "{out}"
    );
    let again = device(
        dir.path(),
        &[
            "join",
            "--server",
            &url,
            "--user",
            ALICE,
            "--password-stdin",
        ],
        Some(&format!("{FIXTURE_PASSWORD}\n")),
    );
    assert!(!again.status.success());
    assert!(text(&again).contains("--rejoin"), "{}", text(&again));
    assert_eq!(devices_of(&server, ALICE).await.len(), 1);
}

#[test]
fn errors_say_what_to_do_next() {
    let dir = tempfile::tempdir().unwrap();
    let no_password = device(
        dir.path(),
        &["join", "--server", "https://127.0.0.1:9", "--user", ALICE],
        None,
    );
    assert!(!no_password.status.success());
    assert!(
        text(&no_password).contains("--password-stdin"),
        "{}",
        text(&no_password)
    );

    let not_joined = device(dir.path(), &["leave"], None);
    assert!(!not_joined.status.success());
    assert!(
        text(&not_joined).contains("cerulean-device join"),
        "{}",
        text(&not_joined)
    );

    let offline = device(
        dir.path(),
        &[
            "join",
            "--server",
            "https://127.0.0.1:9",
            "--user",
            ALICE,
            "--password-stdin",
            "--retry-for",
            "1",
        ],
        Some("x\n"),
    );
    assert!(!offline.status.success());
    let out = text(&offline);
    assert!(out.contains("can't reach 127.0.0.1:9"), "{out}");
    assert!(out.contains("connected to the Internet"), "{out}");
    assert!(out.contains("trying again"), "{out}");

    let help = Command::new(env!("CARGO_BIN_EXE_cerulean-device"))
        .args(["join", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.contains("--password-stdin") && help.contains("--device-code"),
        "{help}"
    );
}

#[test]
fn oobe_without_a_terminal_says_to_use_join() {
    let dir = tempfile::tempdir().unwrap();
    let out = device(
        dir.path(),
        &["oobe", "--server", "https://localhost:1"],
        None,
    );
    assert!(!out.status.success());
    let said = text(&out);
    assert!(said.contains("needs a terminal"), "{said}");
    assert!(said.contains("cerulean-device join"), "{said}");
}
