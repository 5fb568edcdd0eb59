//! The interactive OOBE (`cerulean-device oobe`): Windows' out-of-box screens in the
//! terminal, driving the same restartable machine as the headless `join`.
//!
//! The screens follow Microsoft's tutorial: how to set up the device (personal, or work
//! or school), the work or school email, the organization's sign-in (password for a
//! managed domain, the identity provider for a federated one), the steps as they run,
//! and the desktop or the sign-in screen at the end.
//!
//! * [`app`]: the pages and every transition between them (pure, no I/O; tests drive it
//!   with ratatui's test backend);
//! * [`screens`]: one file per page, drawing itself and turning keys into intents;
//! * [`driver`]: runs what the app asks for in tokio tasks and reports back;
//! * this file: the terminal itself (raw mode, the alternate screen, the event loop).

pub mod app;
pub mod driver;
pub mod event;
mod screens;
mod widgets;

use std::io::{IsTerminal as _, Stdout};
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::Args;
use crossterm::event::{Event as TermEvent, KeyEventKind};
use crossterm::terminal::{EnterAlternateScreen, LeaveAlternateScreen};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use tokio::sync::mpsc;

pub use app::{App, PageName};
pub use driver::Driver;
pub use event::{Effect, Event, Report};

use crate::error::{DeviceError, Result};
use crate::http::{RetryPolicy, Trust};
use crate::oobe::Setup;
use crate::state::{Edition, StateDir};

/// `cerulean-device oobe` arguments: where the organization's services are and what this
/// device is. Who signs in is asked on screen.
#[derive(Debug, Args)]
pub struct OobeArgs {
    /// One server for both the authority and the registration service (Cerulean), e.g.
    /// https://localhost:8443.
    #[arg(long, env = "CERULEAN_DEVICE_SERVER", conflicts_with_all = ["authority", "drs"])]
    pub server: Option<String>,
    /// The authority (sign-in service) base URL.
    #[arg(long, default_value = "https://login.microsoftonline.com")]
    pub authority: String,
    /// The Device Registration Service base URL.
    #[arg(long, default_value = "https://enterpriseregistration.windows.net")]
    pub drs: String,
    /// PEM file of a CA to trust in addition to the public web roots (a lab's CA). The
    /// device remembers it for later commands.
    #[arg(long, env = "CERULEAN_DEVICE_CA_FILE")]
    pub ca_file: Option<PathBuf>,
    /// The edition this device runs: home, pro, enterprise or education. Home can only
    /// register.
    #[arg(long, default_value = "pro")]
    pub edition: Edition,
    /// The device name (default: DESKTOP- and seven random characters).
    #[arg(long)]
    pub name: Option<String>,
    /// The work or school email to fill in (it can still be changed on screen).
    #[arg(long)]
    pub user: Option<String>,
    /// Keep retrying this many seconds while the network is down.
    #[arg(long, default_value_t = 120)]
    pub retry_for: u64,
}

impl OobeArgs {
    /// The setup these arguments describe (the CA given is remembered, as `join` does).
    pub fn setup(&self, state_dir: &Path) -> Result<Setup> {
        let trust = match &self.ca_file {
            Some(path) => {
                let trust = Trust::from_ca_file(path)?;
                trust.remember(state_dir)?;
                trust
            }
            None => Trust::remembered(state_dir)?,
        };
        let (authority, drs) = match &self.server {
            Some(server) => (server.clone(), server.clone()),
            None => (self.authority.clone(), self.drs.clone()),
        };
        let mut setup = Setup::for_server(PathBuf::from(state_dir), &authority, trust);
        setup.drs = drs.trim_end_matches('/').to_string();
        setup.edition = self.edition;
        setup.display_name = self.name.clone();
        setup.retry = RetryPolicy {
            give_up_after: Duration::from_secs(self.retry_for),
            ..RetryPolicy::default()
        };
        Ok(setup)
    }
}

/// Runs the interactive OOBE until the person leaves it.
pub async fn run(state_dir: &Path, args: OobeArgs) -> Result<()> {
    // Checked first, so a script that pipes into `oobe` gets words, not a garbled screen.
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        return Err(DeviceError::Input(
            "`cerulean-device oobe` needs a terminal to show its screens; in scripts use \
             `cerulean-device join` (same steps, no screens)"
                .into(),
        ));
    }
    let setup = args.setup(state_dir)?;
    let mut app = App::new(args.edition);
    // A setup stopped half-way (a restart, Ctrl-C) comes back with its email filled in.
    let resumed = StateDir::open(state_dir)?
        .load()?
        .and_then(|state| state.realm.map(|realm| realm.upn));
    if let Some(upn) = args.user.as_deref().or(resumed.as_deref()) {
        app = app.with_email(upn);
    }
    let (mut driver, events) = Driver::new(setup)?;
    let mut terminal = TerminalGuard::enter()?;
    let result = event_loop(&mut terminal.terminal, &mut app, &mut driver, events).await;
    driver.cancel();
    // Restore before printing anything, so the words land on the normal screen.
    drop(terminal);
    result?;
    println!("{}", app.farewell());
    Ok(())
}

/// How often the spinner turns while a step runs.
const TICK: Duration = Duration::from_millis(120);

async fn event_loop(
    terminal: &mut Terminal<CrosstermBackend<Stdout>>,
    app: &mut App,
    driver: &mut Driver,
    mut events: mpsc::UnboundedReceiver<Event>,
) -> Result<()> {
    let mut keys = spawn_input_thread();
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        terminal
            .draw(|frame| app.render(frame))
            .map_err(terminal_error)?;
        let event = tokio::select! {
            input = keys.recv() => match input {
                Some(Some(event)) => event,
                Some(None) => continue,
                // The terminal's input is gone: nobody can answer the screens any more.
                None => return Ok(()),
            },
            Some(event) = events.recv() => event,
            _ = tick.tick(), if app.busy() => Event::Tick,
        };
        match app.update(event) {
            Effect::Quit => return Ok(()),
            effect => {
                driver.perform(effect);
            }
        }
    }
}

/// crossterm's `read` blocks and the binary runs a single-threaded runtime, so keys are
/// read on a thread of their own and handed over; setup's tasks keep running meanwhile.
/// `None` asks for a redraw (the terminal was resized).
fn spawn_input_thread() -> mpsc::UnboundedReceiver<Option<Event>> {
    let (tx, rx) = mpsc::unbounded_channel();
    std::thread::spawn(move || {
        loop {
            let input = match crossterm::event::read() {
                // Windows terminals report releases too; only presses are keys.
                Ok(TermEvent::Key(key)) if key.kind == KeyEventKind::Press => Some(Event::Key(key)),
                Ok(TermEvent::Resize(..)) => None,
                Ok(_) => continue,
                Err(_) => break,
            };
            if tx.send(input).is_err() {
                break;
            }
        }
    });
    rx
}

/// Raw mode and the alternate screen for as long as it lives; restored on drop, so an
/// error (or an unwinding panic) never leaves the person's terminal unusable.
struct TerminalGuard {
    terminal: Terminal<CrosstermBackend<Stdout>>,
}

impl TerminalGuard {
    fn enter() -> Result<Self> {
        crossterm::terminal::enable_raw_mode().map_err(terminal_error)?;
        let mut stdout = std::io::stdout();
        if let Err(e) = crossterm::execute!(stdout, EnterAlternateScreen) {
            let _ = crossterm::terminal::disable_raw_mode();
            return Err(terminal_error(e));
        }
        match Terminal::new(CrosstermBackend::new(stdout)) {
            Ok(terminal) => Ok(Self { terminal }),
            Err(e) => {
                restore();
                Err(terminal_error(e))
            }
        }
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        let _ = self.terminal.show_cursor();
        restore();
    }
}

fn restore() {
    let _ = crossterm::terminal::disable_raw_mode();
    let _ = crossterm::execute!(std::io::stdout(), LeaveAlternateScreen);
}

fn terminal_error(e: std::io::Error) -> DeviceError {
    DeviceError::Input(format!(
        "can't use this terminal for the interactive setup ({e}); use `cerulean-device join` \
         instead"
    ))
}
