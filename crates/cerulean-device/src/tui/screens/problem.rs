//! "Something went wrong": an error that isn't about what the person typed (a quota, a
//! disabled device, the network gone for good), in plain words, with a way to try again.
//! Trying again resumes the machine: what was done is on disk and isn't redone.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Frame;
use ratatui::text::Line;

use super::Intent;
use crate::tui::widgets::{self, ACCENT, Focus, Notice};

const TRY_AGAIN: usize = 0;

#[derive(Debug)]
pub struct Problem {
    focus: Focus,
    pub notice: Notice,
}

impl Problem {
    pub fn new(notice: Notice) -> Self {
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
            KeyCode::Enter if self.focus.index == TRY_AGAIN => Intent::TryAgain,
            KeyCode::Enter => Intent::Back,
            _ => Intent::None,
        }
    }

    pub fn render(&self, frame: &mut Frame) {
        let area = widgets::window(
            frame,
            "Something went wrong",
            "Tab ←→: move · Enter: select · Esc: back · q: quit",
        );
        let mut lines = widgets::heading("Something went wrong", "");
        lines.extend(self.notice.lines());
        lines.push(Line::default());
        lines.push(Line::from(
            "What was already done is saved: trying again carries on from there.",
        ));
        lines.push(Line::default());
        lines.push(widgets::buttons(
            &["Try again", "Back"],
            Some(self.focus.index),
            ACCENT,
        ));
        widgets::text(frame, area, lines);
    }
}
