//! The `cerulean` binary as an operator uses it: admin commands, quickstart, serve.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn cerulean(data_dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cerulean"));
    cmd.arg("--data-dir").arg(data_dir);
    // Keep the environment from the developer's shell out of the test.
    for var in [
        "CERULEAN_CONFIG",
        "CERULEAN_DATABASE_URL",
        "CERULEAN_DATA_DIR",
        "CERULEAN_LISTEN",
    ] {
        cmd.env_remove(var);
    }
    // Fast argon2 parameters through the documented environment override.
    cmd.env("CERULEAN_ARGON2_MEMORY_KIB", "64");
    cmd
}

fn run(cmd: &mut Command, stdin: Option<&str>) -> Output {
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    } else {
        drop(child.stdin.take());
    }
    child.wait_with_output().unwrap()
}

fn ok(cmd: &mut Command, stdin: Option<&str>) -> String {
    let out = run(cmd, stdin);
    assert!(
        out.status.success(),
        "command failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn fails(cmd: &mut Command, stdin: Option<&str>) -> String {
    let out = run(cmd, stdin);
    assert!(!out.status.success(), "command unexpectedly succeeded");
    String::from_utf8(out.stderr).unwrap()
}

#[test]
fn admin_commands_manage_the_directory_offline() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let created: serde_json::Value = serde_json::from_str(&ok(
        cerulean(d).args([
            "--json",
            "admin",
            "tenant",
            "create",
            "--name",
            "Fabrikam",
            "--domain",
            "fabrikam.test",
        ]),
        None,
    ))
    .unwrap();
    assert_eq!(created["initial_domain"], "fabrikam.test");

    let dup = fails(
        cerulean(d).args([
            "admin",
            "tenant",
            "create",
            "--name",
            "Again",
            "--domain",
            "FABRIKAM.test",
        ]),
        None,
    );
    assert!(dup.contains("already exists"), "{dup}");
    assert_eq!(dup.trim().lines().count(), 1, "one-line error: {dup}");

    ok(
        cerulean(d).args([
            "admin",
            "user",
            "add",
            "carol@fabrikam.test",
            "--name",
            "Carol",
            "--role",
            "device-admin",
            "--password-stdin",
        ]),
        Some("a long enough password\n"),
    );
    let weak = fails(
        cerulean(d).args([
            "admin",
            "user",
            "add",
            "dan@fabrikam.test",
            "--password-stdin",
        ]),
        Some("short\n"),
    );
    assert!(weak.contains("password"), "{weak}");

    let users: serde_json::Value = serde_json::from_str(&ok(
        cerulean(d).args([
            "--json",
            "admin",
            "user",
            "list",
            "--tenant",
            "fabrikam.test",
        ]),
        None,
    ))
    .unwrap();
    let users = users.as_array().unwrap();
    assert_eq!(users.len(), 1);
    assert_eq!(users[0]["userPrincipalName"], "carol@fabrikam.test");
    assert_eq!(users[0]["roles"][0], "cloud_device_administrator");
    assert!(
        users[0].get("password_hash").is_none(),
        "hashes are never printed"
    );

    ok(
        cerulean(d).args(["admin", "user", "disable", "carol@fabrikam.test"]),
        None,
    );
    let shown = ok(
        cerulean(d).args(["admin", "user", "show", "carol@fabrikam.test"]),
        None,
    );
    assert!(shown.contains("disabled"), "{shown}");

    ok(
        cerulean(d).args([
            "admin",
            "group",
            "create",
            "--tenant",
            "fabrikam.test",
            "--name",
            "Pilot",
        ]),
        None,
    );
    let added = ok(
        cerulean(d).args([
            "admin",
            "group",
            "add-member",
            "--tenant",
            "fabrikam.test",
            "Pilot",
            "carol@fabrikam.test",
        ]),
        None,
    );
    assert!(added.contains("added"));
    let members = ok(
        cerulean(d).args([
            "admin",
            "group",
            "members",
            "--tenant",
            "fabrikam.test",
            "Pilot",
        ]),
        None,
    );
    assert!(members.contains("carol@fabrikam.test"), "{members}");

    let audit = ok(
        cerulean(d).args(["admin", "audit", "list", "--tenant", "fabrikam.test"]),
        None,
    );
    for action in [
        "tenant.create",
        "user.create",
        "user.disable",
        "group.create",
        "group.member.add",
    ] {
        assert!(audit.contains(action), "audit log lacks {action}:\n{audit}");
    }
    assert!(!audit.contains("a long enough password"));
}

#[test]
fn secrets_never_come_from_argv() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        cerulean(dir.path()).args([
            "admin",
            "user",
            "add",
            "x@contoso.test",
            "--password",
            "hunter2hunter2",
        ]),
        None,
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--password"), "{stderr}");
}

#[test]
fn bad_input_gets_a_one_line_error_and_nonzero_exit() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    let bad_config = d.join("bad.toml");
    std::fs::write(&bad_config, "[server]\nlisten = 12\n").unwrap();
    let err = fails(
        cerulean(d)
            .arg("--config")
            .arg(&bad_config)
            .args(["admin", "tenant", "list"]),
        None,
    );
    assert!(err.contains("bad.toml") || err.contains("listen"), "{err}");

    let unknown_key = d.join("typo.toml");
    std::fs::write(&unknown_key, "[server]\nlistn = \"127.0.0.1:1\"\n").unwrap();
    let err = fails(
        cerulean(d)
            .arg("--config")
            .arg(&unknown_key)
            .args(["admin", "tenant", "list"]),
        None,
    );
    assert!(err.contains("listn"), "{err}");

    let err = fails(
        cerulean(d).args([
            "--database-url",
            "postgres://nobody@127.0.0.1:1/none",
            "admin",
            "tenant",
            "list",
        ]),
        None,
    );
    assert!(err.to_lowercase().contains("postgres"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");

    // A data directory that cannot be created (its parent is a file).
    let file = d.join("a-file");
    std::fs::write(&file, "x").unwrap();
    let err = fails(
        cerulean(&file.join("sub")).args(["admin", "tenant", "list"]),
        None,
    );
    assert!(
        err.contains("data directory") || err.contains("sub"),
        "{err}"
    );

    let err = fails(
        cerulean(d).args(["admin", "user", "list", "--tenant", "nowhere.test"]),
        None,
    );
    assert!(
        err.contains("tenant list"),
        "says how to find tenants: {err}"
    );
}

#[test]
fn quickstart_creates_the_demo_once_and_remembers_passwords() {
    let dir = tempfile::tempdir().unwrap();
    let first = ok(
        cerulean(dir.path()).args(["quickstart", "--no-serve"]),
        None,
    );
    assert!(first.contains("created"), "{first}");
    for upn in [
        "admin@contoso.test",
        "alice@contoso.test",
        "bob@contoso.test",
    ] {
        assert!(first.contains(upn), "{first}");
    }
    let password_line = first
        .lines()
        .find(|l| l.contains("alice@contoso.test"))
        .unwrap()
        .to_string();
    let second = ok(
        cerulean(dir.path()).args(["quickstart", "--no-serve"]),
        None,
    );
    assert!(second.contains("already set up"), "{second}");
    assert!(
        second.contains(&password_line),
        "same password shown again:\n{second}"
    );
    let users = ok(
        cerulean(dir.path()).args([
            "--json",
            "admin",
            "user",
            "list",
            "--tenant",
            "contoso.test",
        ]),
        None,
    );
    let users: serde_json::Value = serde_json::from_str(&users).unwrap();
    assert_eq!(
        users.as_array().unwrap().len(),
        3,
        "no duplicates on a second run"
    );
}

#[test]
fn serve_answers_healthz_over_tls_with_its_generated_ca() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = cerulean(dir.path())
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut port = None;
    let mut ca = None;
    while Instant::now() < deadline && (port.is_none() || ca.is_none()) {
        let Some(Ok(line)) = lines.next() else { break };
        if let Some(rest) = line.strip_prefix("Cerulean is listening on https://") {
            port = rest.rsplit(':').next().map(|p| p.trim().to_string());
        }
        if let Some((_, path)) = line.split_once("local root CA (created now): ") {
            ca = Some(path.trim().to_string());
        }
    }
    let (port, ca) = (port.expect("listening line"), ca.expect("CA line"));
    let out = Command::new("curl")
        .args([
            "-sS",
            "--cacert",
            &ca,
            &format!("https://localhost:{port}/healthz"),
        ])
        .output()
        .expect("curl is installed");
    let body = String::from_utf8_lossy(&out.stdout).to_string();
    let untrusted = Command::new("curl")
        .args(["-sS", &format!("https://localhost:{port}/healthz")])
        .output()
        .unwrap();
    // SIGTERM: graceful shutdown.
    let _ = Command::new("kill").arg(child.id().to_string()).status();
    let status = child.wait().unwrap();
    assert!(
        out.status.success(),
        "curl failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(body.trim(), "ok");
    assert!(
        !untrusted.status.success(),
        "without the CA the chain must not verify"
    );
    assert!(status.success(), "graceful shutdown exits 0, got {status}");
}

#[test]
fn quickstart_prints_a_token_command_that_works() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = cerulean(dir.path())
        .args(["quickstart", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let mut command = String::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    // The printed command spans three lines: `curl … \`, `-d … \`, `-d … 'password=…'`.
    while Instant::now() < deadline {
        let Some(Ok(line)) = lines.next() else { break };
        let trimmed = line.trim();
        if trimmed.starts_with("curl ") || (!command.is_empty() && trimmed.starts_with("-d ")) {
            command.push_str(trimmed.trim_end_matches('\\'));
            command.push(' ');
            if !trimmed.ends_with('\\') {
                break;
            }
        }
    }
    assert!(
        command.contains("grant_type=password"),
        "no token command printed: {command}"
    );
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("{command} -sS"))
        .output()
        .unwrap();
    let _ = Command::new("kill").arg(child.id().to_string()).status();
    let _ = child.wait();
    let body: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("not JSON: {}", String::from_utf8_lossy(&out.stdout)));
    let token = body["access_token"].as_str().expect("an access token");
    assert_eq!(token.split('.').count(), 3, "a JWT");
    assert_eq!(body["token_type"], "Bearer");
}

/// Runs `quickstart` until it has printed the demo device's status, then stops it.
fn quickstart_until_device_status(dir: &Path) -> String {
    let mut child = cerulean(dir)
        .args(["quickstart", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut printed = String::new();
    for line in BufReader::new(stdout).lines() {
        let Ok(line) = line else { break };
        printed.push_str(&line);
        printed.push('\n');
        if line.contains("Try the device side") || line.contains("could not join") {
            break;
        }
    }
    let _ = Command::new("kill").arg(child.id().to_string()).status();
    let _ = child.wait();
    printed
}

#[test]
fn quickstart_joins_one_demo_device_and_shows_its_status() {
    let dir = tempfile::tempdir().unwrap();
    let first = quickstart_until_device_status(dir.path());
    assert!(
        first.contains("reached the desktop (automatic sign-in)"),
        "{first}"
    );
    assert!(first.contains("AzureAdJoined : YES"), "{first}");
    assert!(first.contains("AzureAdPrt : YES"), "{first}");
    let devices = |d: &Path| -> Vec<serde_json::Value> {
        let out = cerulean(d)
            .args([
                "--json",
                "admin",
                "device",
                "list",
                "--tenant",
                "contoso.test",
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<serde_json::Value>(&out.stdout)
            .unwrap()
            .as_array()
            .cloned()
            .unwrap_or_default()
    };
    let listed = devices(dir.path());
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert!(first.contains("CONTOSO-DEMO-PC"), "{first}");

    // A second quickstart finds the device joined and adds none.
    let second = quickstart_until_device_status(dir.path());
    assert!(second.contains("AzureAdJoined : YES"), "{second}");
    assert_eq!(devices(dir.path()).len(), 1);
}
