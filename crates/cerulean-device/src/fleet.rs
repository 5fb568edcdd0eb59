//! The fleet simulator (`cerulean-device fleet`): being built.

use clap::Args;

use crate::error::{DeviceError, Result};

/// `cerulean-device fleet` arguments.
#[derive(Debug, Args)]
pub struct FleetArgs {}

/// Runs the simulation.
pub async fn run(_args: FleetArgs) -> Result<()> {
    Err(DeviceError::Input("the fleet simulator is not available yet".into()))
}
