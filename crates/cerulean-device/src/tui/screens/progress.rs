//! The page shown while the device registers: every step with a tick when done, the
//! current one spinning, and the machine's retries and device code as they come.

use ratatui::Frame;
use ratatui::style::{Color, Stylize as _};
use ratatui::text::Line;

use crate::oobe::Step;
use crate::state::JoinKind;
use crate::tui::event::Report;
use crate::tui::widgets::{self, ACCENT};

/// How far each step got, as the machine reported it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    Pending,
    Running,
    Done,
    Failed,
}

/// The device code to show while the person signs in elsewhere.
#[derive(Debug, Clone)]
struct Code {
    message: String,
    user_code: String,
    verification_uri: String,
}

/// The steps' progress. It outlives the progress page: realm discovery runs from the
/// email page, and its tick must still be there when the progress page opens.
#[derive(Debug)]
pub struct Board {
    marks: [Mark; Step::ALL.len()],
    retry: Option<String>,
    code: Option<Code>,
}

impl Board {
    pub fn new() -> Self {
        Self {
            marks: [Mark::Pending; Step::ALL.len()],
            retry: None,
            code: None,
        }
    }

    /// A new run: the machine redoes (or quickly skips) every step but a known realm.
    pub fn start_run(&mut self) {
        let realm_known = self.mark(Step::Realm) == Mark::Done;
        self.marks = [Mark::Pending; Step::ALL.len()];
        if realm_known {
            self.set(Step::Realm, Mark::Done);
        }
        self.retry = None;
        self.code = None;
    }

    pub fn apply(&mut self, report: &Report) {
        match report {
            Report::StepStarted(step) => {
                self.set(*step, Mark::Running);
                self.retry = None;
            }
            Report::StepFinished(step, _) => {
                self.set(*step, Mark::Done);
                self.retry = None;
                if *step == Step::SignIn {
                    self.code = None;
                }
            }
            Report::Retrying { error, wait, .. } => {
                self.retry = Some(format!(
                    "{} Your device must be connected to the Internet; trying again in \
                     {:.1} s.",
                    widgets::Notice::sentence(error),
                    wait.as_secs_f64()
                ));
            }
            Report::DeviceCode {
                message,
                user_code,
                verification_uri,
            } => {
                self.code = Some(Code {
                    message: message.clone(),
                    user_code: user_code.clone(),
                    verification_uri: verification_uri.clone(),
                });
            }
            Report::Realm(Ok(_)) => self.set(Step::Realm, Mark::Done),
            Report::Realm(Err(_)) | Report::Finished(_) => {}
        }
    }

    /// The running step failed (the run ended with an error).
    pub fn fail_running(&mut self) {
        for mark in &mut self.marks {
            if *mark == Mark::Running {
                *mark = Mark::Failed;
            }
        }
        self.retry = None;
    }

    /// The person went back: the running step stops where it is (and runs again next
    /// time), so it shows as not started rather than as failed.
    pub fn cancel_running(&mut self) {
        for mark in &mut self.marks {
            if *mark == Mark::Running {
                *mark = Mark::Pending;
            }
        }
        self.retry = None;
        self.code = None;
    }

    /// The retry message of the step running now.
    pub fn retry(&self) -> Option<&str> {
        self.retry.as_deref()
    }

    /// Whether anything past the sign-in has started (the device is being registered).
    pub fn past_sign_in(&self) -> bool {
        [Step::Discover, Step::Join, Step::Mdm, Step::Prt]
            .iter()
            .any(|s| self.mark(*s) != Mark::Pending)
    }

    fn mark(&self, step: Step) -> Mark {
        self.marks[index(step)]
    }

    fn set(&mut self, step: Step, mark: Mark) {
        self.marks[index(step)] = mark;
    }
}

fn index(step: Step) -> usize {
    Step::ALL.iter().position(|s| *s == step).unwrap_or(0)
}

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

pub fn render_progress(frame: &mut Frame, board: &Board, kind: JoinKind, tick: usize) {
    let hints = if board.past_sign_in() {
        "q: quit (setup carries on where it stopped next time)"
    } else {
        "Esc: back · q: quit (setup carries on where it stopped next time)"
    };
    let area = widgets::window(frame, "Setting up", hints);
    let title = match kind {
        JoinKind::Join => "Setting up your device for work or school",
        JoinKind::Register => "Adding your work or school account",
    };
    let mut lines = widgets::heading(
        title,
        "This might take a few minutes. Every step is saved as it is done: if the device \
         restarts or loses the network, setup carries on where it stopped.",
    );
    lines.push(Line::default());
    for (step, mark) in Step::ALL.iter().zip(board.marks) {
        let label = step.label();
        lines.push(match mark {
            Mark::Done => Line::from(format!("  ✓ {label}").fg(Color::Green)),
            Mark::Running => {
                let spin = SPINNER[tick % SPINNER.len()];
                Line::from(format!("  {spin} {label}…").bold().fg(ACCENT))
            }
            Mark::Failed => Line::from(format!("  ✗ {label}").fg(Color::LightRed)),
            Mark::Pending => Line::from(format!("  · {label}").fg(Color::DarkGray)),
        });
    }
    lines.push(Line::default());
    if let Some(retry) = &board.retry {
        lines.push(Line::from(retry.clone().fg(Color::Yellow)));
        lines.push(Line::default());
    }
    if let Some(code) = &board.code {
        lines.push(Line::from("Sign in from another device".bold()));
        lines.push(Line::from(code.message.clone()));
        lines.push(Line::from(vec![
            "Code: ".into(),
            code.user_code.clone().bold().fg(ACCENT),
            "   at ".into(),
            code.verification_uri.clone().underlined(),
        ]));
        lines.push(Line::from(
            "The device waits here until you have signed in.".fg(Color::Gray),
        ));
    }
    widgets::text(frame, area, lines);
}
