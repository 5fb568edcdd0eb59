//! The OOBE's pages as a pure state machine: [`App::update`] takes an [`Event`] and
//! returns the [`Effect`] to start; [`App::render`] draws the current page. No I/O
//! happens here, so tests drive it with a `TestBackend` and a real server behind the
//! [`Driver`](super::Driver).

use cerulean_crypto::SecretString;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;

use super::event::{Effect, Event, Report};
use super::screens::{
    Board, Choose, Email, Federated, Intent, Password, Problem, render_done, render_personal,
    render_progress,
};
use super::widgets::{Notice, TextField};
use crate::error::{DeviceError, aadsts};
use crate::oobe::{Credential, Outcome};
use crate::state::{Edition, JoinKind, Namespace, Realm};

/// Which page is showing (for the terminal loop, logs and tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageName {
    /// "How would you like to set up this device?"
    Choose,
    /// The end of a personal setup.
    Personal,
    /// "Let's set things up for your work or school".
    Email,
    /// "Enter password", branded.
    Password,
    /// The organization's own identity provider signs the person in.
    Federated,
    /// The steps running.
    Progress,
    /// "Something went wrong".
    Problem,
    /// Signed in automatically.
    Desktop,
    /// The Windows sign-in screen.
    SignInScreen,
}

#[derive(Debug)]
enum Page {
    Choose(Choose),
    Personal,
    Email(Email),
    Password(Password),
    Federated(Federated),
    Progress,
    Problem(Problem),
    Done(Outcome),
}

/// How the current (or last) setup signs in, so that "Try again" and "Back" know where
/// they lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Via {
    Password,
    DeviceCode { from_federated: bool },
}

/// The OOBE.
#[derive(Debug)]
pub struct App {
    edition: Edition,
    kind: JoinKind,
    page: Page,
    email: TextField,
    password: TextField,
    realm: Option<Realm>,
    board: Board,
    /// The ticket of the task whose reports count; bumped whenever a task starts or is
    /// abandoned, so a late report of an abandoned task can't change the page.
    ticket: u64,
    busy: bool,
    tick: usize,
    via: Option<Via>,
}

impl App {
    pub fn new(edition: Edition) -> Self {
        Self {
            edition,
            // Home can't join: work or school registers it ("add a work or school account").
            kind: if edition.can_join() {
                JoinKind::Join
            } else {
                JoinKind::Register
            },
            page: Page::Choose(Choose::new()),
            email: TextField::default(),
            password: TextField::masked(),
            realm: None,
            board: Board::new(),
            ticket: 0,
            busy: false,
            tick: 0,
            via: None,
        }
    }

    /// Fills in the email field (`--user`, or the address of a setup that was stopped).
    pub fn with_email(mut self, upn: &str) -> Self {
        self.email = TextField::with_value(upn.trim());
        self
    }

    /// What work or school sets the device up as.
    pub fn kind(&self) -> JoinKind {
        self.kind
    }

    /// Whether a task is running whose answer the app is waiting for.
    pub fn busy(&self) -> bool {
        self.busy
    }

    pub fn page(&self) -> PageName {
        match &self.page {
            Page::Choose(_) => PageName::Choose,
            Page::Personal => PageName::Personal,
            Page::Email(_) => PageName::Email,
            Page::Password(_) => PageName::Password,
            Page::Federated(_) => PageName::Federated,
            Page::Progress => PageName::Progress,
            Page::Problem(_) => PageName::Problem,
            Page::Done(Outcome::Desktop { .. }) => PageName::Desktop,
            Page::Done(Outcome::SignInScreen { .. }) => PageName::SignInScreen,
        }
    }

    /// The line to print once the terminal is back to normal.
    pub fn farewell(&self) -> String {
        match (&self.page, self.kind) {
            (Page::Done(Outcome::Desktop { upn, tenant_name }), JoinKind::Join) => {
                format!("All set. {upn} is signed in to {tenant_name} (automatic sign-in).")
            }
            (Page::Done(Outcome::Desktop { upn, tenant_name }), JoinKind::Register) => format!(
                "All set. The work or school account {upn} ({tenant_name}) was added to this \
                 device."
            ),
            (Page::Done(Outcome::SignInScreen { upn, tenant_name }), _) => format!(
                "This device is connected to {tenant_name}. {upn} signs in at the sign-in \
                 screen."
            ),
            (Page::Personal, _) => {
                "This device is set up for personal use; no organization was involved.".into()
            }
            _ => "Setup isn't finished. Run `cerulean-device oobe` again to carry on: every \
                  step done so far is saved."
                .into(),
        }
    }

    pub fn update(&mut self, event: Event) -> Effect {
        match event {
            Event::Tick => {
                self.tick = self.tick.wrapping_add(1);
                Effect::None
            }
            Event::Key(key) => self.on_key(key),
            Event::Task { ticket, report } if ticket == self.ticket && self.busy => {
                self.on_report(report)
            }
            // An abandoned task's late news.
            Event::Task { .. } => Effect::None,
        }
    }

    pub fn render(&self, frame: &mut Frame) {
        match (&self.page, &self.realm) {
            (Page::Choose(p), _) => p.render(frame, self.edition),
            (Page::Personal, _) => render_personal(frame),
            (Page::Email(p), _) => p.render(frame, &self.email, self.kind, self.board.retry()),
            (Page::Password(p), Some(realm)) => p.render(frame, &self.password, realm),
            (Page::Federated(p), Some(realm)) => p.render(frame, realm),
            // Not reachable: both pages open only with a realm. Show the email page.
            (Page::Password(_) | Page::Federated(_), None) => {
                Email::new().render(frame, &self.email, self.kind, None);
            }
            (Page::Progress, _) => render_progress(frame, &self.board, self.kind, self.tick),
            (Page::Problem(p), _) => p.render(frame),
            (Page::Done(outcome), _) => render_done(frame, outcome, self.kind),
        }
    }

    /// Keys go into a text field (so `q` is a letter, and only Ctrl-C quits).
    fn typing(&self) -> bool {
        match &self.page {
            Page::Email(p) => p.typing(),
            Page::Password(p) => p.typing(),
            _ => false,
        }
    }

    fn on_key(&mut self, key: KeyEvent) -> Effect {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let quit = match key.code {
            KeyCode::Char('c') => ctrl,
            KeyCode::Char('q') | KeyCode::Char('Q') => !ctrl && !self.typing(),
            _ => false,
        };
        if quit {
            return Effect::Quit;
        }
        let intent = match &mut self.page {
            Page::Choose(p) => p.on_key(key),
            Page::Personal => match key.code {
                KeyCode::Enter => Intent::Close,
                KeyCode::Esc => Intent::Back,
                _ => Intent::None,
            },
            Page::Email(p) => p.on_key(&mut self.email, key),
            Page::Password(p) => p.on_key(&mut self.password, key),
            Page::Federated(p) => p.on_key(key),
            // Going back is offered only until the device starts registering: from then
            // on quitting (which the next run resumes) is the honest way out.
            Page::Progress => match key.code {
                KeyCode::Esc if !self.board.past_sign_in() => Intent::Cancel,
                _ => Intent::None,
            },
            Page::Problem(p) => p.on_key(key),
            Page::Done(_) => match key.code {
                KeyCode::Enter => Intent::Close,
                _ => Intent::None,
            },
        };
        self.act(intent)
    }

    fn act(&mut self, intent: Intent) -> Effect {
        match intent {
            Intent::None => Effect::None,
            Intent::Close => Effect::Quit,
            Intent::Personal => {
                self.page = Page::Personal;
                Effect::None
            }
            Intent::WorkOrSchool => {
                self.page = Page::Email(Email::new());
                Effect::None
            }
            Intent::Next => self.discover(),
            Intent::DeviceCode => {
                let from_federated = matches!(self.page, Page::Federated(_));
                self.run_setup(Via::DeviceCode { from_federated })
            }
            Intent::SignIn => {
                if self.password.value().is_empty() {
                    if let Page::Password(p) = &mut self.page {
                        p.notice = Some(Notice {
                            what: "Enter your password.".into(),
                            next: "It's the password of your work or school account.".into(),
                        });
                    }
                    return Effect::None;
                }
                self.run_setup(Via::Password)
            }
            Intent::TryAgain => match self.via {
                Some(via) => self.run_setup(via),
                None => {
                    self.page = Page::Email(Email::new());
                    Effect::None
                }
            },
            Intent::Back => {
                self.back();
                Effect::None
            }
            Intent::Cancel => {
                self.abandon();
                self.board.cancel_running();
                self.page = match &self.page {
                    Page::Progress => self.origin_page(None),
                    _ => Page::Email(Email::new()),
                };
                Effect::Cancel
            }
        }
    }

    fn back(&mut self) {
        self.page = match &self.page {
            Page::Personal => Page::Choose(Choose::new()),
            Page::Email(_) => Page::Choose(Choose::at_work()),
            Page::Password(_) | Page::Federated(_) => {
                self.password.clear();
                Page::Email(Email::new())
            }
            Page::Problem(_) | Page::Progress => self.origin_page(None),
            Page::Choose(_) | Page::Done(_) => return,
        };
    }

    /// The page the current setup was started from.
    fn origin_page(&self, notice: Option<Notice>) -> Page {
        match (self.via, &self.realm) {
            (Some(Via::Password), Some(_)) => Page::Password(Password::new(notice)),
            (
                Some(Via::DeviceCode {
                    from_federated: true,
                }),
                Some(_),
            ) => Page::Federated(Federated::new(notice)),
            (_, _) => Page::Email(match notice {
                Some(n) => Email::with_notice(n),
                None => Email::new(),
            }),
        }
    }

    fn begin(&mut self) -> u64 {
        self.ticket = self.ticket.wrapping_add(1);
        self.busy = true;
        self.ticket
    }

    fn abandon(&mut self) {
        self.ticket = self.ticket.wrapping_add(1);
        self.busy = false;
    }

    fn discover(&mut self) -> Effect {
        let upn = self.email.value().trim().to_string();
        if let Err(e) = crate::wire::realm::validate_upn(&upn) {
            self.page = Page::Email(Email::with_notice(Notice {
                what: Notice::sentence(&e.to_string()),
                next: "Type the email address your organization gave you.".into(),
            }));
            return Effect::None;
        }
        let ticket = self.begin();
        if let Page::Email(p) = &mut self.page {
            p.checking = true;
            p.notice = None;
        }
        Effect::DiscoverRealm { ticket, upn }
    }

    fn run_setup(&mut self, via: Via) -> Effect {
        let credential = match (via, &self.realm) {
            (Via::Password, Some(realm)) => Credential::Password {
                upn: realm.upn.clone(),
                password: SecretString::new(self.password.value().to_string()),
            },
            (Via::Password, None) => {
                self.page = Page::Email(Email::new());
                return Effect::None;
            }
            (Via::DeviceCode { .. }, _) => Credential::DeviceCode,
        };
        self.via = Some(via);
        self.board.start_run();
        let ticket = self.begin();
        self.page = Page::Progress;
        Effect::RunSetup {
            ticket,
            credential,
            kind: self.kind,
        }
    }

    fn on_report(&mut self, report: Report) -> Effect {
        self.board.apply(&report);
        match report {
            Report::Realm(result) => {
                self.busy = false;
                match result {
                    Ok(realm) => {
                        self.page = match realm.namespace {
                            Namespace::Managed => Page::Password(Password::new(None)),
                            Namespace::Federated => Page::Federated(Federated::new(None)),
                        };
                        self.realm = Some(realm);
                    }
                    Err(e) => self.page = Page::Email(Email::with_notice(notice_for(&e))),
                }
            }
            Report::Finished(result) => {
                self.busy = false;
                match result {
                    Ok(outcome) => {
                        self.password.clear();
                        self.page = Page::Done(outcome);
                    }
                    Err(e) => {
                        self.board.fail_running();
                        self.page = self.failure_page(&e);
                    }
                }
            }
            Report::StepStarted(_)
            | Report::StepFinished(..)
            | Report::Retrying { .. }
            | Report::DeviceCode { .. } => {}
        }
        Effect::None
    }

    /// Errors about what the person typed or did go back to that page, in plain words;
    /// the rest get the "Something went wrong" page with "Try again".
    fn failure_page(&mut self, e: &DeviceError) -> Page {
        let notice = notice_for(e);
        let about_the_sign_in = matches!(
            e,
            DeviceError::SignInRefused { .. }
                | DeviceError::DeviceCodeNotCompleted(_)
                | DeviceError::FederatedSignInRequired { .. }
                | DeviceError::UnknownRealm { .. }
                | DeviceError::Input(_)
        );
        if !about_the_sign_in {
            return Page::Problem(Problem::new(notice));
        }
        if matches!(e, DeviceError::SignInRefused { .. }) {
            // A refused password is never worth keeping.
            self.password.clear();
        }
        self.origin_page(Some(notice))
    }
}

/// The error's own words, with the next step said the way this UI offers it where the
/// command-line wording would send the person to a flag.
fn notice_for(e: &DeviceError) -> Notice {
    let mut notice = Notice::from_error(e);
    let mfa = e
        .aadsts_codes()
        .iter()
        .any(|c| matches!(*c, aadsts::MFA_REQUIRED | aadsts::MFA_REQUIRED_INTERACTIVE));
    if mfa {
        notice.next = "Go back and choose \"Sign in from another device\": the browser there \
                       completes multifactor sign-in."
            .into();
    }
    notice
}
