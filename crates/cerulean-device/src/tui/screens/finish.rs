//! Where the OOBE ends: the desktop (signed in automatically with the PRT from setup),
//! the Windows sign-in screen, or a personal device that no organization is involved in.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::style::{Color, Style, Stylize as _};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use crate::oobe::Outcome;
use crate::state::JoinKind;
use crate::tui::widgets::{self, ACCENT};

const CLOSE_HINTS: &str = "Enter or q: close";

pub fn render_done(frame: &mut Frame, outcome: &Outcome, kind: JoinKind) {
    match outcome {
        Outcome::Desktop { upn, tenant_name } => desktop(frame, upn, tenant_name, kind),
        Outcome::SignInScreen { upn, tenant_name } => sign_in_screen(frame, upn, tenant_name),
    }
}

fn desktop(frame: &mut Frame, upn: &str, tenant: &str, kind: JoinKind) {
    let area = widgets::window(frame, "Desktop", CLOSE_HINTS);
    let connected = match kind {
        JoinKind::Join => format!("This device is joined to {tenant} and managed by it."),
        JoinKind::Register => format!(
            "Your work or school account was added: this device is registered with {tenant}."
        ),
    };
    let lines = vec![
        Line::from(format!("Welcome, {upn}").bold().fg(ACCENT)),
        Line::default(),
        Line::from(format!("Organization: {tenant}")),
        Line::from(connected),
        Line::from(
            "You were signed in automatically: setup obtained your Primary Refresh Token, \
             so your organization's apps sign you in without asking again.",
        ),
        Line::default(),
        Line::from("`cerulean-device status` shows the details.".fg(Color::Gray)),
    ];
    let [body, taskbar] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(1)]).areas(area);
    widgets::text(frame, body, lines);
    // A taskbar, so the page reads as the desktop it stands for.
    frame.render_widget(
        Paragraph::new(format!(" ⊞ Start   {upn} · {tenant}"))
            .style(Style::default().fg(Color::White).bg(ACCENT)),
        taskbar,
    );
}

fn sign_in_screen(frame: &mut Frame, upn: &str, tenant: &str) {
    let area = widgets::window(frame, "Sign-in screen", CLOSE_HINTS);
    let lines = vec![
        Line::from("Other user".bold().fg(ACCENT)),
        Line::default(),
        Line::from(format!("Sign in to: {tenant}")),
        Line::from(format!("Email: {upn}")),
        Line::default(),
        Line::from(format!(
            "This device is connected to {tenant}. {upn} signs in here with the \
             organization's own sign-in, so setup didn't sign you in automatically."
        )),
        Line::default(),
        Line::from("`cerulean-device status` shows the details.".fg(Color::Gray)),
    ];
    widgets::text(frame, area, lines);
}

pub fn render_personal(frame: &mut Frame) {
    let area = widgets::window(frame, "Personal use", "Enter or q: close · Esc: back");
    let lines = widgets::heading(
        "This device is set up for personal use",
        "No organization is involved: nothing was sent to any organization and the device \
         isn't registered anywhere. Sign in with a personal Microsoft account or create a \
         local account. To connect to your work or school later, run `cerulean-device \
         oobe` again.",
    );
    widgets::text(frame, area, lines);
}
