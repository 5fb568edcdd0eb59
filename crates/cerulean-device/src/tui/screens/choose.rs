//! "How would you like to set up this device?": personal use, or work or school.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::style::{Color, Stylize as _};
use ratatui::text::Line;

use super::Intent;
use crate::state::Edition;
use crate::tui::widgets::{self, ACCENT, Focus};

const PERSONAL: usize = 0;
const WORK: usize = 1;

#[derive(Debug)]
pub struct Choose {
    focus: Focus,
}

impl Choose {
    pub fn new() -> Self {
        Self {
            focus: Focus::new(2),
        }
    }

    /// Coming back from the email page: the work-or-school choice stays highlighted.
    pub fn at_work() -> Self {
        Self {
            focus: Focus::new(2).at(WORK),
        }
    }

    pub fn on_key(&mut self, key: KeyEvent) -> Intent {
        if self.focus.moved_in_row(key) {
            return Intent::None;
        }
        match key.code {
            KeyCode::Enter | KeyCode::Char(' ') => match self.focus.index {
                PERSONAL => Intent::Personal,
                _ => Intent::WorkOrSchool,
            },
            _ => Intent::None,
        }
    }

    pub fn render(&self, frame: &mut Frame, edition: Edition) {
        let area = widgets::window(
            frame,
            &format!("{} setup", edition.product_name()),
            "↑↓ Tab: move · Enter: choose · q: quit",
        );
        let work_says = if edition.can_join() {
            "You'll have access to your organization's apps and resources, and your \
             organization manages this device (Microsoft Entra join)."
                .to_string()
        } else {
            format!(
                "{} can't join an organization, so this adds your work or school account \
                 to the device instead (registration): you reach your organization's apps \
                 and the device stays yours.",
                edition.product_name()
            )
        };
        let mut lines = widgets::heading("How would you like to set up this device?", "");
        let options = [
            (
                "Set up for personal use",
                "A personal Microsoft account or a local account; no organization is \
                 involved."
                    .to_string(),
            ),
            ("Set up for work or school", work_says),
        ];
        for (i, (label, says)) in options.into_iter().enumerate() {
            let chosen = self.focus.index == i;
            let mark = if chosen { "› (•) " } else { "  ( ) " };
            lines.push(if chosen {
                Line::from(format!("{mark}{label}").bold().fg(ACCENT))
            } else {
                Line::from(format!("{mark}{label}"))
            });
            lines.push(Line::from(format!("      {says}").fg(Color::Gray)));
            lines.push(Line::default());
        }
        widgets::text(frame, area, lines);
    }
}
