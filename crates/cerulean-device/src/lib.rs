//! `cerulean-device`: the device half of a Microsoft Entra–style join, speaking only the
//! wire protocols (realm discovery, OAuth 2.0, the Device Registration Service, the
//! Primary Refresh Token) so that it works against Cerulean and against Entra ID alike.
//!
//! * [`oobe`] — the out-of-box experience as a restartable state machine, driven by the
//!   headless `join`, the terminal UI ([`tui`]) and the fleet simulator ([`fleet`]);
//! * [`keystore`] and [`state`] — the device's keys and what it knows, owner-only on disk;
//! * [`wire`] — one client module per protocol;
//! * [`status`] — the `dsregcmd /status` and "Access work or school" views;
//! * [`manage`] — leaving the organization, renewing the PRT, checking with the server.

pub mod cli;
pub mod error;
pub mod fleet;
pub mod fsutil;
pub mod http;
pub mod keystore;
pub mod manage;
pub mod oobe;
pub mod state;
pub mod status;
pub mod tui;
pub mod wire;

pub use error::{DeviceError, Result};
