//! The command line: `cerulean-device join|register|status|work|refresh|leave|oobe|fleet`.

use std::io::{BufRead as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use cerulean_crypto::SecretString;
use cerulean_proto::oauth2::DeviceCodeResponse;
use clap::{Args, Parser, Subcommand};

use crate::error::{DeviceError, Result};
use crate::http::{RetryPolicy, Trust};
use crate::manage::{self, Left, Standing};
use crate::oobe::{CrashPoint, Credential, Oobe, Outcome, Progress, Setup, Step, join_kind_for};
use crate::state::{Edition, StateDir};
use crate::status;

#[derive(Debug, Parser)]
#[command(
    name = "cerulean-device",
    version,
    about = "Set up a device for work or school: join it to an organization (Cerulean or \
             Microsoft Entra ID), sign its user in, and show its status.",
    long_about = "Set up a device for work or school, as Windows' out-of-box experience does.\n\n\
        The device signs its user in, generates its keys, registers in the organization's \
        directory (Device Registration Service), gets a device certificate and a Primary \
        Refresh Token, and lands the user on the desktop.\n\n\
        Every step is saved in the state directory before the next begins: if the device \
        restarts or loses the network, run the same command again and it carries on where \
        it stopped, without creating a second device.\n\n\
        Examples:\n  \
        cerulean-device join --server https://localhost:8443 --ca-file ca.pem \\\n      \
        --user alice@contoso.test --password-stdin\n  \
        cerulean-device status\n  \
        cerulean-device leave\n\n\
        Against Microsoft Entra ID, leave out --server (the defaults are Entra's hosts)."
)]
pub struct Cli {
    /// Where the device keeps its keys and state (owner-only).
    #[arg(long, global = true, env = "CERULEAN_DEVICE_STATE_DIR")]
    state_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The out-of-box experience in the terminal: choose how to set up the device, sign
    /// in, watch it register, land on the desktop.
    Oobe(crate::tui::OobeArgs),
    /// Join this device to an organization (Entra join), signing in without a screen.
    Join(JoinArgs),
    /// Register this device (workplace join): what Home editions and personal devices do.
    Register(JoinArgs),
    /// Show the device's connection to its organization, like `dsregcmd /status`.
    Status {
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Don't ask the server whether the device is still enabled.
        #[arg(long)]
        offline: bool,
        #[command(flatten)]
        trust: TrustArgs,
    },
    /// Show the "Access work or school" view: which organization, by whom, what IT manages.
    Work,
    /// Renew the Primary Refresh Token (and learn whether the organization still trusts
    /// this device).
    Refresh {
        #[command(flatten)]
        trust: TrustArgs,
    },
    /// Leave the organization: delete the device at the registration service and forget
    /// its keys and state.
    Leave {
        /// Only forget the join on this device; don't contact the server.
        #[arg(long)]
        local: bool,
        #[command(flatten)]
        trust: TrustArgs,
    },
    /// Simulate a fleet: run the whole headless OOBE for many devices against a server and
    /// print throughput and latency percentiles per phase (the end-to-end benchmark).
    Fleet(crate::fleet::FleetArgs),
}

#[derive(Debug, Args)]
struct TrustArgs {
    /// PEM file of a CA to trust in addition to the public web roots (a lab's CA). After a
    /// join the device remembers it.
    #[arg(long, env = "CERULEAN_DEVICE_CA_FILE")]
    ca_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct JoinArgs {
    /// One server for both the authority and the registration service (Cerulean), e.g.
    /// https://localhost:8443.
    #[arg(long, env = "CERULEAN_DEVICE_SERVER", conflicts_with_all = ["authority", "drs"])]
    server: Option<String>,
    /// The authority (sign-in service) base URL.
    #[arg(long, default_value = "https://login.microsoftonline.com")]
    authority: String,
    /// The Device Registration Service base URL.
    #[arg(long, default_value = "https://enterpriseregistration.windows.net")]
    drs: String,
    #[command(flatten)]
    trust: TrustArgs,
    /// Your work or school email address.
    #[arg(long, short = 'u')]
    user: Option<String>,
    /// Read the password from the first line of standard input.
    #[arg(long)]
    password_stdin: bool,
    /// Sign in on another device with a code (input-less devices, MFA, federated users).
    #[arg(long, conflicts_with = "password_stdin")]
    device_code: bool,
    /// Use a DRS access token from this file instead of signing in (e.g. one your
    /// identity provider issued).
    #[arg(long, conflicts_with_all = ["password_stdin", "device_code"])]
    access_token_file: Option<PathBuf>,
    /// The edition this device runs: home, pro, enterprise or education. Home can only
    /// register.
    #[arg(long, default_value = "pro")]
    edition: Edition,
    /// The device name (default: DESKTOP- and seven random characters).
    #[arg(long)]
    name: Option<String>,
    /// Set up again a device that was disabled, deleted or left: forgets the old join
    /// first. Never done without this flag.
    #[arg(long)]
    rejoin: bool,
    /// Keep retrying this many seconds while the network is down.
    #[arg(long, default_value_t = 120)]
    retry_for: u64,
}

/// Runs the binary.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_env("CERULEAN_DEVICE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
    // One device needs one thread; the fleet simulator runs many devices in parallel.
    let mut builder = if matches!(cli.command, Command::Fleet(_)) {
        tokio::runtime::Builder::new_multi_thread()
    } else {
        tokio::runtime::Builder::new_current_thread()
    };
    let runtime = match builder.enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: can't start: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            eprintln!("{}", e.next_step());
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<()> {
    let state_dir = cli.state_dir.clone().unwrap_or_else(default_state_dir);
    match cli.command {
        Command::Oobe(args) => crate::tui::run(&state_dir, args).await,
        Command::Fleet(args) => crate::fleet::run(args).await,
        Command::Join(args) => join(&state_dir, args, false).await,
        Command::Register(args) => join(&state_dir, args, true).await,
        Command::Status {
            json,
            offline,
            trust,
        } => show_status(&state_dir, json, offline, &trust).await,
        Command::Work => {
            let report = status::report(&state_dir, None)?;
            let state = StateDir::open(&state_dir)?.load()?;
            print!("{}", status::render_work(&report, state.as_ref()));
            Ok(())
        }
        Command::Refresh { trust } => {
            let trust = load_trust(&state_dir, &trust)?;
            let record = manage::renew(&state_dir, &trust).await?;
            println!(
                "The Primary Refresh Token was renewed; it is valid until {}.",
                record
                    .expires_at
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default()
            );
            Ok(())
        }
        Command::Leave { local, trust } => {
            let trust = load_trust(&state_dir, &trust)?;
            let report = status::report(&state_dir, None)?;
            let tenant = report
                .tenant_details
                .as_ref()
                .map(|t| t.tenant_name.clone())
                .unwrap_or_default();
            match manage::leave(&state_dir, &trust, local).await? {
                Left::Deleted => println!("This device has left {tenant}; its keys are gone."),
                Left::AlreadyGone => println!(
                    "{tenant} no longer knew this device; its keys and state here are gone."
                ),
                Left::LocalOnly => println!(
                    "This device forgot its join to {tenant}; the organization still lists it \
                     until IT deletes it."
                ),
            }
            Ok(())
        }
    }
}

async fn join(state_dir: &Path, args: JoinArgs, register: bool) -> Result<()> {
    let kind = join_kind_for(args.edition, register)?;
    if args.rejoin {
        manage::forget(state_dir)?;
    }
    let trust = match &args.trust.ca_file {
        Some(path) => {
            let trust = Trust::from_ca_file(path)?;
            remember_trust(state_dir, &trust)?;
            trust
        }
        None => load_trust(state_dir, &args.trust)?,
    };
    let (authority, drs) = match &args.server {
        Some(server) => (server.clone(), server.clone()),
        None => (args.authority.clone(), args.drs.clone()),
    };
    let credential = credential(&args)?;
    let mut setup = Setup::for_server(state_dir, &authority, trust);
    setup.drs = drs.trim_end_matches('/').to_string();
    setup.edition = args.edition;
    setup.display_name = args.name.clone();
    setup.retry = RetryPolicy {
        give_up_after: Duration::from_secs(args.retry_for),
        ..RetryPolicy::default()
    };
    setup.crash_at = crash_point_from_env()?;
    let mut oobe = Oobe::new(setup, Arc::new(Printed))?;
    match oobe.run(credential, kind).await? {
        Outcome::Desktop { upn, tenant_name } => {
            println!("\nAll set. {upn} is signed in to {tenant_name} (automatic sign-in).");
        }
        Outcome::SignInScreen { upn, tenant_name } => {
            println!(
                "\nThis device is connected to {tenant_name}. {upn} signs in at the sign-in \
                 screen."
            );
        }
    }
    println!("Run `cerulean-device status` to see the details.");
    Ok(())
}

fn credential(args: &JoinArgs) -> Result<Credential> {
    if args.device_code {
        return Ok(Credential::DeviceCode);
    }
    let upn = args.user.clone().ok_or_else(|| {
        DeviceError::Input("say who signs in with --user (or use --device-code)".into())
    })?;
    if let Some(path) = &args.access_token_file {
        let token = std::fs::read_to_string(path).map_err(|e| {
            DeviceError::Input(format!("can't read the token file {}: {e}", path.display()))
        })?;
        return Ok(Credential::AccessToken {
            upn,
            drs_token: token.trim().to_string(),
        });
    }
    if !args.password_stdin {
        return Err(DeviceError::Input(
            "give the password on standard input with --password-stdin (never as an \
             argument), or use --device-code"
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
    Ok(Credential::Password {
        upn,
        password: SecretString::new(password),
    })
}

async fn show_status(state_dir: &Path, json: bool, offline: bool, trust: &TrustArgs) -> Result<()> {
    let mut standing = None;
    let mut check_error = None;
    let joined = StateDir::open(state_dir)?
        .load()?
        .is_some_and(|s| s.registration.is_some());
    if joined && !offline {
        let trust = load_trust(state_dir, trust)?;
        match manage::check(state_dir, &trust).await {
            Ok(s) => standing = Some(s),
            Err(e) => check_error = Some(e),
        }
    }
    let report = status::report(state_dir, standing)?;
    if json {
        let text =
            serde_json::to_string_pretty(&report).map_err(|e| DeviceError::Input(e.to_string()))?;
        println!("{text}");
    } else {
        print!("{}", status::render_text(&report));
        match (standing, &check_error) {
            (Some(Standing::Disabled), _) => println!(
                "Your organization has disabled this device. Contact IT; once allowed, run \
                 `cerulean-device join --rejoin`."
            ),
            (Some(Standing::Deleted), _) => println!(
                "This device was deleted from your organization. Run `cerulean-device join \
                 --rejoin` to join again."
            ),
            (_, Some(e)) => println!("Couldn't check with the server: {e}. {}", e.next_step()),
            _ => {}
        }
    }
    Ok(())
}

fn remember_trust(state_dir: &Path, trust: &Trust) -> Result<()> {
    trust.remember(state_dir)
}

fn load_trust(state_dir: &Path, args: &TrustArgs) -> Result<Trust> {
    match &args.ca_file {
        Some(path) => Trust::from_ca_file(path),
        None => Trust::remembered(state_dir),
    }
}

fn crash_point_from_env() -> Result<Option<CrashPoint>> {
    match std::env::var("CERULEAN_DEVICE_DANGER_CRASH_AT") {
        Ok(name) if !name.is_empty() => {
            eprintln!("cerulean-device: DANGER: will abort at crash point '{name}' (testing only)");
            name.parse().map(Some)
        }
        _ => Ok(None),
    }
}

fn default_state_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("XDG_STATE_HOME") {
        return PathBuf::from(dir).join("cerulean-device");
    }
    match std::env::var_os("HOME") {
        Some(home) => PathBuf::from(home).join(".local/state/cerulean-device"),
        None => PathBuf::from(".cerulean-device"),
    }
}

/// Headless progress: one line per step, retries explained.
struct Printed;

impl Progress for Printed {
    fn step_started(&self, step: Step) {
        let n = Step::ALL.iter().position(|s| *s == step).unwrap_or(0) + 1;
        print!("[{n}/{}] {}… ", Step::ALL.len(), step.label());
        let _ = std::io::stdout().flush();
    }
    fn step_finished(&self, _step: Step, elapsed: Duration) {
        println!("done ({} ms)", elapsed.as_millis());
    }
    fn retrying(&self, _step: Step, error: &DeviceError, wait: Duration) {
        println!();
        println!(
            "      {error}. Your device must be connected to the Internet; trying again in \
             {:.1} s.",
            wait.as_secs_f64()
        );
    }
    fn device_code(&self, code: &DeviceCodeResponse) {
        println!();
        println!("      {}", code.message);
    }
}
