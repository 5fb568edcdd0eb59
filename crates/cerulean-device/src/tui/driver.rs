//! Runs what the [`App`](super::App) asks for in tokio tasks and hands their news back as
//! [`Event`]s, so the screen keeps drawing (and the spinner turning) while setup works.
//!
//! Every task gets its own [`Oobe`] whose progress is stamped with the task's ticket: a
//! task the person walked away from can only ever report under its old ticket, which the
//! app ignores. The machine's state on disk is the truth, so a fresh `Oobe` per task loses
//! nothing, and only one task runs at a time (a new one aborts the old).

use std::sync::Arc;
use std::time::Duration;

use cerulean_proto::oauth2::DeviceCodeResponse;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::event::{Effect, Event, Report};
use crate::error::{DeviceError, Result};
use crate::http::Http;
use crate::oobe::{Oobe, Progress, Setup, Step};

/// Forwards one task's progress to the UI under that task's ticket.
struct TaskProgress {
    ticket: u64,
    events: mpsc::UnboundedSender<Event>,
}

impl TaskProgress {
    fn send(&self, report: Report) {
        // A closed channel means the UI is gone; setup still saves every step it does.
        let _ = self.events.send(Event::Task {
            ticket: self.ticket,
            report,
        });
    }
}

impl Progress for TaskProgress {
    fn step_started(&self, step: Step) {
        self.send(Report::StepStarted(step));
    }
    fn step_finished(&self, step: Step, elapsed: Duration) {
        self.send(Report::StepFinished(step, elapsed));
    }
    fn retrying(&self, step: Step, error: &DeviceError, wait: Duration) {
        self.send(Report::Retrying {
            step,
            error: error.to_string(),
            wait,
        });
    }
    fn device_code(&self, code: &DeviceCodeResponse) {
        self.send(Report::DeviceCode {
            message: code.message.clone(),
            user_code: code.user_code.clone(),
            verification_uri: code.verification_uri.clone(),
        });
    }
}

/// Turns [`Effect`]s into running tasks.
#[derive(Debug)]
pub struct Driver {
    setup: Setup,
    // One client for the whole OOBE: its connections and the trusted roots are reused.
    http: Http,
    events: mpsc::UnboundedSender<Event>,
    running: Option<JoinHandle<()>>,
}

impl Driver {
    /// The driver and the channel its tasks' events arrive on.
    pub fn new(setup: Setup) -> Result<(Self, mpsc::UnboundedReceiver<Event>)> {
        let http = Http::new(&setup.trust, None)?;
        let (events, rx) = mpsc::unbounded_channel();
        Ok((
            Self {
                setup,
                http,
                events,
                running: None,
            },
            rx,
        ))
    }

    /// Starts (or stops) what `effect` asks for. Returns `false` for [`Effect::Quit`], which
    /// is the caller's to act on, and for [`Effect::None`].
    pub fn perform(&mut self, effect: Effect) -> bool {
        match effect {
            Effect::None | Effect::Quit => false,
            Effect::Cancel => {
                self.cancel();
                true
            }
            Effect::DiscoverRealm { ticket, upn } => {
                self.spawn(ticket, move |oobe| async move {
                    Report::Realm(oobe.discover_realm(&upn).await)
                });
                true
            }
            Effect::RunSetup {
                ticket,
                credential,
                kind,
            } => {
                self.spawn(ticket, move |mut oobe| async move {
                    Report::Finished(oobe.run(credential, kind).await)
                });
                true
            }
        }
    }

    /// Whether a task is still running (tests wait on this when they stop reading).
    pub fn idle(&self) -> bool {
        self.running.as_ref().is_none_or(JoinHandle::is_finished)
    }

    /// Stops the running task at its next await. The machine saves each step before the
    /// next starts, so stopping mid-step only means that step runs again later.
    pub fn cancel(&mut self) {
        if let Some(task) = self.running.take() {
            task.abort();
        }
    }

    fn spawn<F, Fut>(&mut self, ticket: u64, work: F)
    where
        F: FnOnce(Oobe) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = Report> + Send + 'static,
    {
        self.cancel();
        let progress = Arc::new(TaskProgress {
            ticket,
            events: self.events.clone(),
        });
        let events = self.events.clone();
        let made = Oobe::with_http(self.setup.clone(), progress, self.http.clone());
        self.running = Some(tokio::spawn(async move {
            let report = match made {
                Ok(oobe) => work(oobe).await,
                // The state directory can't be opened: that ends the attempt, in words.
                Err(e) => Report::Finished(Err(e)),
            };
            let _ = events.send(Event::Task { ticket, report });
        }));
    }
}
