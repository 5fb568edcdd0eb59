//! The out-of-box experience as a restartable state machine.
//!
//! The steps are those of the tutorial: realm discovery, keys, sign-in, DRS discovery,
//! join (or register), the MDM check, and the PRT that signs the user in automatically.
//! Every step's result is written to the state directory before the next step starts, and
//! the join request itself is recorded before it is sent; a restart resumes at the first
//! step not recorded as done. Steps that talk to the network are retried with backoff
//! while the network is down ([`crate::http::with_retries`]).
//!
//! The headless `join`, the terminal UI and the fleet simulator all drive this one
//! machine; they differ only in how they collect credentials and show [`Progress`].

mod crash;
mod machine;

use std::path::PathBuf;
use std::time::Duration;

use cerulean_crypto::SecretString;
use cerulean_proto::oauth2::DeviceCodeResponse;

pub use crash::CrashPoint;
pub use machine::Oobe;

use crate::error::DeviceError;
use crate::http::{RetryPolicy, Trust};
use crate::state::{Edition, JoinKind};

/// Where a device's setup happens and against which service.
#[derive(Debug, Clone)]
pub struct Setup {
    /// The state directory (keys, state, PRT).
    pub state_dir: PathBuf,
    /// The authority base URL (`https://login.microsoftonline.com` for Entra ID).
    pub authority: String,
    /// The DRS base URL (`https://enterpriseregistration.windows.net` for Entra ID).
    pub drs: String,
    pub trust: Trust,
    pub edition: Edition,
    /// The device name; a Windows-style `DESKTOP-XXXXXXX` is made up when absent.
    pub display_name: Option<String>,
    pub retry: RetryPolicy,
    /// Stop the process at this point (crash testing; see [`CrashPoint`]).
    pub crash_at: Option<CrashPoint>,
}

impl Setup {
    /// A setup against one server that serves both the authority and the DRS (Cerulean).
    pub fn for_server(state_dir: impl Into<PathBuf>, server: &str, trust: Trust) -> Self {
        let base = server.trim_end_matches('/').to_string();
        Self {
            state_dir: state_dir.into(),
            authority: base.clone(),
            drs: base,
            trust,
            edition: Edition::Pro,
            display_name: None,
            retry: RetryPolicy::default(),
            crash_at: None,
        }
    }
}

/// How the user signs in during setup.
pub enum Credential {
    /// Email and password, typed on the device.
    Password { upn: String, password: SecretString },
    /// Sign-in on another device (input-less devices, MFA, federated users).
    DeviceCode,
    /// A DRS access token obtained elsewhere (e.g. from the organization's identity
    /// provider for a federated user).
    AccessToken { upn: String, drs_token: String },
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Password { upn, .. } => write!(f, "Password({upn})"),
            Self::DeviceCode => write!(f, "DeviceCode"),
            Self::AccessToken { upn, .. } => write!(f, "AccessToken({upn})"),
        }
    }
}

/// Where the person lands when setup is done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Managed user: the PRT from setup signs them in; the desktop appears.
    Desktop { upn: String, tenant_name: String },
    /// Federated user (or no password on the device): the Windows sign-in screen.
    SignInScreen { upn: String, tenant_name: String },
}

/// The steps, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Step {
    Realm,
    Keys,
    SignIn,
    Discover,
    Join,
    Mdm,
    Prt,
}

impl Step {
    pub const ALL: [Step; 7] = [
        Step::Realm,
        Step::Keys,
        Step::SignIn,
        Step::Discover,
        Step::Join,
        Step::Mdm,
        Step::Prt,
    ];

    /// What the OOBE shows while the step runs.
    pub fn label(self) -> &'static str {
        match self {
            Step::Realm => "Finding your organization",
            Step::Keys => "Preparing your device's keys",
            Step::SignIn => "Signing you in",
            Step::Discover => "Finding your organization's device registration service",
            Step::Join => "Registering your device with your organization",
            Step::Mdm => "Checking device management",
            Step::Prt => "Setting up automatic sign-in",
        }
    }

    /// Short name, for benchmarks and logs.
    pub fn name(self) -> &'static str {
        match self {
            Step::Realm => "realm",
            Step::Keys => "keys",
            Step::SignIn => "sign-in",
            Step::Discover => "discover",
            Step::Join => "join",
            Step::Mdm => "mdm",
            Step::Prt => "prt",
        }
    }
}

/// What setup tells the person (or the benchmark) as it goes.
pub trait Progress: Send + Sync {
    fn step_started(&self, _step: Step) {}
    fn step_finished(&self, _step: Step, _elapsed: Duration) {}
    /// The step failed for a network reason and will be tried again after `wait`.
    fn retrying(&self, _step: Step, _error: &DeviceError, _wait: Duration) {}
    /// A device-code sign-in started: show the code.
    fn device_code(&self, _code: &DeviceCodeResponse) {}
}

/// Shows nothing.
#[derive(Debug, Default)]
pub struct Silent;

impl Progress for Silent {}

/// What to join as, decided by the edition and the person's choice.
pub fn join_kind_for(edition: Edition, register_only: bool) -> Result<JoinKind, DeviceError> {
    match (edition.can_join(), register_only) {
        (_, true) => Ok(JoinKind::Register),
        (true, false) => Ok(JoinKind::Join),
        (false, false) => Err(DeviceError::EditionCannotJoin {
            edition: edition.product_name().into(),
        }),
    }
}
