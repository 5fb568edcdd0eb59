//! What goes into the [`App`](super::App) (keys, ticks, what the setup tasks report) and
//! what comes out of it (the work to start). The app never does I/O itself: the
//! [`Driver`](super::Driver) turns effects into tasks and their results back into events.

use std::time::Duration;

use crossterm::event::KeyEvent;

use crate::error::DeviceError;
use crate::oobe::{Credential, Outcome, Step};
use crate::state::{JoinKind, Realm};

/// An input to [`App::update`](super::App::update).
#[derive(Debug)]
pub enum Event {
    /// A key press (releases are filtered out by the terminal reader).
    Key(KeyEvent),
    /// Time passed: the spinner turns.
    Tick,
    /// A report from the task started with `ticket`. Reports of a task the person has
    /// since walked away from carry an old ticket and are dropped.
    Task { ticket: u64, report: Report },
}

/// What a setup task reports.
#[derive(Debug)]
pub enum Report {
    StepStarted(Step),
    StepFinished(Step, Duration),
    /// A network step failed and is tried again after `wait`.
    Retrying {
        step: Step,
        error: String,
        wait: Duration,
    },
    /// A device-code sign-in started: the person enters `user_code` at `verification_uri`.
    DeviceCode {
        message: String,
        user_code: String,
        verification_uri: String,
    },
    /// Realm discovery ended.
    Realm(Result<Realm, DeviceError>),
    /// The whole setup ended.
    Finished(Result<Outcome, DeviceError>),
}

/// What the app asks for after an event.
#[derive(Debug)]
pub enum Effect {
    None,
    /// Leave the OOBE. Every step is already on disk, so nothing is lost.
    Quit,
    /// Ask which organization the email belongs to.
    DiscoverRealm {
        ticket: u64,
        upn: String,
    },
    /// Run (or resume) the setup with this sign-in.
    RunSetup {
        ticket: u64,
        credential: Credential,
        kind: JoinKind,
    },
    /// Stop the running task (the person went back).
    Cancel,
}
