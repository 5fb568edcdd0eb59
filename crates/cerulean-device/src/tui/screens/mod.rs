//! One file per page of the OOBE. Each page keeps only its own focus and message, draws
//! itself, and turns keys into an [`Intent`]; the [`App`](super::App) decides where an
//! intent leads, so that every transition is in one place.

mod choose;
mod email;
mod federated;
mod finish;
mod password;
mod problem;
mod progress;

pub use choose::Choose;
pub use email::Email;
pub use federated::Federated;
pub use finish::{render_done, render_personal};
pub use password::Password;
pub use problem::Problem;
pub use progress::{Board, render_progress};

/// What the person asked for on a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    None,
    Personal,
    WorkOrSchool,
    /// Email page: find the organization.
    Next,
    /// Sign in on another device with a code.
    DeviceCode,
    /// Password page: sign in and set up.
    SignIn,
    Back,
    /// Stop what is running (a realm lookup or a sign-in on another device).
    Cancel,
    TryAgain,
    /// Close the OOBE from its last page.
    Close,
}
