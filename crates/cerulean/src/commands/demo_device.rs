//! The quickstart's simulated Windows 11 Pro device: joined as the demo user through the
//! real `cerulean-device` OOBE over TLS, exactly as `cerulean-device join` would, so the
//! quickstart shows both halves of the tutorial working.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use cerulean_crypto::SecretString;
use cerulean_device::http::RetryPolicy;
use cerulean_device::http::Trust;
use cerulean_device::oobe::{Credential, Oobe, Outcome, Setup, Silent};
use cerulean_device::state::{Edition, JoinKind, StateDir};
use cerulean_device::status;

/// Where the demo device keeps its state, under the server's data directory.
pub fn state_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("demo-device")
}

/// Joins the demo device (or finds it joined by an earlier run) and prints its status.
/// Failures are reported, not fatal: the server keeps running either way. `password` is
/// known only on the run that created the demo user; later runs show the device joined
/// then.
pub async fn join_and_show(
    base_url: &str,
    ca: &Path,
    data_dir: &Path,
    upn: &str,
    password: Option<&str>,
) {
    let dir = state_dir(data_dir);
    println!();
    let Some(password) = password else {
        if joined_before(&dir) {
            println!("The demo device joined on an earlier run:");
            show(&dir);
        } else {
            println!(
                "(No demo device: {upn}'s password was shown only on the run that created \
                 it. Join one yourself with `cerulean-device join --server {base_url} \
                 --ca-file {} --user {upn}`.)",
                ca.display()
            );
        }
        return;
    };
    println!("Joining a simulated Windows 11 Pro device as {upn} …");
    match join(base_url, ca, &dir, upn, password).await {
        Ok(Outcome::Desktop { upn, tenant_name }) => {
            println!(
                "  The device joined {tenant_name}; {upn} reached the desktop (automatic sign-in)."
            );
        }
        Ok(Outcome::SignInScreen { upn, tenant_name }) => {
            println!("  The device joined {tenant_name}; {upn} signs in at the sign-in screen.");
        }
        Err(e) => {
            println!("  The demo device could not join: {e}. {}", e.next_step());
            return;
        }
    }
    show(&dir);
}

fn joined_before(dir: &Path) -> bool {
    StateDir::open(dir)
        .and_then(|d| d.load())
        .is_ok_and(|state| state.is_some_and(|s| s.registration.is_some()))
}

fn show(dir: &Path) {
    match status::report(dir, None) {
        Ok(report) => {
            println!();
            for line in status::render_text(&report).lines() {
                println!("  {line}");
            }
        }
        Err(e) => println!("  (its status could not be read: {e})"),
    }
    let state = dir.display();
    println!("  Try the device side:");
    println!("    cerulean-device --state-dir {state} status");
    println!("    cerulean-device --state-dir {state} work");
    println!("    cerulean-device --state-dir {state} leave");
    println!("  (cargo run --release -p cerulean-device -- … runs it from this checkout.)");
}

async fn join(
    base_url: &str,
    ca: &Path,
    dir: &Path,
    upn: &str,
    password: &str,
) -> cerulean_device::Result<Outcome> {
    let trust = Trust::from_ca_file(ca)?;
    // Remember the CA the way `cerulean-device join --ca-file` does, so the commands
    // printed above work without flags.
    trust.remember(dir)?;
    let mut setup = Setup::for_server(dir, base_url, trust);
    setup.edition = Edition::Pro;
    setup.display_name = Some("CONTOSO-DEMO-PC".into());
    // The server is local and already listening: a short wait is enough, and a long one
    // would only hold up the quickstart's next steps.
    setup.retry = RetryPolicy {
        give_up_after: std::time::Duration::from_secs(15),
        ..RetryPolicy::default()
    };
    let mut oobe = Oobe::new(setup, Arc::new(Silent))?;
    oobe.run(
        Credential::Password {
            upn: upn.to_string(),
            password: SecretString::new(password.to_string()),
        },
        JoinKind::Join,
    )
    .await
}
