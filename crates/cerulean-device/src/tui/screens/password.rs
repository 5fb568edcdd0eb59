//! "Enter password", on the organization's own branding (managed realms).

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::style::{Color, Stylize as _};
use ratatui::text::Line;

use super::Intent;
use crate::state::Realm;
use crate::tui::widgets::{self, ACCENT, BAND_HEIGHT, FIELD_HEIGHT, Focus, Notice, TextField};

const FIELD: usize = 0;
const SIGN_IN: usize = 1;
const BACK: usize = 2;

#[derive(Debug)]
pub struct Password {
    focus: Focus,
    pub notice: Option<Notice>,
}

impl Password {
    pub fn new(notice: Option<Notice>) -> Self {
        Self {
            focus: Focus::new(3),
            notice,
        }
    }

    pub fn typing(&self) -> bool {
        self.focus.index == FIELD
    }

    pub fn on_key(&mut self, field: &mut TextField, key: KeyEvent) -> Intent {
        if self.focus.moved_by(key) {
            return Intent::None;
        }
        match (key.code, self.focus.index) {
            (KeyCode::Esc, _) | (KeyCode::Enter, BACK) => Intent::Back,
            (KeyCode::Enter, FIELD | SIGN_IN) => Intent::SignIn,
            (_, FIELD) => {
                field.edit(key);
                Intent::None
            }
            _ => Intent::None,
        }
    }

    pub fn render(&self, frame: &mut Frame, field: &TextField, realm: &Realm) {
        let area = widgets::window(frame, "Sign in", widgets::FORM_HINTS);
        let brand = brand_of(realm);
        let colour = branding_colour(realm);
        let branding = realm.branding.clone().unwrap_or_default();
        let who = branding
            .user_id_label
            .filter(|l| !l.trim().is_empty())
            .unwrap_or_else(|| "Email".into());
        let head = vec![
            Line::from(format!("{who}: {}", realm.upn)),
            Line::default(),
            Line::from("Enter password".bold().fg(ACCENT)),
        ];
        let mut below = vec![
            widgets::buttons(
                &["Sign in", "Back"],
                self.focus.index.checked_sub(1),
                colour,
            ),
            Line::default(),
        ];
        if let Some(text) = branding.boilerplate_text.filter(|t| !t.trim().is_empty()) {
            // The organization's sign-in page text (terms, help desk number, …).
            below.extend(
                text.lines()
                    .map(|l| Line::from(l.to_string().fg(Color::Gray))),
            );
            below.push(Line::default());
        }
        if let Some(notice) = &self.notice {
            below.extend(notice.lines());
        }
        let [band, _, head_area, field_area, _, rest] = Layout::vertical([
            Constraint::Length(BAND_HEIGHT),
            Constraint::Length(1),
            Constraint::Length(widgets::height_of(&head, area.width)),
            Constraint::Length(FIELD_HEIGHT),
            Constraint::Length(1),
            Constraint::Fill(1),
        ])
        .areas(area);
        widgets::brand_band(frame, band, &brand, colour);
        widgets::text(frame, head_area, head);
        field.render(frame, field_area, "Password", "", self.focus.index == FIELD);
        widgets::text(frame, rest, below);
    }
}

/// The organization's name as its realm gives it, or its domain.
pub fn brand_of(realm: &Realm) -> String {
    realm
        .brand_name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| realm.domain.clone())
}

/// The branding's background colour when it is `#RRGGBB`, else the default accent.
pub fn branding_colour(realm: &Realm) -> Color {
    realm
        .branding
        .as_ref()
        .and_then(|b| b.background_color.as_deref())
        .and_then(widgets::parse_colour)
        .unwrap_or(ACCENT)
}
