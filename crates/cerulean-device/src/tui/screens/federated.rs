//! Federated realms: the person signs in at their organization's identity provider, not
//! here, so the device offers the sign-in from another device instead of a password.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::style::{Color, Stylize as _};
use ratatui::text::Line;

use super::Intent;
use super::password::{brand_of, branding_colour};
use crate::state::Realm;
use crate::tui::widgets::{self, ACCENT, BAND_HEIGHT, Focus, Notice};

const DEVICE_CODE: usize = 0;

#[derive(Debug)]
pub struct Federated {
    focus: Focus,
    pub notice: Option<Notice>,
}

impl Federated {
    pub fn new(notice: Option<Notice>) -> Self {
        Self {
            focus: Focus::new(2),
            notice,
        }
    }

    pub fn on_key(&mut self, key: KeyEvent) -> Intent {
        if self.focus.moved_in_row(key) {
            return Intent::None;
        }
        match key.code {
            KeyCode::Esc => Intent::Back,
            KeyCode::Enter if self.focus.index == DEVICE_CODE => Intent::DeviceCode,
            KeyCode::Enter => Intent::Back,
            _ => Intent::None,
        }
    }

    pub fn render(&self, frame: &mut Frame, realm: &Realm) {
        let area = widgets::window(
            frame,
            "Sign in",
            "Tab ←→: move · Enter: select · Esc: back · q: quit",
        );
        let brand = brand_of(realm);
        let colour = branding_colour(realm);
        let idp = realm
            .federation_auth_url
            .clone()
            .unwrap_or_else(|| "your organization's sign-in page".into());
        let mut lines = vec![
            Line::from("Sign in at your organization".bold().fg(ACCENT)),
            Line::default(),
            Line::from(format!(
                "{} signs in at {brand}'s own identity provider:",
                realm.upn
            )),
            Line::from(idp.underlined()),
            Line::default(),
            Line::from(
                "This device doesn't take that password itself. Sign in from another \
                 device instead: you get a code to enter in a browser, and your \
                 organization's page signs you in there.",
            ),
            Line::default(),
            widgets::buttons(
                &["Sign in from another device", "Back"],
                Some(self.focus.index),
                colour,
            ),
            Line::default(),
        ];
        if let Some(notice) = &self.notice {
            lines.extend(notice.lines());
        } else {
            lines.push(Line::from(
                "The code appears on the next page, while the device waits for you."
                    .fg(Color::Gray),
            ));
        }
        let [band, _, rest] = Layout::vertical([
            Constraint::Length(BAND_HEIGHT),
            Constraint::Length(1),
            Constraint::Fill(1),
        ])
        .areas(area);
        widgets::brand_band(frame, band, &brand, colour);
        widgets::text(frame, rest, lines);
    }
}
