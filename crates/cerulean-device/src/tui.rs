//! The interactive OOBE (`cerulean-device oobe`): the terminal UI is being built.

use std::path::Path;

use clap::Args;

use crate::error::{DeviceError, Result};

/// `cerulean-device oobe` arguments.
#[derive(Debug, Args)]
pub struct OobeArgs {}

/// Runs the interactive OOBE.
pub async fn run(_state_dir: &Path, _args: OobeArgs) -> Result<()> {
    Err(DeviceError::Input("the interactive OOBE is not available yet".into()))
}
