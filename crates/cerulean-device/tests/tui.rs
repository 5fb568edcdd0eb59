//! The interactive OOBE against a real server: keys go into the `App`, the `Driver` runs
//! what it asks for on the real machine, and what the person would see is read back from
//! ratatui's test backend.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::Duration;

use cerulean_device::oobe::Step;
use cerulean_device::state::{Edition, StateDir};
use cerulean_device::tui::{App, Driver, Effect, Event, PageName, Report};
use cerulean_directory::TrustType;
use cerulean_testkit::{FIXTURE_PASSWORD, TestServer};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use support::*;
use tokio::sync::mpsc::UnboundedReceiver;

fn key(code: KeyCode) -> Event {
    Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// The screen as text, one line per row.
fn screen_of(app: &App) -> String {
    let mut terminal = Terminal::new(TestBackend::new(100, 40)).unwrap();
    terminal.draw(|frame| app.render(frame)).unwrap();
    let buffer = terminal.backend().buffer();
    let width = usize::from(buffer.area.width);
    buffer
        .content()
        .chunks(width)
        .map(|row| row.iter().map(|cell| cell.symbol()).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The screen's text with the box and all white space gone, so a sentence wrapped over
/// two rows reads as one.
fn flat(shown: &str) -> String {
    shown
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '│')
        .collect()
}

/// One person at one device: the app, the driver and the channel between them.
struct Oobe {
    app: App,
    driver: Driver,
    events: UnboundedReceiver<Event>,
}

impl Oobe {
    fn start(setup: cerulean_device::oobe::Setup) -> Self {
        let app = App::new(setup.edition);
        let (driver, events) = Driver::new(setup).unwrap();
        Self {
            app,
            driver,
            events,
        }
    }

    fn screen(&self) -> String {
        screen_of(&self.app)
    }

    /// A key press; what it asks for is started, as the terminal loop does. Returns the
    /// effect's kind for the test to check.
    fn press(&mut self, code: KeyCode) -> &'static str {
        let effect = self.app.update(key(code));
        let kind = match &effect {
            Effect::None => "none",
            Effect::Quit => "quit",
            Effect::DiscoverRealm { .. } => "discover",
            Effect::RunSetup { .. } => "run",
            Effect::Cancel => "cancel",
        };
        self.driver.perform(effect);
        kind
    }

    /// Types `text`; typing never asks setup for anything.
    fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            assert_eq!(self.press(KeyCode::Char(c)), "none");
        }
    }

    /// Feeds the tasks' events to the app until it stops waiting; returns every screen
    /// drawn on the way. `on_event` sees each screen (a second device approving a code).
    async fn settle_with(&mut self, mut on_frame: impl AsyncFnMut(&str)) -> Vec<String> {
        let mut frames = vec![self.screen()];
        // The bound only keeps a broken run from hanging the suite.
        for _ in 0..600 {
            if !self.app.busy() {
                return frames;
            }
            if let Ok(Some(event)) =
                tokio::time::timeout(Duration::from_secs(1), self.events.recv()).await
            {
                let effect = self.app.update(event);
                self.driver.perform(effect);
                let shown = self.screen();
                on_frame(&shown).await;
                frames.push(shown);
            }
        }
        panic!("setup never finished; last screen:\n{}", self.screen());
    }

    async fn settle(&mut self) -> Vec<String> {
        self.settle_with(async |_| {}).await
    }

    /// From the first page to the sign-in page of `upn`'s organization.
    async fn walk_to_sign_in(&mut self, upn: &str) {
        assert!(
            self.screen()
                .contains("How would you like to set up this device?")
        );
        assert_eq!(self.press(KeyCode::Down), "none");
        assert_eq!(self.press(KeyCode::Enter), "none");
        assert_eq!(self.app.page(), PageName::Email);
        self.type_text(upn);
        assert_eq!(self.press(KeyCode::Enter), "discover");
        self.settle().await;
    }
}

#[tokio::test]
async fn work_or_school_signs_in_and_lands_on_the_desktop() {
    let server = TestServer::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut oobe = Oobe::start(setup(dir.path(), &server));
    oobe.walk_to_sign_in(ALICE).await;
    assert_eq!(oobe.app.page(), PageName::Password, "{}", oobe.screen());

    let shown = oobe.screen();
    assert!(
        shown.contains("Contoso"),
        "branded with the tenant's name:\n{shown}"
    );
    assert!(shown.contains(ALICE), "{shown}");
    oobe.type_text(FIXTURE_PASSWORD);
    let shown = oobe.screen();
    assert!(
        !shown.contains(FIXTURE_PASSWORD),
        "the password is masked:\n{shown}"
    );

    assert_eq!(oobe.press(KeyCode::Enter), "run");
    let frames = oobe.settle().await;
    assert!(
        frames
            .iter()
            .any(|f| f.contains("✓ Preparing your device's keys")),
        "each step gets its tick"
    );
    assert!(
        frames
            .iter()
            .any(|f| f.contains("Registering your device with your organization…")),
        "the running step is marked"
    );

    let shown = oobe.screen();
    assert_eq!(oobe.app.page(), PageName::Desktop, "{shown}");
    assert!(shown.contains("Welcome, alice@contoso.test"), "{shown}");
    assert!(oobe.app.farewell().contains("automatic sign-in"));
    let devices = devices_of(&server, ALICE).await;
    assert_eq!(devices.len(), 1);
    assert_eq!(devices[0].trust_type, TrustType::AzureAd);
    assert!(
        StateDir::open(dir.path())
            .unwrap()
            .load_prt()
            .unwrap()
            .is_some()
    );
    assert_eq!(oobe.press(KeyCode::Enter), "quit");
}

#[tokio::test]
async fn a_wrong_password_is_explained_and_the_next_try_joins_once() {
    let server = TestServer::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut oobe = Oobe::start(setup(dir.path(), &server));
    oobe.walk_to_sign_in(ALICE).await;

    oobe.type_text("not-the-password");
    assert_eq!(oobe.press(KeyCode::Enter), "run");
    oobe.settle().await;
    let shown = oobe.screen();
    assert_eq!(
        oobe.app.page(),
        PageName::Password,
        "back where it was typed"
    );
    assert!(flat(&shown).contains("incorrect"), "{shown}");
    assert!(devices_of(&server, ALICE).await.is_empty());

    oobe.type_text(FIXTURE_PASSWORD);
    assert_eq!(oobe.press(KeyCode::Enter), "run");
    oobe.settle().await;
    assert_eq!(oobe.app.page(), PageName::Desktop, "{}", oobe.screen());
    assert_eq!(devices_of(&server, ALICE).await.len(), 1);
}

#[tokio::test]
async fn home_edition_registers_instead_of_joining() {
    let server = TestServer::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut setup = setup(dir.path(), &server);
    setup.edition = Edition::Home;
    let mut oobe = Oobe::start(setup);
    let shown = flat(&oobe.screen());
    assert!(
        shown.contains("Windows11Homecan'tjoinanorganization"),
        "{shown}"
    );

    oobe.walk_to_sign_in(ALICE).await;
    assert!(oobe.screen().contains(ALICE));
    oobe.type_text(FIXTURE_PASSWORD);
    assert_eq!(oobe.press(KeyCode::Enter), "run");
    let frames = oobe.settle().await;
    assert!(
        frames
            .iter()
            .any(|f| f.contains("Adding your work or school account"))
    );
    assert_eq!(oobe.app.page(), PageName::Desktop, "{}", oobe.screen());
    assert!(flat(&oobe.screen()).contains("thisdeviceisregisteredwithContoso"));
    let devices = devices_of(&server, ALICE).await;
    assert_eq!(devices.len(), 1);
    assert_eq!(devices[0].trust_type, TrustType::Workplace);
}

#[tokio::test]
async fn personal_use_registers_nothing() {
    let server = TestServer::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut oobe = Oobe::start(setup(dir.path(), &server));
    assert_eq!(oobe.press(KeyCode::Enter), "none");
    assert_eq!(oobe.app.page(), PageName::Personal);
    assert!(flat(&oobe.screen()).contains("isn'tregisteredanywhere"));
    assert_eq!(oobe.press(KeyCode::Esc), "none", "Esc goes back");
    assert_eq!(oobe.app.page(), PageName::Choose);
    oobe.press(KeyCode::Enter);
    assert_eq!(oobe.press(KeyCode::Enter), "quit");
    assert!(devices_of(&server, ALICE).await.is_empty());
    assert!(
        StateDir::open(dir.path())
            .unwrap()
            .load()
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn email_mistakes_are_explained_on_the_same_page() {
    let server = TestServer::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut oobe = Oobe::start(setup(dir.path(), &server));
    oobe.press(KeyCode::Down);
    oobe.press(KeyCode::Enter);

    oobe.type_text("alice");
    assert_eq!(
        oobe.press(KeyCode::Enter),
        "none",
        "not worth asking the server"
    );
    assert_eq!(oobe.app.page(), PageName::Email);
    let before = oobe.screen();

    oobe.type_text("@nowhere.test");
    assert_eq!(oobe.press(KeyCode::Enter), "discover");
    oobe.settle().await;
    let shown = oobe.screen();
    assert_eq!(oobe.app.page(), PageName::Email, "{shown}");
    assert!(shown.contains("nowhere.test"), "{shown}");
    assert_ne!(before, shown, "each mistake gets its own words");

    for _ in 0.."nowhere.test".len() {
        oobe.press(KeyCode::Backspace);
    }
    oobe.type_text("contoso.test");
    assert_eq!(oobe.press(KeyCode::Enter), "discover");
    oobe.settle().await;
    assert_eq!(oobe.app.page(), PageName::Password, "{}", oobe.screen());
}

/// The code shown after "Code: " on the progress page.
fn shown_code(shown: &str) -> Option<String> {
    let at = shown.find("Code: ")?;
    let code: String = shown[at + 6..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    (!code.is_empty()).then_some(code)
}

#[tokio::test]
async fn a_federated_organization_signs_in_from_another_device() {
    let server = TestServer::start().await.unwrap();
    federate_contoso(&server).await;
    let dir = tempfile::tempdir().unwrap();
    let mut oobe = Oobe::start(setup(dir.path(), &server));
    oobe.walk_to_sign_in(ALICE).await;

    assert_eq!(oobe.app.page(), PageName::Federated, "{}", oobe.screen());
    let shown = flat(&oobe.screen());
    assert!(shown.contains("adfs.contoso.test/adfs/ls"), "{shown}");
    assert!(shown.contains("identityprovider"), "{shown}");

    assert_eq!(oobe.press(KeyCode::Enter), "run");
    let mut approved = false;
    let frames = oobe
        .settle_with(async |shown| {
            if !approved && let Some(code) = shown_code(shown) {
                approve_device_code(&server, ALICE, &code).await;
                approved = true;
            }
        })
        .await;
    assert!(approved, "the code was shown: {}", frames.join("\n---\n"));
    let shown = oobe.screen();
    assert!(
        matches!(oobe.app.page(), PageName::Desktop | PageName::SignInScreen),
        "{shown}"
    );
    assert_eq!(devices_of(&server, ALICE).await.len(), 1);
}

#[tokio::test]
async fn going_back_from_realm_discovery_drops_its_late_answer() {
    let server = TestServer::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut oobe = Oobe::start(setup(dir.path(), &server));
    oobe.press(KeyCode::Down);
    oobe.press(KeyCode::Enter);
    oobe.type_text(ALICE);
    assert_eq!(oobe.press(KeyCode::Enter), "discover");
    assert_eq!(oobe.press(KeyCode::Esc), "cancel");
    assert!(!oobe.app.busy());
    assert_eq!(oobe.app.page(), PageName::Email);
    // Whatever the aborted task still managed to send carries its old ticket.
    while let Ok(Some(event)) =
        tokio::time::timeout(Duration::from_millis(300), oobe.events.recv()).await
    {
        assert!(matches!(oobe.app.update(event), Effect::None));
    }
    assert_eq!(oobe.app.page(), PageName::Email, "{}", oobe.screen());
}

#[test]
fn q_is_a_letter_in_a_text_field_and_ctrl_c_always_quits() {
    let mut app = App::new(Edition::Pro);
    assert!(matches!(app.update(key(KeyCode::Down)), Effect::None));
    assert!(matches!(app.update(key(KeyCode::Enter)), Effect::None));
    assert!(matches!(app.update(key(KeyCode::Char('q'))), Effect::None));
    assert!(screen_of(&app).contains("q"), "q was typed");
    assert_eq!(app.page(), PageName::Email);
    let ctrl_c = Event::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    assert!(matches!(app.update(ctrl_c), Effect::Quit));
    assert!(matches!(app.update(key(KeyCode::Esc)), Effect::None));
    assert_eq!(app.page(), PageName::Choose);
    assert!(matches!(app.update(key(KeyCode::Char('q'))), Effect::Quit));
}

#[test]
fn network_retries_and_device_codes_show_while_setup_runs() {
    let mut app = App::new(Edition::Pro);
    app.update(key(KeyCode::Down));
    app.update(key(KeyCode::Enter));
    app.update(key(KeyCode::Tab));
    app.update(key(KeyCode::Tab));
    // "Sign in from another device": the effect carries the ticket its reports must bear.
    let ticket = match app.update(key(KeyCode::Enter)) {
        Effect::RunSetup { ticket, .. } => ticket,
        other => panic!("expected a run, got {other:?}"),
    };
    let report = |report| Event::Task { ticket, report };
    app.update(report(Report::StepStarted(Step::SignIn)));
    app.update(report(Report::DeviceCode {
        message: "To sign in, open https://login.test/device and enter the code.".into(),
        user_code: "ABCD-EFGH".into(),
        verification_uri: "https://login.test/device".into(),
    }));
    app.update(report(Report::Retrying {
        step: Step::SignIn,
        error: "can't reach login.test: connection refused".into(),
        wait: Duration::from_secs(2),
    }));
    let shown = screen_of(&app);
    assert!(shown.contains("Signing you in…"), "{shown}");
    assert!(shown.contains("ABCD-EFGH"), "{shown}");
    assert!(shown.contains("https://login.test/device"), "{shown}");
    assert!(flat(&shown).contains("connectionrefused"), "{shown}");
    assert!(app.busy());

    // A stale ticket's news changes nothing.
    let stale = Event::Task {
        ticket: ticket.wrapping_sub(1),
        report: Report::StepFinished(Step::SignIn, Duration::ZERO),
    };
    app.update(stale);
    assert!(screen_of(&app).contains("Signing you in…"));

    app.update(report(Report::StepFinished(Step::SignIn, Duration::ZERO)));
    let shown = screen_of(&app);
    assert!(shown.contains("✓ Signing you in"), "{shown}");
    assert!(!flat(&shown).contains("connectionrefused"), "{shown}");
    assert!(!shown.contains("ABCD-EFGH"), "the code goes once signed in");
}
