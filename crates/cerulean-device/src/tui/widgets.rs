//! The pieces every screen is built from: the window, headings, text fields, buttons and
//! the plain-words error box. Screens compose these so that they all look alike.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style, Stylize as _};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};
use zeroize::Zeroizing;

use crate::error::DeviceError;

/// Windows' accent blue, used where the organization has no colour of its own.
pub const ACCENT: Color = Color::Rgb(0, 120, 212);

/// The key help of pages with a text field (where `q` is a letter, so Ctrl-C quits).
pub const FORM_HINTS: &str = "Tab ↑↓: move · Enter: select · Esc: back · Ctrl-C: quit";

/// The widest the content column gets: long lines are hard to read.
const CONTENT_WIDTH: u16 = 78;

/// Draws the setup window and returns the area inside it for the screen's content.
pub fn window(frame: &mut Frame, title: &str, hints: &str) -> Rect {
    let block = Block::bordered()
        .border_style(Style::default().fg(ACCENT))
        .title(Line::from(format!(" {title} ")).bold())
        .title_bottom(Line::from(format!(" {hints} ")).dim());
    let inner = block.inner(frame.area());
    frame.render_widget(block, frame.area());
    let width = inner.width.min(CONTENT_WIDTH);
    let [_, column, _] = Layout::horizontal([
        Constraint::Fill(1),
        Constraint::Length(width),
        Constraint::Fill(1),
    ])
    .areas(inner);
    // One blank line of breathing room at the top, as the OOBE's pages have.
    let [_, body] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(column);
    body
}

/// A page heading and its explanation, as a paragraph of lines.
pub fn heading<'a>(title: &'a str, subtitle: &'a str) -> Vec<Line<'a>> {
    let mut lines = vec![Line::from(title.bold().fg(ACCENT)), Line::default()];
    if !subtitle.is_empty() {
        lines.push(Line::from(subtitle));
    }
    lines
}

/// Renders `lines` wrapped into `area`.
pub fn text(frame: &mut Frame, area: Rect, lines: Vec<Line<'_>>) {
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), area);
}

/// How many rows `lines` take when wrapped to `width` (for layouts that stack text).
pub fn height_of(lines: &[Line<'_>], width: u16) -> u16 {
    let width = usize::from(width.max(1));
    let rows: usize = lines.iter().map(|l| l.width().max(1).div_ceil(width)).sum();
    u16::try_from(rows).unwrap_or(u16::MAX)
}

/// A one-line text field. Its contents are zeroized when dropped or cleared, because the
/// same field type holds the password.
#[derive(Default)]
pub struct TextField {
    value: Zeroizing<String>,
    masked: bool,
}

impl std::fmt::Debug for TextField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.masked {
            write!(f, "TextField(<{} masked>)", self.value.chars().count())
        } else {
            write!(f, "TextField({:?})", self.value.as_str())
        }
    }
}

/// What a key did to a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edit {
    Changed,
    Ignored,
}

/// The longest text a field takes (the DRS caps a UPN at 256; passwords are shorter).
const MAX_FIELD_LEN: usize = 256;

impl TextField {
    pub fn masked() -> Self {
        Self {
            value: Zeroizing::new(String::new()),
            masked: true,
        }
    }

    pub fn with_value(value: &str) -> Self {
        Self {
            value: Zeroizing::new(value.to_string()),
            masked: false,
        }
    }

    pub fn value(&self) -> &str {
        &self.value
    }

    pub fn clear(&mut self) {
        // `Zeroizing` wipes the old buffer when it is replaced.
        self.value = Zeroizing::new(String::new());
    }

    /// Typing, Backspace, and Ctrl-U to clear the field.
    pub fn edit(&mut self, key: KeyEvent) -> Edit {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Char('u') if ctrl => {
                self.clear();
                Edit::Changed
            }
            KeyCode::Char(c) if !ctrl && !c.is_control() => {
                if self.value.chars().count() < MAX_FIELD_LEN {
                    self.value.push(c);
                }
                Edit::Changed
            }
            KeyCode::Backspace => {
                self.value.pop();
                Edit::Changed
            }
            _ => Edit::Ignored,
        }
    }

    /// Draws the field with `label` above it (three rows for the box, one for the label)
    /// and puts the terminal's cursor at its end when focused.
    pub fn render(
        &self,
        frame: &mut Frame,
        area: Rect,
        label: &str,
        placeholder: &str,
        focused: bool,
    ) {
        let [label_area, box_area] =
            Layout::vertical([Constraint::Length(1), Constraint::Length(3)]).areas(area);
        frame.render_widget(Paragraph::new(label), label_area);
        let shown: String = if self.masked {
            "•".repeat(self.value.chars().count())
        } else {
            self.value.to_string()
        };
        let content = if shown.is_empty() {
            Line::from(placeholder.dim())
        } else {
            Line::from(shown.clone())
        };
        let border = if focused {
            Style::default().fg(ACCENT).add_modifier(Modifier::BOLD)
        } else {
            Style::default().fg(Color::Gray)
        };
        let block = Block::bordered().border_style(border);
        let inner = block.inner(box_area);
        frame.render_widget(Paragraph::new(content).block(block), box_area);
        if focused {
            let used = u16::try_from(shown.chars().count()).unwrap_or(u16::MAX);
            let x = inner
                .x
                .saturating_add(used.min(inner.width.saturating_sub(1)));
            frame.set_cursor_position((x, inner.y));
        }
    }
}

/// The rows a [`TextField`] with its label takes.
pub const FIELD_HEIGHT: u16 = 4;

/// The organization's name on a band of its colour, as its sign-in page shows it.
pub fn brand_band(frame: &mut Frame, area: Rect, name: &str, colour: Color) {
    let lines = vec![
        Line::default(),
        Line::from(format!("  {name}").bold()),
        Line::default(),
    ];
    let band = Paragraph::new(lines).style(Style::default().fg(Color::White).bg(colour));
    frame.render_widget(band, area);
}

/// The rows [`brand_band`] takes.
pub const BAND_HEIGHT: u16 = 3;

/// A row of buttons; the focused one is filled with `accent`.
pub fn buttons(labels: &[&str], focused: Option<usize>, accent: Color) -> Line<'static> {
    let mut spans = Vec::new();
    for (i, label) in labels.iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw("  "));
        }
        let text = format!("[ {label} ]");
        spans.push(if focused == Some(i) {
            Span::styled(
                text,
                Style::default()
                    .fg(Color::White)
                    .bg(accent)
                    .add_modifier(Modifier::BOLD),
            )
        } else {
            Span::raw(text)
        });
    }
    Line::from(spans)
}

/// An error in plain words: what happened, and what to do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub what: String,
    pub next: String,
}

impl Notice {
    pub fn from_error(e: &DeviceError) -> Self {
        Self {
            what: Self::sentence(&e.to_string()),
            next: e.next_step(),
        }
    }

    pub fn lines(&self) -> Vec<Line<'static>> {
        vec![
            Line::from(self.what.clone().fg(Color::LightRed).bold()),
            Line::from(self.next.clone()),
        ]
    }

    /// Errors read as sentences on screen: a capital first letter and a full stop.
    pub fn sentence(s: &str) -> String {
        let mut chars = s.chars();
        let mut out: String = match chars.next() {
            Some(first) => first.to_uppercase().chain(chars).collect(),
            None => String::new(),
        };
        if !out.is_empty() && !out.ends_with(['.', '!', '?']) {
            out.push('.');
        }
        out
    }
}

/// `#RRGGBB` as a terminal colour; anything else (names, `#RGB`, garbage) is ignored and
/// the default accent is used, since the colour is decoration from the network.
pub fn parse_colour(s: &str) -> Option<Color> {
    let hex = s.trim().strip_prefix('#')?;
    if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let channel = |i: usize| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok();
    Some(Color::Rgb(channel(0)?, channel(2)?, channel(4)?))
}

/// A focus position that wraps around `len` places (Tab / Shift-Tab, arrows).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Focus {
    pub index: usize,
    len: usize,
}

impl Focus {
    pub fn new(len: usize) -> Self {
        Self {
            index: 0,
            len: len.max(1),
        }
    }

    pub fn at(mut self, index: usize) -> Self {
        self.index = index % self.len;
        self
    }

    pub fn next(&mut self) {
        self.index = (self.index + 1) % self.len;
    }

    pub fn prev(&mut self) {
        self.index = (self.index + self.len - 1) % self.len;
    }

    /// Moves on Tab, Shift-Tab, Up and Down; true when the key was a move.
    pub fn moved_by(&mut self, key: KeyEvent) -> bool {
        match key.code {
            KeyCode::Tab | KeyCode::Down => self.next(),
            KeyCode::BackTab | KeyCode::Up => self.prev(),
            _ => return false,
        }
        true
    }

    /// As [`Focus::moved_by`], and Left / Right too: for pages whose only choices are a
    /// row of buttons, where no text field needs the arrows.
    pub fn moved_in_row(&mut self, key: KeyEvent) -> bool {
        match key.code {
            KeyCode::Right => self.next(),
            KeyCode::Left => self.prev(),
            _ => return self.moved_by(key),
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_six_digit_hex_colours_are_used() {
        assert_eq!(parse_colour("#0078d4"), Some(Color::Rgb(0, 0x78, 0xd4)));
        assert_eq!(parse_colour(" #FFFFFF "), Some(Color::Rgb(255, 255, 255)));
        for bad in ["", "#fff", "0078d4", "#0078dz", "red", "#0078d4ff", "#ééé"] {
            assert_eq!(parse_colour(bad), None, "{bad}");
        }
    }

    #[test]
    fn errors_read_as_sentences() {
        assert_eq!(
            Notice::sentence("your account is locked"),
            "Your account is locked."
        );
        assert_eq!(Notice::sentence("done."), "Done.");
        assert_eq!(Notice::sentence(""), "");
    }

    #[test]
    fn focus_wraps_both_ways() {
        let mut f = Focus::new(3);
        f.prev();
        assert_eq!(f.index, 2);
        f.next();
        assert_eq!(f.index, 0);
    }

    #[test]
    fn a_masked_field_never_shows_its_value_in_debug() {
        let mut f = TextField::masked();
        f.edit(KeyEvent::from(KeyCode::Char('s')));
        assert_eq!(format!("{f:?}"), "TextField(<1 masked>)");
        assert_eq!(f.value(), "s");
    }
}
