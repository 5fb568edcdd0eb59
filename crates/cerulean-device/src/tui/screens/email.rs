//! "Let's set things up for your work or school": the email address, then realm
//! discovery; or "Sign in from another device".

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::style::{Color, Stylize as _};
use ratatui::text::Line;

use super::Intent;
use crate::state::JoinKind;
use crate::tui::widgets::{self, ACCENT, FIELD_HEIGHT, Focus, Notice, TextField};

const FIELD: usize = 0;
const NEXT: usize = 1;
const DEVICE_CODE: usize = 2;
const BACK: usize = 3;

#[derive(Debug)]
pub struct Email {
    focus: Focus,
    /// Why the last attempt didn't work, in plain words.
    pub notice: Option<Notice>,
    /// Realm discovery is running; the field is locked until it answers.
    pub checking: bool,
}

impl Email {
    pub fn new() -> Self {
        Self {
            focus: Focus::new(4),
            notice: None,
            checking: false,
        }
    }

    pub fn with_notice(notice: Notice) -> Self {
        Self {
            notice: Some(notice),
            ..Self::new()
        }
    }

    /// Keys typed go into the field (so `q` is a letter here, not "quit").
    pub fn typing(&self) -> bool {
        self.focus.index == FIELD && !self.checking
    }

    pub fn on_key(&mut self, field: &mut TextField, key: KeyEvent) -> Intent {
        if self.checking {
            return match key.code {
                KeyCode::Esc => Intent::Cancel,
                _ => Intent::None,
            };
        }
        if self.focus.moved_by(key) {
            return Intent::None;
        }
        match (key.code, self.focus.index) {
            (KeyCode::Esc, _) | (KeyCode::Enter, BACK) => Intent::Back,
            (KeyCode::Enter, FIELD | NEXT) => Intent::Next,
            (KeyCode::Enter, DEVICE_CODE) => Intent::DeviceCode,
            (_, FIELD) => {
                field.edit(key);
                Intent::None
            }
            _ => Intent::None,
        }
    }

    pub fn render(
        &self,
        frame: &mut Frame,
        field: &TextField,
        kind: JoinKind,
        retry: Option<&str>,
    ) {
        let area = widgets::window(frame, "Sign in", widgets::FORM_HINTS);
        let title = match kind {
            JoinKind::Join => "Let's set things up for your work or school",
            JoinKind::Register => "Let's add your work or school account",
        };
        let head = widgets::heading(title, "You'll use this info to sign in to your devices.");
        let mut below = vec![
            widgets::buttons(
                &["Next", "Sign in from another device", "Back"],
                self.focus.index.checked_sub(1),
                ACCENT,
            ),
            Line::default(),
            Line::from(
                "Sign in from another device: you get a code to enter in a browser on a \
                 phone or computer (for security keys, multifactor sign-in or your \
                 organization's own sign-in page)."
                    .fg(Color::Gray),
            ),
            Line::default(),
        ];
        if self.checking {
            below.push(Line::from("Checking your email address…".fg(ACCENT)));
            if let Some(retry) = retry {
                below.push(Line::from(retry.to_string().fg(Color::Yellow)));
            }
        } else if let Some(notice) = &self.notice {
            below.extend(notice.lines());
        }
        let [head_area, field_area, _, rest] = Layout::vertical([
            Constraint::Length(widgets::height_of(&head, area.width)),
            Constraint::Length(FIELD_HEIGHT),
            Constraint::Length(1),
            Constraint::Fill(1),
        ])
        .areas(area);
        widgets::text(frame, head_area, head);
        field.render(
            frame,
            field_area,
            "Email",
            "someone@example.com",
            self.focus.index == FIELD && !self.checking,
        );
        widgets::text(frame, rest, below);
    }
}
